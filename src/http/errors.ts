import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { errorCode, summariseError, type Logger } from '../logger.js';
import { AppError, unauthenticated, validationFailed, type ErrorCode } from '../errors.js';

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is not valid',
  UNAUTHENTICATED: 'Authentication required',
  FORBIDDEN: 'Not permitted for your role',
  NOT_FOUND: 'Not found',
  STALE_VERSION: 'The resource has changed since you read it',
  CAPACITY_FULL: 'No free place',
  CONFLICT: 'Conflicts with current data',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  EVENT_NOT_ALLOWED: 'Event not allowed now',
  RATE_LIMITED: 'Too many requests',
  UNAVAILABLE: 'Service temporarily unavailable',
  INTERNAL: 'Internal error',
};

function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' || // a write to a connection the database already closed
    code === 'ETIMEDOUT' ||
    code === 'CONNECTION_CLOSED' ||
    code === 'CONNECTION_ENDED' ||
    code === 'CONNECT_TIMEOUT' ||
    code === '57P01' || // admin_shutdown
    code === '57P03' // cannot_connect_now
  );
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current && chain.length < 5) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** Friendly words for the unique constraints a request can run into. */
const UNIQUE_CONSTRAINT_DETAIL: Record<string, string> = {
  organisations_name_key: 'An organisation with this name is already registered.',
  organisations_region_coordinator_key: 'This region already has a coordinator organisation.',
  prison_units_name_key: 'This prison already has a unit with this name.',
};

/** Maps anything thrown to an AppError. Unknown errors become INTERNAL and are logged, never shown. */
export function toAppError(error: unknown, logger?: Logger, requestId?: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 400) return new AppError('VALIDATION_FAILED', 'The request body is not valid JSON.', { status: 400 });
    if (error.status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than the limit.');
    if (error.status === 401) return unauthenticated('Authentication required.');
    if (error.status === 415) return validationFailed('Send the request body as application/json.');
  }
  const chain = causeChain(error);
  const unique = chain.find((item) => (item as { code?: unknown }).code === '23505') as { constraint_name?: string; constraint?: string } | undefined;
  if (unique) {
    const constraint = unique.constraint_name ?? unique.constraint ?? '';
    return new AppError('CONFLICT', UNIQUE_CONSTRAINT_DETAIL[constraint] ?? 'A value that must be unique is already taken.');
  }
  if (chain.some(isDatabaseUnavailable)) {
    logger?.warn('database unavailable', { requestId, ...codeOf(error), error: summariseError(error) });
    return new AppError('UNAVAILABLE', 'The database cannot be reached; try again shortly.', { retryAfterSeconds: 5 });
  }
  // Codes, constraint and table names only: the message, query, parameters and detail can hold personal data.
  logger?.error('unhandled error', { requestId, ...codeOf(error), error: summariseError(error) });
  return new AppError('INTERNAL', 'Something went wrong on our side. The request id identifies it in our logs.');
}

function codeOf(error: unknown): { code?: string } {
  const code = errorCode(error);
  return code ? { code } : {};
}

export function problemBody(error: AppError, requestId: string | undefined) {
  return {
    type: `urn:cadap:problem:${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[error.code],
    status: error.status,
    code: error.code,
    detail: error.detail,
    requestId,
    ...(error.options.errors ? { errors: error.options.errors } : {}),
    ...error.options.extra,
  };
}

export function renderError(c: Context, error: AppError): Response {
  const requestId = c.get('requestId') as string | undefined;
  const headers: Record<string, string> = { 'Content-Type': 'application/problem+json' };
  if (error.options.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.options.retryAfterSeconds);
  if (error.code === 'UNAUTHENTICATED') headers['WWW-Authenticate'] = 'Bearer';
  return c.body(JSON.stringify(problemBody(error, requestId)), error.status as ContentfulStatusCode, headers);
}
