import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type RateLimitConfig } from '../src/config.js';
import { rowsOf } from '../db/migrate.js';
import { createTestContext, testRateLimits, TEST_NOW, type TestContext } from './helpers/context.js';

/**
 * Rate limits per route group, per token subject and per client address, answered with 429
 * RATE_LIMITED and Retry-After, and shared by instances through the database.
 */
const limits = (over: Partial<RateLimitConfig['limits']>): RateLimitConfig => testRateLimits({ limits: { ...testRateLimits().limits, ...over } });

let t: TestContext;
let prison: { id: string };

beforeAll(async () => {
  t = await createTestContext();
  prison = await t.organisation('prison');
});
afterAll(async () => {
  await t?.close();
});

/** Parses a RateLimit field (`"name";r=1;t=2, …`) into { name: { r, t } }, refusing anything off the structured-field form. */
function fields(value: string | null): Record<string, { r: number; t: number }> {
  expect(value).toBeTruthy();
  const out: Record<string, { r: number; t: number }> = {};
  for (const item of value!.split(', ')) {
    const match = /^"([a-z-]+)";r=(\d+);t=(\d+)$/.exec(item);
    expect(match, item).not.toBeNull();
    out[match![1]!] = { r: Number(match![2]), t: Number(match![3]) };
  }
  return out;
}

async function statuses(send: () => Promise<{ status: number }>, times: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i += 1) out.push((await send()).status);
  return out;
}

