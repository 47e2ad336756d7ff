import { OpenAPIHono, z } from '@hono/zod-openapi';
import { Hono, type MiddlewareHandler } from 'hono';
import { routeLabel } from '../http/route-label.js';
import type { AppEnv } from '../http/context.js';
import { AUTHED, problems } from '../http/openapi.js';
import { defineRoute } from '../http/route.js';
import { summariseError, type Logger } from '../logger.js';
import type { Metrics } from './registry.js';

/** First in the chain: times every request, errors and refusals included, by method, route pattern and status. */
export function measureRequests(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      metrics.observeRequest({ method: c.req.method, route: routeLabel(c), status }, (performance.now() - started) / 1000);
    }
  };
}

const scrape = defineRoute('metrics:read', {
  method: 'get',
  path: '/metrics',
  tags: ['Operations'],
  summary: 'Prometheus metrics (text format 0.0.4): requests, outbox, overdue deadlines, audit chains, database pool, process',
  description:
    'For an admin token; a scraper without one uses the separate listener (`METRICS_LISTEN`). No label names a person or an organisation. ' +
    'A reading the database could not give leaves its families without samples and sets `cadap_metrics_collector_up{collector}` to 0.',
  responses: {
    200: { description: 'The metrics', content: { 'text/plain': { schema: z.string() } } },
    ...problems(...AUTHED),
  },
});

/** `GET /metrics` on the service's own port: an admin's token (other roles 403, audited like every 403; none 401). */
export function metricsRoutes() {
  return new OpenAPIHono<AppEnv>().openapi(scrape, async (c) => {
    const { metrics } = c.var.services;
    return c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType }) as never;
  });
}

/**
 * What the separate metrics listener (`METRICS_LISTEN`) serves: `GET /metrics` and nothing else,
 * with no token, so it belongs on an address only the scraper reaches (127.0.0.1 by default).
 */
export function metricsListenerApp(metrics: Metrics, logger: Logger) {
  const app = new Hono();
  app.get('/metrics', async (c) => c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' }));
  app.notFound((c) => c.text('Not found: this listener serves GET /metrics only.\n', 404));
  app.onError((error, c) => {
    logger.error('metrics listener failed', { error: summariseError(error) });
    return c.text('Internal error.\n', 500);
  });
  return app;
}
