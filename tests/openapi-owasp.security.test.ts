import { Document, Spectral, type RulesetDefinition } from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import owaspModule from '@stoplight/spectral-owasp-ruleset';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers/context.js';
import { requestSide } from './helpers/openapi-sides.js';

/**
 * Spectral with the OWASP API Security Top 10 (2023) ruleset over the generated
 * `/openapi.json`, offline (the ruleset is an npm package, nothing is fetched): no error on
 * the request side (parameters, request bodies and the schemas they use, security schemes).
 * What remains on the response side is listed, with why, in README.md ("API security checks").
 */
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t?.close());

// A CommonJS package: under NodeNext its default import is typed as the module object.
const owasp = ((owaspModule as { default?: unknown }).default ?? owaspModule) as RulesetDefinition;
const SEVERITY = ['error', 'warning', 'info', 'hint'] as const;

describe('OWASP API ruleset (Spectral)', () => {
  it('reports no request-side error on /openapi.json', { timeout: 60_000 }, async () => {
    const response = await t.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const spectral = new Spectral();
    spectral.setRuleset(owasp);
    const results = await spectral.run(new Document(response.text, Json, 'openapi.json'));
    // The ruleset runs: it finds response-side matters in any real document (so a silently empty run fails here).
    expect(results.length).toBeGreaterThan(0);
    const isRequestSide = requestSide(response.json);
    const requestErrors = results.filter((result) => result.severity === 0 && isRequestSide(result.path.map(String)));
    expect(
      requestErrors.map((result) => `${result.code} at ${result.path.join('.')}: ${result.message}`),
      'request-side OWASP errors',
    ).toEqual([]);
    const summary = new Map<string, number>();
    for (const result of results) {
      const key = `${SEVERITY[result.severity] ?? result.severity} ${result.code} (${isRequestSide(result.path.map(String)) ? 'request' : 'response'} side)`;
      summary.set(key, (summary.get(key) ?? 0) + 1);
    }
    process.stdout.write(`OWASP ruleset on /openapi.json: ${[...summary].map(([key, n]) => `${n} × ${key}`).join('; ')}\n`);
  });
});
