import { createHash } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { rowsOf } from '../../db/migrate.js';
import type { Clock } from '../clock.js';
import type { RateLimitConfig, RateLimitGroup } from '../config.js';
import { summariseError, type Logger } from '../logger.js';
import type { AppEnv } from './context.js';
import { AppError } from '../errors.js';
import { setResponseHeader } from './middleware.js';

/**
 * Fixed-window rate limits per route group, per token subject and per client address,
 * shared by every instance on one database.
 *
 * The hot path never waits for the database: each instance counts in memory and, every
 * `flushIntervalMs`, adds its new counts to `rate_limit_windows` in one statement
 * (`INSERT … ON CONFLICT DO UPDATE SET count = count + excluded.count RETURNING count`) and
 * takes the cluster-wide totals it gets back as its new base. A request is refused when
 * base + local count since the last flush reaches the limit.
 *
 * The bound: an instance learns of the other instances' requests at its next flush, so a
 * bucket can exceed its limit cluster-wide by at most the requests the *other* instances
 * admit for it within one flush interval (plus one database round trip). With one instance
 * the limit is exact. When the database cannot be reached, flushes fail and are retried
 * with the counts kept: each instance still enforces the limit on its own traffic.
 */
export type RateLimitVerdict = { remaining: number; resetSeconds: number } & ({ allowed: true } | { allowed: false; retryAfterSeconds: number });
type Kind = 'subject' | 'address';
type Bucket = { dbKey: string; windowStart: number; windowEnd: number; base: number; pending: number };

export type RateLimiter = {
  readonly config: RateLimitConfig;
  /** Counts one request against the bucket unless it is already at its limit. */
  take(group: RateLimitGroup, kind: Kind, id: string, limit: number, now: Date): RateLimitVerdict;
  /** Whether the bucket is at its limit, without counting. */
  check(group: RateLimitGroup, kind: Kind, id: string, limit: number, now: Date): RateLimitVerdict;
  /** Counts one event (an authentication failure) whatever the bucket holds. */
  record(group: RateLimitGroup, kind: Kind, id: string, now: Date): void;
  /** Adds the local counts to the shared table and reads the totals back. */
  flush(): Promise<void>;
  start(): void;
  /** Stops the timer and flushes what is left. */
  stop(): Promise<void>;
};

const CLEANUP_EVERY_MS = 60_000;

