import type { Problem } from './problem.js';

/**
 * Pages get their data from the API itself, in-process, with the signed-in person's token:
 * authentication, role checks, scoping, redaction and audit are the API's by construction,
 * and a page can never show what the API would not return to that person.
 */
export type ApiFetch = (request: Request) => Response | Promise<Response>;

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; status: number; problem: Problem };

/** `token` is the signed-in person's; without one (before sign-in) only the API's public routes answer. */
export function createApiClient(fetch: ApiFetch, token: string | undefined, requestId: string | undefined) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (requestId) headers['x-request-id'] = requestId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(new Request(`http://in-process${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (response.ok) return { ok: true, status: response.status, body: parsed as T };
    return { ok: false, status: response.status, problem: (parsed ?? { title: response.statusText, status: response.status, code: 'INTERNAL' }) as Problem };
  }
  return {
    call,
    /** A read the page cannot do without: a refusal becomes the page's own error. */
    async get<T>(path: string): Promise<T> {
      const result = await call<T>('GET', path);
      if (!result.ok) throw new ApiRefusal(result.status, result.problem);
      return result.body;
    },
    /** A read the page can do without (a role that may not read it gets nothing). */
    async maybe<T>(path: string): Promise<T | undefined> {
      const result = await call<T>('GET', path);
      return result.ok ? result.body : undefined;
    },
    post: <T>(path: string, body: unknown) => call<T>('POST', path, body),
  };
}
export type ApiClient = ReturnType<typeof createApiClient>;

export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title);
  }
}