describe('rate limits', () => {
  it('limits each token subject per route group, with 429 RATE_LIMITED, Retry-After to the end of the window, and other subjects unaffected', async () => {
    const { request } = await t.instance({ rateLimit: limits({ read: { perSubject: 5, perAddress: 1000 } }) });
    const alice = await t.tokenFor(prison, 'prison_staff', { sub: 'alice' });
    const bob = await t.tokenFor(prison, 'prison_staff', { sub: 'bob' });
    expect(await statuses(() => request('GET', '/me', { token: alice, address: '10.0.0.1' }), 5)).toEqual([200, 200, 200, 200, 200]);
    const refused = await request('GET', '/me', { token: alice, address: '10.0.0.2' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.json).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    // The clock stands at a window boundary (06:00:00), so the whole 60 s window remains.
    expect(TEST_NOW).toMatch(/T06:00:00/);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect((await request('GET', '/me', { token: bob, address: '10.0.0.1' })).status).toBe(200);
  });

  it('counts route groups separately: a subject out of reads can still write', async () => {
    const { request } = await t.instance({ rateLimit: limits({ read: { perSubject: 2, perAddress: 1000 }, write: { perSubject: 3, perAddress: 1000 } }) });
    const carol = await t.tokenFor(prison, 'prison_staff', { sub: 'carol' });
    expect(await statuses(() => request('GET', '/me', { token: carol }), 3)).toEqual([200, 200, 429]);
    // A write (marking an unknown notice read: 404) counts against the write group only.
    expect(await statuses(() => request('POST', `/notifications/${randomUUID()}/read`, { token: carol }), 4)).toEqual([404, 404, 404, 429]);
  });

  it('limits each client address across subjects and without a token, and moves on with the window', async () => {
    const { request } = await t.instance({ rateLimit: limits({ read: { perSubject: 1000, perAddress: 3 } }) });
    const tokens = await Promise.all(['d1', 'd2', 'd3', 'd4'].map((sub) => t.tokenFor(prison, 'prison_staff', { sub })));
    const results = [];
    for (const token of tokens) results.push((await request('GET', '/me', { token, address: '192.0.2.7' })).status);
    expect(results).toEqual([200, 200, 200, 429]);
    // No token at all: still counted by address.
    expect((await request('GET', '/organisations', { address: '192.0.2.7' })).status).toBe(429);
    expect((await request('GET', '/me', { token: tokens[3], address: '192.0.2.8' })).status).toBe(200);
    t.clock.advance(45_000);
    try {
      expect((await request('GET', '/me', { token: tokens[0], address: '192.0.2.7' })).headers.get('retry-after')).toBe('15');
      t.clock.advance(15_000);
      expect((await request('GET', '/me', { token: tokens[0], address: '192.0.2.7' })).status).toBe(200);
    } finally {
      t.clock.set(TEST_NOW);
    }
  });

  it('limits public routes by address, never limits health probes', async () => {
    const { request } = await t.instance({ rateLimit: limits({ public: { perAddress: 2 } }) });
    expect(await statuses(() => request('GET', '/indicators/definitions', { address: '198.51.100.1' }), 3)).toEqual([200, 200, 429]);
    expect(await statuses(() => request('GET', '/health/live', { address: '198.51.100.1' }), 5)).toEqual([200, 200, 200, 200, 200]);
  });

  it('answers with the IETF RateLimit-Policy and RateLimit fields (structured-field form) beside Retry-After', async () => {
    const { request } = await t.instance({ rateLimit: limits({ read: { perSubject: 3, perAddress: 1000 }, 'auth-failure': { perAddress: 20 } }) });
    const erin = await t.tokenFor(prison, 'prison_staff', { sub: 'erin' });
    const seen = [];
    for (let i = 0; i < 4; i += 1) seen.push(await request('GET', '/me', { token: erin, address: '203.0.113.9' }));
    for (const response of seen) {
      // Draft -10/-11: a List of Items, each a quoted policy name with its quota q and window w.
      expect(response.headers.get('ratelimit-policy')).toBe('"auth-failure-address";q=20;w=60, "read-address";q=1000;w=60, "read-subject";q=3;w=60');
    }
    const current = seen.map((response) => fields(response.headers.get('ratelimit')));
    expect(current.map((items) => items['read-subject'])).toEqual([
      { r: 2, t: 60 },
      { r: 1, t: 60 },
      { r: 0, t: 60 },
      { r: 0, t: 60 },
    ]);
    expect(current.map((items) => items['read-address']?.r)).toEqual([999, 998, 997, 996]);
    expect(current[0]!['auth-failure-address']).toEqual({ r: 20, t: 60 });
    expect(seen.map((response) => response.status)).toEqual([200, 200, 200, 429]);
    // On the refusal, the reset of the exhausted policy is the same instant as Retry-After.
    expect(seen[3]!.headers.get('retry-after')).toBe('60');
    // Later in the window, t counts down with Retry-After.
    t.clock.advance(20_000);
    try {
      const later = await request('GET', '/me', { token: erin, address: '203.0.113.9' });
      expect(later.status).toBe(429);
      expect(later.headers.get('retry-after')).toBe('40');
      expect(fields(later.headers.get('ratelimit'))['read-subject']).toEqual({ r: 0, t: 40 });
    } finally {
      t.clock.set(TEST_NOW);
    }
  });

  it('names the address policy when the address is refused before authentication, and sends no fields on health probes', async () => {
    const { request } = await t.instance({ rateLimit: limits({ public: { perAddress: 1 } }) });
    expect((await request('GET', '/indicators/definitions', { address: '198.51.100.77' })).status).toBe(200);
    const refused = await request('GET', '/indicators/definitions', { address: '198.51.100.77' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-policy')).toBe('"public-address";q=1;w=60');
    expect(fields(refused.headers.get('ratelimit'))).toEqual({ 'public-address': { r: 0, t: 60 } });
    expect(refused.headers.get('retry-after')).toBe('60');
    const probe = await request('GET', '/health/live', { address: '198.51.100.77' });
    expect(probe.headers.get('ratelimit')).toBeNull();
    expect(probe.headers.get('ratelimit-policy')).toBeNull();
  });

  it('turns an address away after repeated authentication failures, even with a good token then', async () => {
    const { request } = await t.instance({ rateLimit: limits({ 'auth-failure': { perAddress: 3 } }) });
    const good = await t.tokenFor(prison, 'prison_staff', { sub: 'erin' });
    const forged = `${good.slice(0, -4)}AAAA`;
    expect(await statuses(() => request('GET', '/me', { token: forged, address: '203.0.113.9' }), 3)).toEqual([401, 401, 401]);
    const after = await request('GET', '/me', { token: good, address: '203.0.113.9' });
    expect(after.status).toBe(429);
    expect(Number(after.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await request('GET', '/me', { token: good, address: '203.0.113.10' })).status).toBe(200);
  });

  it('trusts X-Forwarded-For only as far as TRUST_PROXY says', async () => {
    const untrusting = await t.instance({ rateLimit: limits({ public: { perAddress: 2 } }) });
    // Without trusted proxies a client cannot escape its limit by inventing forwarded addresses.
    const spoofed = await statuses(() => untrusting.request('GET', '/indicators/definitions', { address: '198.51.100.20', headers: { 'x-forwarded-for': randomUUID() } }), 3);
    expect(spoofed).toEqual([200, 200, 429]);
    const behindProxy = await t.instance({ rateLimit: testRateLimits({ trustProxyHops: 1, limits: { ...testRateLimits().limits, public: { perAddress: 2 } } }) });
    const viaProxy = (client: string) => behindProxy.request('GET', '/indicators/definitions', { address: '10.9.9.9', headers: { 'x-forwarded-for': `6.6.6.6, ${client}` } });
    expect(await statuses(() => viaProxy('198.51.100.30'), 3)).toEqual([200, 200, 429]);
    // Another client behind the same proxy has its own count; the leftmost (client-claimed) entry is ignored.
    expect((await viaProxy('198.51.100.31')).status).toBe(200);
  });
});

describe('rate limits shared by two instances on one database', () => {
  it('holds the limit across instances to within one flush interval, where unshared counting would allow twice as much', async () => {
    const limit = 10;
    const config = limits({ read: { perSubject: limit, perAddress: 1000 } });
    const a = await t.instance({ rateLimit: config });
    const b = await t.instance({ rateLimit: config });
    const frank = await t.tokenFor(prison, 'prison_staff', { sub: 'frank' });
    const admitted: number[] = [];
    // Requests alternate between the instances; each flushes after serving one (flush interval shorter than the gap).
    for (let i = 0; i < 2 * limit; i += 1) {
      const instance = i % 2 === 0 ? a : b;
      const response = await instance.request('GET', '/me', { token: frank });
      if (response.status === 200) admitted.push(i);
      else expect(response.status).toBe(429);
      await instance.rateLimiter!.flush();
    }
    // The bound: the other instance may admit what reaches it within one flush interval of the total reaching the limit (here one request).
    expect(admitted.length).toBeGreaterThanOrEqual(limit);
    expect(admitted.length).toBeLessThanOrEqual(limit + 1);
    const total = rowsOf<{ count: number }>(await t.db.execute(sql`select sum(count)::int as count from rate_limit_windows where bucket like 'read:subject:%'`))[0];
    expect(total?.count).toBeGreaterThanOrEqual(limit);
  });

  it('an instance that has not seen a subject learns its count at its next flush', async () => {
    const config = limits({ write: { perSubject: 4, perAddress: 1000 } });
    const a = await t.instance({ rateLimit: config });
    const b = await t.instance({ rateLimit: config });
    const gina = await t.tokenFor(prison, 'prison_staff', { sub: 'gina' });
    const write = (instance: typeof a) => instance.request('POST', `/notifications/${randomUUID()}/read`, { token: gina });
    expect(await statuses(() => write(a), 5)).toEqual([404, 404, 404, 404, 429]);
    await a.rateLimiter!.flush();
    // B has not heard from the database yet: it admits one (the documented bound), then learns the total.
    expect((await write(b)).status).toBe(404);
    await b.rateLimiter!.flush();
    expect((await write(b)).status).toBe(429);
  });

  it('without the shared table, two instances would each allow the full limit (what the sharing prevents)', async () => {
    const config = limits({ read: { perSubject: 3, perAddress: 1000 } });
    const a = await t.instance({ rateLimit: config });
    const b = await t.instance({ rateLimit: config });
    const hank = await t.tokenFor(prison, 'prison_staff', { sub: 'hank' });
    expect(await statuses(() => a.request('GET', '/me', { token: hank }), 3)).toEqual([200, 200, 200]);
    // Never flushed: B knows nothing yet and admits its own three, which is why instances flush.
    expect(await statuses(() => b.request('GET', '/me', { token: hank }), 4)).toEqual([200, 200, 200, 429]);
    await a.rateLimiter!.flush();
    await b.rateLimiter!.flush();
    expect((await a.request('GET', '/me', { token: hank })).status).toBe(429);
  });
});

describe('rate limit configuration', () => {
  it('is on by default, off with RATE_LIMIT=off, and names a bad limit', () => {
    const on = loadConfig({});
    expect(on.rateLimit).toMatchObject({ enabled: true, windowSeconds: 60, flushIntervalMs: 250, trustProxyHops: 0, limits: { read: { perSubject: 1200, perAddress: 3000 } } });
    expect(loadConfig({ RATE_LIMIT: 'off' }).rateLimit.enabled).toBe(false);
    expect(loadConfig({ RATE_LIMIT_WRITE: '10/20', TRUST_PROXY: '1' }).rateLimit).toMatchObject({ trustProxyHops: 1, limits: { write: { perSubject: 10, perAddress: 20 } } });
    expect(() => loadConfig({ RATE_LIMIT_READ: 'lots' })).toThrow(/RATE_LIMIT_READ/);
  });
});