export function createRateLimiter(deps: { db: Database; clock: Clock; logger: Logger; config: RateLimitConfig }): RateLimiter {
  const { db, clock, logger, config } = deps;
  const windowMs = config.windowSeconds * 1000;
  const buckets = new Map<string, Bucket>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let lastCleanup = 0;
  let failing = false;

  const bucketFor = (group: RateLimitGroup, kind: Kind, id: string, now: Date): Bucket => {
    const windowStart = Math.floor(now.getTime() / windowMs) * windowMs;
    const key = `${group}\u0000${kind}\u0000${id}\u0000${windowStart}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      // The shared table holds a digest: neither subjects nor addresses are stored.
      const digest = createHash('sha256').update(`${kind}\u0000${id}`).digest('base64url').slice(0, 22);
      bucket = { dbKey: `${group}:${kind}:${digest}`, windowStart, windowEnd: windowStart + windowMs, base: 0, pending: 0 };
      buckets.set(key, bucket);
    }
    return bucket;
  };

  const verdict = (bucket: Bucket, limit: number, now: Date): RateLimitVerdict => {
    const used = bucket.base + bucket.pending;
    const resetSeconds = Math.max(1, Math.ceil((bucket.windowEnd - now.getTime()) / 1000));
    return used >= limit ? { allowed: false, retryAfterSeconds: resetSeconds, remaining: 0, resetSeconds } : { allowed: true, remaining: limit - used, resetSeconds };
  };

  async function flushOnce(): Promise<void> {
    const now = clock.now().getTime();
    const batch: Array<{ bucket: Bucket; delta: number }> = [];
    for (const [key, bucket] of buckets) {
      if (bucket.pending > 0) batch.push({ bucket, delta: bucket.pending });
      else if (bucket.windowEnd < now) buckets.delete(key);
    }
    if (batch.length > 0) {
      const rows = batch.map(({ bucket, delta }) => ({ b: bucket.dbKey, s: new Date(bucket.windowStart).toISOString(), e: new Date(bucket.windowEnd).toISOString(), n: delta }));
      try {
        const result = await db.execute(sql`
          insert into rate_limit_windows (bucket, window_start, window_end, count)
          select r.b, r.s, r.e, r.n from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(b text, s timestamptz, e timestamptz, n int)
          on conflict (bucket, window_start) do update set count = rate_limit_windows.count + excluded.count
          returning bucket, (extract(epoch from window_start) * 1000)::bigint::text as start_ms, count`);
        const totals = new Map(rowsOf<{ bucket: string; start_ms: string; count: number }>(result).map((row) => [`${row.bucket}@${row.start_ms}`, Number(row.count)]));
        for (const { bucket, delta } of batch) {
          bucket.pending -= delta;
          bucket.base = totals.get(`${bucket.dbKey}@${bucket.windowStart}`) ?? bucket.base + delta;
        }
        if (failing) logger.info('rate limit counts shared again');
        failing = false;
      } catch (error) {
        // Keep the counts and try again next time; meanwhile each instance limits its own traffic.
        if (!failing) logger.warn('rate limit counts could not be shared', { error: summariseError(error) });
        failing = true;
        return;
      }
    }
    if (now - lastCleanup >= CLEANUP_EVERY_MS) {
      lastCleanup = now;
      await db.execute(sql`delete from rate_limit_windows where window_end < ${new Date(now - windowMs).toISOString()}::timestamptz`).catch(() => {});
    }
  }

  const flush = () => {
    flushing ??= flushOnce().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };

  return {
    config,
    take(group, kind, id, limit, now) {
      const bucket = bucketFor(group, kind, id, now);
      const before = verdict(bucket, limit, now);
      if (!before.allowed) return before;
      bucket.pending += 1;
      return { ...before, remaining: before.remaining - 1 };
    },
    check: (group, kind, id, limit, now) => verdict(bucketFor(group, kind, id, now), limit, now),
    record(group, kind, id, now) {
      bucketFor(group, kind, id, now).pending += 1;
    },
    flush,
    start() {
      if (timer) return;
      timer = setInterval(() => void flush(), config.flushIntervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}

/** Which limits a request counts against; health probes are never limited. */
export function routeGroup(method: string, path: string): Exclude<RateLimitGroup, 'auth-failure'> | null {
  if (path.startsWith('/health/')) return null;
  if (path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/')) return 'public';
  if ((path === '/indicators' || path.startsWith('/indicators.') || path.startsWith('/indicators/')) && path !== '/indicators/detail') return 'public';
  if (path === '/audit' || path.startsWith('/audit/') || path === '/outbox' || path.startsWith('/outbox/') || path === '/metrics') return 'admin';
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'read' : 'write';
}

/**
 * The client's address: the socket's peer, or, behind `trustProxyHops` proxies, the entry that
 * many hops back in X-Forwarded-For (the entries further left are the client's own claims).
 */
export function clientAddress(c: Context, trustProxyHops: number): string {
  let socket: string | undefined;
  try {
    socket = getConnInfo(c).remote.address;
  } catch {
    socket = undefined; // not served over a socket (app.request in tests)
  }
  if (trustProxyHops === 0) return socket ?? 'unknown';
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const chain = [...forwarded, socket ?? 'unknown'];
  return chain[Math.max(0, chain.length - 1 - trustProxyHops)] ?? 'unknown';
}

const refuse = (retryAfterSeconds: number, what: string) =>
  new AppError('RATE_LIMITED', `Too many requests ${what}; try again in ${retryAfterSeconds} seconds.`, { retryAfterSeconds });

/**
 * The limits that applied to a request, for the IETF `RateLimit-Policy` and `RateLimit` fields
 * (draft-ietf-httpapi-ratelimit-headers, structured-field form): one quota policy per limit,
 * named `"<group>-address"` / `"<group>-subject"`, with its quota `q` and window `w`, and what
 * is left of it `r` with the seconds until the window resets `t` (the same instant as
 * Retry-After on a 429).
 */
type AppliedLimit = { policy: string; quota: number; windowSeconds: number; remaining?: number; resetSeconds?: number };
const appliedLimits = new WeakMap<Request, AppliedLimit[]>();

function applied(c: Context, limit: AppliedLimit): void {
  const list = appliedLimits.get(c.req.raw) ?? [];
  const existing = list.findIndex((item) => item.policy === limit.policy);
  if (existing >= 0) list[existing] = limit;
  else list.push(limit);
  appliedLimits.set(c.req.raw, list);
}

function setRateLimitFields(c: Context): void {
  const list = appliedLimits.get(c.req.raw);
  if (!list || list.length === 0) return;
  setResponseHeader(c, 'RateLimit-Policy', list.map((item) => `"${item.policy}";q=${item.quota};w=${item.windowSeconds}`).join(', '));
  const current = list.filter((item) => item.remaining !== undefined);
  if (current.length > 0) setResponseHeader(c, 'RateLimit', current.map((item) => `"${item.policy}";r=${item.remaining};t=${item.resetSeconds}`).join(', '));
}

/**
 * Before routing: the per-address limit of the route's group, and the address's
 * authentication failures (counted when a response is 401).
 */
export function rateLimitByAddress(limiter: RateLimiter, clock: Clock): MiddlewareHandler<AppEnv> {
  const { limits, trustProxyHops } = limiter.config;
  return async (c, next) => {
    const group = routeGroup(c.req.method, c.req.path);
    if (!group) return next();
    const address = clientAddress(c, trustProxyHops);
    c.set('rateLimitGroup', group);
    const now = clock.now();
    const windowSeconds = limiter.config.windowSeconds;
    try {
      if (group !== 'public') {
        const quota = limits['auth-failure'].perAddress;
        const failures = limiter.check('auth-failure', 'address', address, quota, now);
        applied(c, { policy: 'auth-failure-address', quota, windowSeconds, remaining: failures.remaining, resetSeconds: failures.resetSeconds });
        if (!failures.allowed) throw refuse(failures.retryAfterSeconds, 'with failed authentication from your address');
      }
      const quota = limits[group].perAddress;
      const verdict = limiter.take(group, 'address', address, quota, now);
      applied(c, { policy: `${group}-address`, quota, windowSeconds, remaining: verdict.remaining, resetSeconds: verdict.resetSeconds });
      const perSubject = limits[group].perSubject;
      // The per-subject policy applies to every authenticated request of the group; its state is known after authentication.
      if (perSubject !== undefined) applied(c, { policy: `${group}-subject`, quota: perSubject, windowSeconds });
      if (!verdict.allowed) throw refuse(verdict.retryAfterSeconds, 'from your address');
      await next();
    } finally {
      setRateLimitFields(c);
    }
    if (c.res.status === 401) limiter.record('auth-failure', 'address', address, clock.now());
  };
}

/** After authentication: the per-subject limit of the route's group (issuer and subject name the caller). */
export function enforceSubjectLimit(c: Context<AppEnv>): void {
  const { rateLimiter, clock } = c.var.services;
  const group = c.var.rateLimitGroup;
  if (!rateLimiter || !group) return;
  const limit = rateLimiter.config.limits[group].perSubject;
  if (limit === undefined) return;
  const actor = c.var.actor;
  const verdict = rateLimiter.take(group, 'subject', `${actor.organisation.id}\u0000${actor.sub}`, limit, clock.now());
  applied(c, { policy: `${group}-subject`, quota: limit, windowSeconds: rateLimiter.config.windowSeconds, remaining: verdict.remaining, resetSeconds: verdict.resetSeconds });
  if (!verdict.allowed) throw refuse(verdict.retryAfterSeconds, 'for your account');
}
