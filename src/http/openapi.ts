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

/**
 * The bearer scheme as published: what a token must be, and the JWT practices the service
 * follows (RFC 8725, JSON Web Token Best Current Practices).
 */
export const BEARER_AUTH_SCHEME = {
  type: 'http' as const,
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description:
    'A signed JWT (JWS) from the configured identity provider, in `Authorization: Bearer <token>`. ' +
    'Validation follows RFC8725 (JSON Web Token Best Current Practices, RFC 8725): the signature algorithm ' +
    'comes from an allow-list of asymmetric algorithms (`AUTH_ALGORITHMS`), never from the token alone (`alg: none` and HMAC are refused), ' +
    'the issuer (`iss`), audience (`aud`) and expiry (`exp`) are always checked, keys are taken only from the ' +
    'configured JWKS, and a token carries the organisation (`org`) and roles it acts for.',
};

const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
/** Formats whose pattern fixes the length, so the length bound is already enforced by the format. */
const FORMAT_LENGTH: Record<string, number> = { uuid: 36, date: 10 };

/**
 * Adds to a generated document what the zod schemas enforce but the generator does not write
 * down: the length of fixed-length string formats (a `uuid` is 36 characters, a `date` 10) and
 * `format: int32` on integers whose own minimum and maximum lie in the 32-bit range. Nothing
 * is added that validation does not already enforce.
 */
export function withImpliedLimits<T>(document: T): T {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const schema = node as Record<string, unknown>;
    const types = ([] as unknown[]).concat(schema.type ?? []);
    if (types.includes('string') && typeof schema.format === 'string' && schema.maxLength === undefined && FORMAT_LENGTH[schema.format] !== undefined) {
      schema.maxLength = FORMAT_LENGTH[schema.format];
    }
    if (types.includes('integer') && schema.format === undefined) {
      const low = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : undefined;
      const high = typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum - 1 : undefined;
      if (low !== undefined && high !== undefined && low >= INT32.min && high <= INT32.max) schema.format = 'int32';
    }
    Object.values(schema).forEach(visit);
  };
  const copy = structuredClone(document);
  visit(copy);
  return copy;
}
