import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, organisations, participants } from '../db/schema.js';
import { createTestContext, type TestContext } from './helpers/context.js';

let t: TestContext;
let coordinatorToken: string;
let prisonToken: string;

beforeAll(async () => {
  t = await createTestContext({ bodyLimitBytes: 4096 });
  const coordinator = await t.organisation('coordinator');
  const prison = await t.organisation('prison');
  coordinatorToken = await t.tokenFor(coordinator, 'coordinator');
  prisonToken = await t.tokenFor(prison, 'prison_staff');
});
afterAll(() => t.close());

const validOrganisation = { kind: 'ngo', name: 'Valid NGO', country: 'KZ', region: 'KZ-PAV' };
const validParticipant = { identity: { firstName: 'Aigerim', lastName: 'Test', dateOfBirth: '1990-05-01' } };

function expectProblem(response: Awaited<ReturnType<TestContext['request']>>, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.json).toMatchObject({
    status,
    code,
    requestId: expect.any(String),
    type: expect.stringContaining('urn:cadap:problem:'),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(response.text).not.toMatch(/\bat .*\.ts:\d+|select |insert into|drizzle|postgres/i);
}

describe('bad bodies are refused with the API.md status and write nothing', () => {
  const cases: { name: string; body?: unknown; rawBody?: string; status: number; field?: string }[] = [
    { name: 'invalid JSON', rawBody: '{"kind": "ngo",', status: 400 },
    { name: 'a wrong type', body: { ...validOrganisation, name: 42 }, status: 422, field: 'body.name' },
    { name: 'an unknown field', body: { ...validOrganisation, sneaky: true }, status: 422, field: 'body.sneaky' },
    { name: 'a bad enum value', body: { ...validOrganisation, kind: 'bank' }, status: 422, field: 'body.kind' },
    { name: 'a region outside the country', body: { ...validOrganisation, region: 'KG-C' }, status: 422, field: 'body.region' },
    { name: 'beds on a court', body: { ...validOrganisation, kind: 'court', beds: 3 }, status: 422, field: 'body.beds' },
    { name: 'a JSON array instead of an object', body: [validOrganisation], status: 422 },
    { name: 'an oversized body', body: { ...validOrganisation, name: 'x'.repeat(5000) }, status: 413 },
  ];
  for (const testCase of cases) {
    it(`organisations: ${testCase.name} → ${testCase.status}`, async () => {
      const before = await t.count(organisations);
      const response = await t.request('POST', '/organisations', {
        token: coordinatorToken,
        ...(testCase.rawBody !== undefined ? { rawBody: testCase.rawBody, headers: { 'content-type': 'application/json' } } : { body: testCase.body }),
      });
      const code = testCase.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED';
      expectProblem(response, testCase.status, code);
      if (testCase.field) expect(response.json.errors.map((error: { path: string }) => error.path)).toContain(testCase.field);
      expect(await t.count(organisations)).toBe(before);
    });
  }

  it('participants: a nested unknown field is named by its path and nothing is written', async () => {
    const before = [await t.count(participants), await t.count(auditEvents)];
    const response = await t.request('POST', '/participants', {
      token: prisonToken,
      body: { identity: { ...validParticipant.identity, eyeColour: 'brown' } },
    });
    expectProblem(response, 422, 'VALIDATION_FAILED');
    expect(response.json.errors).toEqual([{ path: 'body.identity.eyeColour', message: 'Unknown field.' }]);
    expect([await t.count(participants), await t.count(auditEvents)]).toEqual(before);
  });

  it('participants: a missing required class, a bad date and a bad type are each listed', async () => {
    const before = await t.count(participants);
    const response = await t.request('POST', '/participants', {
      token: prisonToken,
      body: { contact: { phone: 12345 }, health: { overdoseRisk: 'extreme' } },
    });
    expectProblem(response, 422, 'VALIDATION_FAILED');
    const paths = response.json.errors.map((error: { path: string }) => error.path);
    expect(paths).toEqual(expect.arrayContaining(['body.identity', 'body.contact.phone', 'body.health.overdoseRisk']));
    expect(await t.count(participants)).toBe(before);
  });

  it('a body sent without a JSON content type is refused', async () => {
    const before = await t.count(participants);
    const response = await t.request('POST', '/participants', { token: prisonToken, rawBody: JSON.stringify(validParticipant), headers: { 'content-type': 'text/plain' } });
    expectProblem(response, 422, 'VALIDATION_FAILED');
    expect(await t.count(participants)).toBe(before);
  });

  it('a missing body is refused, naming the required class', async () => {
    const response = await t.request('POST', '/participants', { token: prisonToken });
    expectProblem(response, 422, 'VALIDATION_FAILED');
    expect(response.json.errors.map((error: { path: string }) => error.path)).toEqual(['body.identity']);
  });

  it('an empty JSON body is malformed JSON (400)', async () => {
    const response = await t.request('POST', '/participants', { token: prisonToken, rawBody: '', headers: { 'content-type': 'application/json' } });
    expectProblem(response, 400, 'VALIDATION_FAILED');
  });
});

describe('path and query validation', () => {
  it('a malformed id in the path is 422, not a database error', async () => {
    const response = await t.request('GET', '/participants/not-a-uuid', { token: prisonToken });
    expectProblem(response, 422, 'VALIDATION_FAILED');
    expect(response.json.errors[0].path).toBe('param.id');
  });

  it('an unknown query parameter is refused', async () => {
    const response = await t.request('GET', '/organisations?colour=red', { token: prisonToken });
    expectProblem(response, 422, 'VALIDATION_FAILED');
  });

  it('a limit above 200 is refused', async () => {
    const response = await t.request('GET', '/organisations?limit=500', { token: prisonToken });
    expectProblem(response, 422, 'VALIDATION_FAILED');
  });

  it('a forged cursor is refused', async () => {
    const response = await t.request('GET', '/organisations?cursor=bm9wZQ', { token: prisonToken });
    expectProblem(response, 422, 'VALIDATION_FAILED');
  });
});

describe('every response', () => {
  it('an unknown route is a problem+json 404', async () => {
    expectProblem(await t.request('GET', '/no-such-thing'), 404, 'NOT_FOUND');
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const echoed = await t.request('GET', '/health/live', { headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await t.request('GET', '/health/live', { headers: { 'x-request-id': 'bad id <script>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries the request id in problem bodies too', async () => {
    const response = await t.request('GET', '/me', { headers: { 'x-request-id': 'req-42' } });
    expect(response.headers.get('x-request-id')).toBe('req-42');
    expect(response.json.requestId).toBe('req-42');
  });

  it('carries security headers and no-store, errors included', async () => {
    for (const response of [await t.request('GET', '/health/live'), await t.request('GET', '/nowhere'), await t.request('GET', '/me')]) {
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });
});
