import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { hasPermission, type RoutePermission } from '../access/permissions.js';
import type { AppEnv } from './context.js';
import { forbidden, unauthenticated } from '../errors.js';
import { enforceSubjectLimit } from './rate-limit.js';

/** Reads and verifies the bearer token; the actor is then on the context. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization');
  if (!header) throw unauthenticated('This route needs a bearer token in the Authorization header.');
  // RFC 7235: the scheme name is case-insensitive ("bearer", "BEARER"), followed by one or more spaces.
  const match = /^Bearer +([A-Za-z0-9\-_=.+/]+)$/i.exec(header.trim());
  if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <token>".');
  const services = c.get('services');
  const actor = await services.authenticator.authenticate(match[1]);
  c.set('actor', actor);
  enforceSubjectLimit(c);
  await services.staff.seen(services.db, actor, services.clock.now());
  await next();
};

function authorize(permission: Exclude<RoutePermission, 'public'>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!hasPermission(c.get('actor').roles, permission)) throw forbidden();
    await next();
  };
}

/**
 * Every route is declared through here with the permission it needs. The permission is
 * enforced before validation and published in the OpenAPI document as `x-permission`,
 * where a test checks that no route lacks one.
 */
export function defineRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P }>(permission: RoutePermission, config: R): R & { getRoutingPath(): string } {
  const guarded = permission === 'public' ? {} : { middleware: [authenticate, authorize(permission)], security: [{ bearerAuth: [] }] };
  return createRoute({ ...config, ...guarded, 'x-permission': permission } as R);
}
