/** The API's problem+json, as pages read it to show the API's own message and field errors. */
export type Problem = {
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: { path: string; message: string }[];
  allowedEvents?: string[];
};

/** Field errors keyed by the field name inside the event's `data`. */
export function fieldErrorsOf(problem: Problem | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const error of problem?.errors ?? []) {
    const name = error.path.replace(/^(body\.)?(data\.)?/, '').split('.')[0] ?? error.path;
    out[name] ??= error.message;
  }
  return out;
}
