import { SignJWT, UnsecuredJWT, exportSPKI, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organisations } from '../db/schema.js';
import { loadConfig } from '../src/config.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createSigningKey, TEST_AUDIENCE, TEST_ISSUER } from './helpers/keys.js';

let t: TestContext;
let prison: { id: string };
let court: { id: string };

beforeAll(async () => {
  t = await createTestContext();
  prison = await t.organisation('prison');
  court = await t.organisation('court');
});
afterAll(() => t.close());

async function expectUnauthenticated(token: string | null, headers: Record<string, string> = {}) {
  const response = await t.request('GET', '/me', { token, headers });
  expect(response.status).toBe(401);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.json.code).toBe('UNAUTHENTICATED');
  expect(response.headers.get('www-authenticate')).toBe('Bearer');
  return response.json.detail as string;
}

describe('authentication', () => {
  it('accepts a valid token and reports the identity as understood', async () => {
    const token = await t.tokenFor(prison, 'prison_staff', { name: 'Officer A' });
    const response = await t.request('GET', '/me', { token });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ subject: 'user-1', name: 'Officer A', roles: ['prison_staff'], organisation: { id: prison.id, kind: 'prison' } });
  });

  it('accepts RS256 as well as ES256 (both pinned)', async () => {
    const token = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'] }, { key: t.issuer.rs, now: t.clock.now() });
    expect((await t.request('GET', '/me', { token })).status).toBe(200);
  });

  it('refuses a request with no token', async () => {
    expect(await expectUnauthenticated(null)).toMatch(/bearer token/i);
  });

  it('refuses a non-Bearer Authorization header', async () => {
    await expectUnauthenticated(null, { authorization: 'Basic dXNlcjpwYXNz' });
  });

  it('refuses a malformed token', async () => {
    await expectUnauthenticated('not-a-jwt');
    await expectUnauthenticated('a.b.c');
  });

  it('refuses alg: none', async () => {
    const token = new UnsecuredJWT({ org: prison.id, roles: ['prison_staff'], sub: 'x' }).setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setExpirationTime('1h').encode();
    await expectUnauthenticated(token);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const pem = await exportSPKI((await import('node:crypto')).createPublicKey({ key: t.issuer.rs.publicJwk as never, format: 'jwk' }) as never);
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const token = await new SignJWT({ org: prison.id, roles: ['prison_staff'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'test-rs' })
      .setSubject('attacker')
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode(pem));
    expect(await expectUnauthenticated(token)).toMatch(/algorithm/);
  });

  it('refuses a wrong issuer', async () => {
    const token = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'], iss: 'https://evil.invalid' }, { now: t.clock.now() });
    expect(await expectUnauthenticated(token)).toMatch(/issuer/);
  });

  it('refuses a wrong audience', async () => {
    const token = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'], aud: 'another-api' }, { now: t.clock.now() });
    expect(await expectUnauthenticated(token)).toMatch(/audience/);
  });

  it('refuses a token without exp', async () => {
    const token = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'], exp: undefined }, { now: t.clock.now() });
    expect(await expectUnauthenticated(token)).toMatch(/exp/);
  });

  it('refuses a token without sub', async () => {
    const token = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'], sub: undefined }, { now: t.clock.now() });
    await expectUnauthenticated(token);
  });

  it('refuses a token expired beyond the clock tolerance, and accepts one within it', async () => {
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const expired = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'], iat: now - 7200, exp: now - 31 });
    expect(await expectUnauthenticated(expired)).toMatch(/expired/);
    const withinTolerance = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'], iat: now - 7200, exp: now - 10 });
    expect((await t.request('GET', '/me', { token: withinTolerance })).status).toBe(200);
  });

  it('refuses a token that is not valid yet (future nbf)', async () => {
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const token = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'], nbf: now + 600 });
    expect(await expectUnauthenticated(token)).toMatch(/not valid yet/);
  });

  it('refuses an unknown key id', async () => {
    const stranger = await createSigningKey('ES256', 'unknown-kid');
    const token = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'] }, { key: stranger, now: t.clock.now() });
    expect(await expectUnauthenticated(token)).toMatch(/key/);
  });

  it('refuses a token signed by another key under a known kid', async () => {
    const impostor = await createSigningKey('ES256', 'test-es');
    const token = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'] }, { key: impostor, now: t.clock.now() });
    expect(await expectUnauthenticated(token)).toMatch(/signature/);
  });

  it('refuses a tampered payload', async () => {
    const token = await t.tokenFor(prison, 'prison_staff');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
    const tampered = base64url.encode(JSON.stringify({ ...claims, roles: ['admin'] }));
    await expectUnauthenticated(`${header}.${tampered}.${signature}`);
  });

  it('refuses a role that is not valid for the organisation kind', async () => {
    const token = await t.tokenFor(prison, 'judge');
    expect(await expectUnauthenticated(token)).toMatch(/not valid at an organisation of kind prison/);
  });

  it('refuses an unknown role', async () => {
    const token = await t.tokenFor(prison, 'warden' as never);
    expect(await expectUnauthenticated(token)).toMatch(/unknown roles/);
  });

  it('refuses an unknown organisation', async () => {
    const token = await t.tokenFor({ id: '2b1f0a4e-7c55-4d4e-9a63-5a4f2d1c0b9e' }, 'prison_staff');
    expect(await expectUnauthenticated(token)).toMatch(/not registered/);
  });

  it('refuses a token with no org or a malformed org', async () => {
    await expectUnauthenticated(await t.issuer.sign({ roles: ['prison_staff'] }, { now: t.clock.now() }));
    await expectUnauthenticated(await t.issuer.sign({ org: 'prison-1', roles: ['prison_staff'] }, { now: t.clock.now() }));
  });

  it('refuses a token with empty or missing roles', async () => {
    await expectUnauthenticated(await t.issuer.sign({ org: prison.id, roles: [] }, { now: t.clock.now() }));
    await expectUnauthenticated(await t.issuer.sign({ org: prison.id }, { now: t.clock.now() }));
  });

  it('stops accepting a cached token once its key leaves the key set', async () => {
    const token = await t.tokenFor(prison, 'prison_staff');
    expect((await t.request('GET', '/me', { token })).status).toBe(200);
    t.issuer.keySet.replace({ keys: [t.issuer.rs.publicJwk] });
    try {
      await expectUnauthenticated(token);
    } finally {
      t.issuer.keySet.replace({ keys: [t.issuer.es.publicJwk, t.issuer.rs.publicJwk] });
    }
  });

  it('stops accepting a cached token when the clock passes its exp', async () => {
    const token = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'] }, { now: t.clock.now(), ttlSeconds: 60 });
    expect((await t.request('GET', '/me', { token })).status).toBe(200);
    t.clock.advance(120_000);
    try {
      await expectUnauthenticated(token);
    } finally {
      t.clock.advance(-120_000);
    }
  });
});

