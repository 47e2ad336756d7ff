import { createHash, randomBytes } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, testRateLimits, type TestContext } from './helpers/context.js';

/**
 * Security headers on every kind of response, errors included: HSTS, nosniff, no-store on
 * API responses, no X-Powered-By, and a strict Content-Security-Policy on HTML pages.
 */

/** Every HTML page the service serves. Pages added later (the web workspace under /app) belong here. */
/** Every kind of HTML page the service serves without a session: the API docs and the web workspace's public pages. */
export const HTML_PAGES = ['/docs', '/app/sign-in', '/app/indicators'];

let t: TestContext;
let token: string;
let limited: Awaited<ReturnType<TestContext['instance']>>;

beforeAll(async () => {
  t = await createTestContext({
    bodyLimitBytes: 1024,
    web: (issuer) => ({ sessionKey: new Uint8Array(randomBytes(32)), signIn: { kind: 'demo', mintToken: (claims) => issuer.sign(claims) } }),
  });
  const prison = await t.organisation('prison');
  token = await t.tokenFor(prison, 'prison_staff');
  limited = await t.instance({ rateLimit: testRateLimits({ limits: { ...testRateLimits().limits, read: { perSubject: 1, perAddress: 1000 } } }) });
  // A route that fails as an unexpected bug would, to see the 500 path's headers.
  t.app.get('/__test/boom', () => {
    throw new TypeError('boom');
  });
});
afterAll(async () => {
  await t?.close();
});

function expectCommonHeaders(headers: Headers) {
  expect(headers.get('strict-transport-security')).toMatch(/max-age=\d{8,}; includeSubDomains/);
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('x-powered-by')).toBeNull();
  expect(headers.get('x-request-id')).toBeTruthy();
}

describe('security headers', () => {
  const cases: Array<[string, () => Promise<{ status: number; headers: Headers }>, number]> = [
    ['200 an API read', () => t.request('GET', '/me', { token }), 200],
    ['200 a public read', () => t.request('GET', '/indicators/definitions'), 200],
    ['401 no token', () => t.request('GET', '/me'), 401],
    ['401 a bad token', () => t.request('GET', '/me', { token: 'eyJhbGciOiJub25lIn0.e30.x' }), 401],
    ['403 a role that may never use the route', () => t.request('PUT', '/calendars/KZ', { token, body: {} }), 403],
    ['404 an unknown route', () => t.request('GET', '/no/such/route', { token }), 404],
    ['404 out of scope', () => t.request('GET', `/participants/${randomUUID()}`, { token }), 404],
    ['400 malformed JSON', () => t.request('POST', '/participants', { token, rawBody: '{', headers: { 'content-type': 'application/json' } }), 400],
    ['422 invalid query', () => t.request('GET', '/participants?reference=x&limit=100000', { token }), 422],
    ['413 body too large', () => t.request('POST', '/participants', { token, body: { identity: { firstName: 'x'.repeat(5000) } } }), 413],
    [
      '429 rate limited',
      async () => {
        await limited.request('GET', '/me', { token });
        return limited.request('GET', '/me', { token });
      },
      429,
    ],
    ['500 an unexpected error', () => t.request('GET', '/__test/boom'), 500],
  ];

  it.each(cases)('%s carries HSTS, nosniff, no-store, no X-Powered-By and the API Content-Security-Policy', async (_name, send, status) => {
    const response = await send();
    expect(response.status).toBe(status);
    expectCommonHeaders(response.headers);
    expect(response.headers.get('cache-control')).toBe('no-store');
    // API answers are data: nothing in them may load, run or be framed.
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it.each([
    ['http://cadap.example:3000', 'an http PUBLIC_URL'],
    [undefined, 'no PUBLIC_URL'],
  ])('sends no HSTS with %s (%s), and all the other headers', async (publicUrl, _what) => {
    const plain = await createTestContext({ publicUrl });
    try {
      const prison = await plain.organisation('prison');
      for (const response of [
        await plain.request('GET', '/me', { token: await plain.tokenFor(prison, 'prison_staff') }),
        await plain.request('GET', '/me'),
        await plain.request('GET', '/docs'),
      ]) {
        expect(response.headers.get('strict-transport-security')).toBeNull();
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('content-security-policy')).toBeTruthy();
      }
    } finally {
      await plain.close();
    }
  });

  it('the printable disclosures page has a strict policy that still lets its own stylesheet apply', async () => {
    const person = await t.request('POST', '/participants', { token, body: { identity: { firstName: 'Disclosed', lastName: 'Person', dateOfBirth: '1985-05-05' } } });
    expect(person.status).toBe(201);
    const page = await t.request('GET', `/participants/${person.json.id}/disclosures?format=html`, { token });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expectCommonHeaders(page.headers);
    const directives = new Map(
      (page.headers.get('content-security-policy') ?? '')
        .split(';')
        .map((part) => part.trim().split(/\s+/))
        .filter((parts) => parts[0])
        .map((parts) => [parts[0]!, parts.slice(1)]),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toBeUndefined();
    // The one inline stylesheet is allowed by its hash, so a browser applies exactly it and nothing injected.
    const styles = [...page.text.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1]!);
    expect(styles).toHaveLength(1);
    expect(directives.get('style-src')).toEqual([`'sha256-${createHash('sha256').update(styles[0]!).digest('base64')}'`]);
    expect(page.text).not.toMatch(/<script|<link|\sstyle=/i);
    expect(page.text).toContain('Who received your data');
  });

  it('the 500 says nothing of the error', async () => {
    const response = await t.request('GET', '/__test/boom');
    expect(response.json).toMatchObject({ code: 'INTERNAL', status: 500 });
    expect(response.text).not.toContain('boom');
  });

  it.each(HTML_PAGES)('the page %s has a strict Content-Security-Policy', async (page) => {
    const response = await t.request('GET', page);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expectCommonHeaders(response.headers);
    const csp = response.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      csp
        .split(';')
        .map((part) => part.trim().split(/\s+/))
        .filter((parts) => parts[0])
        .map((parts) => [parts[0]!, parts.slice(1)]),
    );
    // Nothing from elsewhere: the docs load nothing by default, the workspace only its own stylesheet.
    expect(["'none'", "'self'"]).toContain(directives.get('default-src')?.join(' '));
    // The workspace has no inline style at all; Swagger UI on /docs sets style attributes, so it keeps 'unsafe-inline' for styles only.
    if (page.startsWith('/app')) expect(directives.get('style-src') ?? directives.get('default-src')).not.toContain("'unsafe-inline'");
    for (const name of ['script-src', 'frame-ancestors', 'base-uri', 'form-action', 'object-src']) {
      const sources = directives.get(name) ?? directives.get('default-src')!;
      for (const loose of ["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:', 'data:']) expect(sources, `${name} allows ${loose}`).not.toContain(loose);
    }
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
  });
});
