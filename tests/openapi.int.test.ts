import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organisations } from '../db/schema.js';
import { PERMISSIONS } from '../src/access/permissions.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { componentRefs, operations, type OpenApiDocument } from './helpers/openapi-sides.js';

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

  it('every request string (body, query, path; routes added later included) declares a maxLength, and it is enforced', async () => {
    const doc = (await t.request('GET', '/openapi.json')).json as OpenApiDocument;
    const components = doc.components?.schemas ?? {};
    const missing: string[] = [];
    let strings = 0;
    const visit = (schema: unknown, where: string, seen: Set<string>): void => {
      if (!schema || typeof schema !== 'object') return;
      const node = schema as Record<string, unknown>;
      if (typeof node.$ref === 'string') {
        const name = node.$ref.replace('#/components/schemas/', '');
        if (!seen.has(name)) visit(components[name], `${where} (${name})`, new Set([...seen, name]));
        return;
      }
      const types = ([] as unknown[]).concat(node.type ?? []);
      if (types.includes('string')) {
        strings += 1;
        // An enum or a const is bounded by its values; every other string needs a length limit.
        if (typeof node.maxLength !== 'number' && node.enum === undefined && node.const === undefined) missing.push(where);
      }
      for (const key of ['items', 'additionalProperties', 'propertyNames', 'not']) visit(node[key], `${where}.${key}`, seen);
      for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'])
        ((node[key] as unknown[] | undefined) ?? []).forEach((item, index) => visit(item, `${where}.${key}[${index}]`, seen));
      for (const [name, property] of Object.entries((node.properties as Record<string, unknown> | undefined) ?? {})) visit(property, `${where}.${name}`, seen);
    };
    for (const { path, method, operation, shared } of operations(doc)) {
      for (const parameter of [...shared, ...(operation.parameters ?? [])]) visit(parameter.schema, `${method.toUpperCase()} ${path} ${parameter.in} ${parameter.name}`, new Set());
      for (const [type, content] of Object.entries(operation.requestBody?.content ?? {})) visit(content.schema, `${method.toUpperCase()} ${path} body (${type})`, new Set());
    }
    expect(strings).toBeGreaterThan(50);
    expect(missing, 'request strings without maxLength').toEqual([]);
    // The walk reaches the named schemas of requests (so a new request schema cannot hide in components).
    expect(
      componentRefs(
        operations(doc).map(({ operation }) => operation.requestBody),
        new Set(),
        components,
      ).size,
    ).toBeGreaterThan(5);

    // Documented is enforced: one past the limit is 422 naming the field, on a body, a query and a path string.
    const admin = await t.tokenFor(await t.organisation('coordinator'), 'admin');
    const before = await t.count(organisations);
    const body = await t.request('POST', '/organisations', { token: admin, body: { kind: 'ngo', name: 'x'.repeat(201), country: 'KZ', region: 'KZ-PAV' } });
    expect(body.status).toBe(422);
    expect(body.json.errors.map((error: { path: string }) => error.path)).toContain('body.name');
    const region = await t.request('POST', '/organisations', { token: admin, body: { kind: 'ngo', name: 'Long region', country: 'KZ', region: 'KZ-PAVLO' } });
    expect(region.status).toBe(422);
    expect(await t.count(organisations)).toBe(before);
    const staff = await t.tokenFor(await t.organisation('prison'), 'prison_staff');
    const query = await t.request('GET', `/cases?state=${'a'.repeat(41)}`, { token: staff });
    expect(query.status).toBe(422);
    expect(query.json.errors.map((error: { path: string }) => error.path)).toContain('query.state');
    const event = await t.request('POST', `/cases/${randomUUID()}/events`, { token: staff, body: { type: 'X_Y', data: { ['k'.repeat(61)]: 1 }, expectedVersion: 2 ** 31 } });
    expect(event.status).toBe(422);
    expect(event.json.errors.map((error: { path: string }) => error.path)).toEqual(expect.arrayContaining(['body.expectedVersion', expect.stringMatching(/^body\.data/)]));
  });

  it('cites RFC 8725 (JWT best current practices) in the bearer scheme', async () => {
    const scheme = (await t.request('GET', '/openapi.json')).json.components.securitySchemes.bearerAuth;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(scheme.description).toMatch(/RFC ?8725/);
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