describe('token lifetime cap and the Bearer scheme', () => {
  it('by default refuses a token living longer than 12 hours (exp - iat, or exp - now without iat), on an instance with the default cap', async () => {
    const defaults = loadConfig({}).auth.maxTokenLifetimeSeconds;
    expect(defaults).toBe(12 * 3600);
    const capped = await t.instance({ maxTokenLifetimeSeconds: defaults });
    const now = t.clock.now();
    const me = async (token: string) => capped.request('GET', '/me', { token });
    const twelveHours = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'] }, { now, ttlSeconds: 12 * 3600 });
    expect((await me(twelveHours)).status).toBe(200);
    const longer = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'] }, { now, ttlSeconds: 12 * 3600 + 1 });
    const refused = await me(longer);
    expect(refused.status).toBe(401);
    expect(refused.json.code).toBe('UNAUTHENTICATED');
    expect(refused.json.detail).toMatch(/lives longer/);
    // Without iat the lifetime counts from now.
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const noIat = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'], iat: undefined, exp: nowSeconds + 13 * 3600 });
    expect((await me(noIat)).status).toBe(401);
    const noIatShort = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'], iat: undefined, exp: nowSeconds + 3600 });
    expect((await me(noIatShort)).status).toBe(200);
    // An iat in the future does not stretch the window: a year ahead, valid for an hour from then.
    const future = await t.issuer.sign({ org: prison.id, roles: ['prison_staff'], iat: nowSeconds + 365 * 86400, exp: nowSeconds + 365 * 86400 + 3600 });
    expect((await me(future)).status).toBe(401);
  });

  it('accepts the Bearer scheme in any case (RFC 7235), and nothing but a token after it', async () => {
    const token = await t.tokenFor(prison, 'prison_staff');
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const response = await t.request('GET', '/me', { headers: { authorization: `${scheme} ${token}` } });
      expect(response.status, scheme).toBe(200);
    }
    await expectUnauthenticated(null, { authorization: `Bearertoken ${token}` });
    await expectUnauthenticated(null, { authorization: `bearer ${token} extra` });
  });
});

describe('authorisation by role', () => {
  it('answers 403 when a valid role may never use the route (a judge registering an organisation)', async () => {
    const before = await t.count(organisations);
    const token = await t.tokenFor(court, 'judge');
    const response = await t.request('POST', '/organisations', {
      token,
      body: { kind: 'ngo', name: 'Judge-made NGO', country: 'KZ', region: 'KZ-PAV' },
    });
    expect(response.status).toBe(403);
    expect(response.json.code).toBe('FORBIDDEN');
    expect(await t.count(organisations)).toBe(before);
  });

  it('answers 403 to an admin on participant routes: admins never see personal data', async () => {
    const token = await t.tokenFor(prison, 'admin');
    const response = await t.request('GET', '/participants?reference=P-AAAA-AAAA', { token });
    expect(response.status).toBe(403);
  });

  it('checks the role before validating the body', async () => {
    const token = await t.tokenFor(court, 'judge');
    const response = await t.request('POST', '/organisations', { token, body: { nonsense: true } });
    expect(response.status).toBe(403);
  });
});
