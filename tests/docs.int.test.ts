import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers/context.js';
import { codeSpans, readDoc, routeOf, routesNamed, section, tableRows } from './helpers/markdown.js';

/**
 * docs/API.md is current with the app: every route the app serves is listed there with the
 * permission its OpenAPI operation declares, and every route the docs name is served.
 */
let t: TestContext;
let documented: Map<string, string>;
let served: Set<string>;

/** Swagger UI's own files: served for /docs, not routes of the API. */
const ASSETS = /^GET \/docs\/assets\//;

beforeAll(async () => {
  t = await createTestContext();
  const paths = (await t.request('GET', '/openapi.json')).json.paths as Record<string, Record<string, { 'x-permission'?: string }>>;
  documented = new Map(
    Object.entries(paths).flatMap(([route, methods]) =>
      Object.entries(methods).map(([method, operation]) => [`${method.toUpperCase()} ${route.replace(/\{(\w+)\}/g, ':$1')}`, operation['x-permission'] ?? '(none)'] as const),
    ),
  );
  served = new Set(t.app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path}`));
});
afterAll(() => t.close());

/** The route tables of docs/API.md: each route with its permission cell. */
function listedRoutes(): Map<string, string> {
  const listed = new Map<string, string>();
  for (const [first = '', permission = ''] of tableRows(section(readDoc('docs/API.md'), 'Routes'))) {
    for (const route of codeSpans(first).flatMap((span) => routeOf(span) ?? [])) listed.set(route, permission.replaceAll('`', ''));
  }
  return listed;
}

describe('docs/API.md', () => {
  it('lists every operation of /openapi.json with the permission the operation declares', () => {
    expect(documented.size).toBeGreaterThan(40);
    const listed = listedRoutes();
    const missing = [...documented.keys()].filter((route) => !listed.has(route));
    expect(missing, 'served and in /openapi.json, but not in the route tables of docs/API.md').toEqual([]);
    const wrong = [...documented]
      .filter(([route, permission]) => listed.get(route) !== permission)
      .map(([route, permission]) => `${route}: ${permission}, docs say ${listed.get(route)}`);
    expect(wrong, 'the permission column of docs/API.md').toEqual([]);
  });

  it('lists every other route the app serves (the document itself, the interactive docs)', () => {
    const listed = listedRoutes();
    const missing = [...served].filter((route) => !ASSETS.test(route) && !listed.has(route));
    expect(missing, 'served, but not in the route tables of docs/API.md').toEqual([]);
  });

  it('names no route, in docs/API.md or docs/DOMAIN.md, that the app does not serve', () => {
    for (const file of ['docs/API.md', 'docs/DOMAIN.md']) {
      const named = routesNamed(readDoc(file));
      expect(named.length, file).toBeGreaterThan(0);
      const unknown = named.filter((route) => !served.has(route));
      expect(unknown, `${file} names routes the app does not serve`).toEqual([]);
    }
  });
});
