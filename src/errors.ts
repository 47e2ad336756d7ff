import type { FieldError } from '../protocols/field-errors.js';

export type { FieldError } from '../protocols/field-errors.js';

/*
 * The one error type and its closed set of codes, for every layer. How an error is
 * rendered over HTTP (problem+json, titles, headers) is src/http/errors.ts's job.
 */

/** The closed set of error codes of API.md. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'STALE_VERSION',
  'CAPACITY_FULL',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'EVENT_NOT_ALLOWED',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one status mapping. `VALIDATION_FAILED` is 422, except malformed JSON, which is 400. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
      return 422;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'STALE_VERSION':
    case 'CAPACITY_FULL':
    case 'CONFLICT':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'EVENT_NOT_ALLOWED':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'UNAVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
  }
}

/** The one error type. Handlers throw it; `renderError` turns it into problem+json. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; status?: number; retryAfterSeconds?: number; extra?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.status = options.status ?? statusOf(code);
  }
}

export const notFound = (what = 'resource') => new AppError('NOT_FOUND', `No such ${what}.`);
export const forbidden = (detail = 'Your role may not use this route.') => new AppError('FORBIDDEN', detail);
export const unauthenticated = (detail: string) => new AppError('UNAUTHENTICATED', detail);
export const validationFailed = (detail: string, errors?: FieldError[]) => new AppError('VALIDATION_FAILED', detail, errors ? { errors } : {});
