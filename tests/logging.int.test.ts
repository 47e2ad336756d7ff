import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers/context.js';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('structured logs', () => {
  it('one JSON line per request with id, method, route pattern, status and duration; never a token or a personal field', async () => {
    const prison = await t.organisation('prison');
    const token = await t.tokenFor(prison, 'prison_staff');
    const created = await t.request('POST', '/participants', {
      token,
      body: { identity: { firstName: 'Zhanar', lastName: 'Loggedova', dateOfBirth: '1970-01-01', nationalId: 'NAT-555-123' }, contact: { phone: '+7 777 123 4567' } },
      headers: { 'x-request-id': 'log-test-1' },
    });
    expect(created.status).toBe(201);
    await t.request('GET', `/participants?reference=${created.json.referenceCode}`, { token, headers: { 'x-request-id': 'log-test-2' } });
    await t.request('POST', '/participants', { token, rawBody: '{"identity": {"firstName": "Broken', headers: { 'content-type': 'application/json' } });
    // A name pasted where an id belongs, in a route and in no route: the log has the pattern, never the path.
    await t.request('GET', `/participants/${encodeURIComponent('Loggedova Zhanar')}/consents`, { token, headers: { 'x-request-id': 'log-test-3' } });
    await t.request('GET', `/no-such-route/${encodeURIComponent('Loggedova')}`, { token, headers: { 'x-request-id': 'log-test-4' } });

    const entries = t.logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const first = entries.find((entry) => entry.requestId === 'log-test-1');
    expect(first).toMatchObject({ level: 'info', msg: 'request', method: 'POST', route: '/participants', status: 201, durationMs: expect.any(Number), organisationId: prison.id });
    const second = entries.find((entry) => entry.requestId === 'log-test-2');
    expect(second?.route).toBe('/participants');
    expect(entries.find((entry) => entry.requestId === 'log-test-3')).toMatchObject({ route: '/participants/:id/consents', status: 422 });
    expect(entries.find((entry) => entry.requestId === 'log-test-4')).toMatchObject({ route: 'unmatched', status: 404 });
    expect(entries.some((entry) => 'path' in entry)).toBe(false);
    const all = t.logger.lines.join('\n');
    for (const secret of [token, token.split('.')[2]!, 'Zhanar', 'Loggedova', 'NAT-555-123', '777 123', '1970-01-01', created.json.referenceCode as string]) {
      expect(all).not.toContain(secret);
    }
  });
});
