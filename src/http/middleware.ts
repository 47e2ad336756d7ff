import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv, Services } from './context.js';
import { routeLabel } from './route-label.js';

const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Sets a header on the response a handler already made. Hono's `c.header()` then rebuilds the
 * response around its body (`new Response(res.body, res)`), and asking for the body turns
 * node-server's light response into a full undici one, its body in a web stream that node-server
 * then reads back, for every response. The response is the request's own (every handler makes
 * a new one), so its headers are set in place; one whose headers are immutable (a fetched
 * response, `Response.redirect`) is rebuilt by `c.header()` as before.
 */
export function setResponseHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}

/**
 * First in the chain: puts the services and a request id on the context, echoes the id,
 * and writes one structured log line per request. It logs the pattern of the route the request
 * matched (`/cases/:id`, or `unmatched`), never the path: a path is whatever a client typed, a
 * name pasted where an id belongs included. Nothing of the body, query, token or participant is
 * logged either.
 */
export function requestContext(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && WELL_FORMED_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.set('services', services);
    await next();
    setResponseHeader(c, 'X-Request-Id', requestId);
    const actor = c.var.actor as AppEnv['Variables']['actor'] | undefined;
    services.logger.info('request', {
      requestId,
      method: c.req.method,
      route: routeLabel(c),
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      ...(actor ? { actorSub: actor.sub, organisationId: actor.organisation.id } : {}),
    });
  };
}

/** API responses are never cached by browsers or proxies: they may carry personal data. */
export const noStore: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (!c.res.headers.has('Cache-Control')) setResponseHeader(c, 'Cache-Control', 'no-store');
};

/**
 * The Content-Security-Policy of every response that does not set its own: API answers are
 * data, never a document to render or frame. The pages (/app, /docs, the printable
 * disclosures) each set their own strict policy.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * Security headers on every response, errors included. HSTS only when the service is
 * published over https (`PUBLIC_URL`): over plain http a browser ignores it, and a deployer
 * testing on http://host must not pin a name to https by accident.
 */
export function securityHeaders(publicUrl: string | undefined): MiddlewareHandler<AppEnv> {
  const https = publicUrl?.startsWith('https://') ?? false;
  const common = secureHeaders({
    strictTransportSecurity: https ? 'max-age=63072000; includeSubDomains' : false,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    crossOriginResourcePolicy: 'same-origin',
  });
  return async (c, next) => {
    await common(c, async () => {
      await next();
      if (!c.res.headers.has('Content-Security-Policy')) setResponseHeader(c, 'Content-Security-Policy', API_CONTENT_SECURITY_POLICY);
    });
  };
}
