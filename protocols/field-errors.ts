/** One bad field of a request or of event data: its path and what is wrong with it. */
export type FieldError = { path: string; message: string };

/** Turns zod issues into the `errors` list: one entry per bad field, with its path. */
export function fieldErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: string[] }>, prefix?: string): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const base = [prefix, ...issue.path.map(String)].filter((part) => part !== undefined && part !== '');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) out.push({ path: [...base, key].join('.'), message: 'Unknown field.' });
    } else {
      out.push({ path: base.join('.') || '(root)', message: issue.message });
    }
  }
  return out;
}
