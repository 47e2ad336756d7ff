import { z } from '@hono/zod-openapi';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON',
  401: 'No valid token',
  403: 'The role may never use this route',
  404: 'Not found, or outside the caller’s scope',
  409: 'Conflicts with current data',
  413: 'Body over the size limit',
  422: 'Validation failed',
  429: 'Too many requests (Retry-After says when to try again)',
  503: 'The database cannot be reached',
};

/** The problem+json responses a route can give, for the OpenAPI document. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: DESCRIPTIONS[status] ?? 'Error', content: { 'application/problem+json': { schema: ProblemSchema } } }]),
  );
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

/** The statuses every authenticated route may answer with. */
export const AUTHED = [401, 403, 429, 503] as const;
