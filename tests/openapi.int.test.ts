import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../src/access/permissions.js';
import { createTestContext, type TestContext } from './helpers/context.js';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

type Operation = { 'x-permission'?: string; security?: unknown[]; requestBody?: unknown; responses: Record<string, unknown> };

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 and served without a token', async () => {
    const response = await t.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.json.openapi).toBe('3.1.0');
    expect(response.json.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('every operation declares a known permission, and every non-public one needs the bearer token', async () => {
    const paths = (await t.request('GET', '/openapi.json')).json.paths as Record<string, Record<string, Operation>>;
    const operations = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
    expect(operations.length).toBeGreaterThan(10);
    for (const { path, method, operation } of operations) {
      const permission = operation['x-permission'];
      expect(permission, `${method.toUpperCase()} ${path} declares no permission`).toBeDefined();
      expect(['public', ...Object.keys(PERMISSIONS)]).toContain(permission);
      if (permission !== 'public') expect(operation.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
    }
  });

  it('every route the app serves is in the document (no undeclared route)', async () => {
    const documented = new Set(
      Object.entries((await t.request('GET', '/openapi.json')).json.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const undocumented = new Set(['GET /openapi.json', 'GET /docs', 'GET /docs/assets/init.js', 'GET /docs/assets/:file']);
    const served = t.app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path}`);
    for (const route of new Set(served)) {
      if (undocumented.has(route)) continue;
      expect(documented, `${route} is served but not documented`).toContain(route);
    }
  });

  it('/docs works offline: every script and stylesheet comes from the service itself', async () => {
    const page = await t.request('GET', '/docs');
    expect(page.status).toBe(200);
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) {
      expect(source.startsWith('/'), `${source} must be served locally`).toBe(true);
      const asset = await t.request('GET', source);
      expect(asset.status, source).toBe(200);
    }
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const init = await t.request('GET', '/docs/assets/init.js');
    expect(init.text).toContain("url: '/openapi.json'");
  });

  it('asset names outside the allow-list are 404 (no path traversal)', async () => {
    expect((await t.request('GET', '/docs/assets/..%2Fpackage.json')).status).toBe(404);
    expect((await t.request('GET', '/docs/assets/index.html')).status).toBe(404);
  });
});

describe('health', () => {
  it('live and ready answer without a token; ready reports migrations applied', async () => {
    expect((await t.request('GET', '/health/live')).json).toEqual({ status: 'ok' });
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json.status).toBe('ready');
    expect(ready.json.migrations.applied).toBe(ready.json.migrations.expected);
  });
});
