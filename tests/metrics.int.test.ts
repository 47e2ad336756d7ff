import { and, count, eq, inArray, ne, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditEvents, outbox } from '../db/schema.js';
import { dispatchDue, materialiseDue } from '../notifications/outbox.js';
import type { Mailer } from '../notifications/mailer.js';
import { writeCheckpoints } from '../src/audit/verify.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { listen } from '../src/http/serve.js';
import { createMemoryLogger } from '../src/logger.js';
import { COLLECTORS, createMetrics } from '../src/metrics/registry.js';
import { metricsListenerApp } from '../src/metrics/routes.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';
import { openTestDatabase } from './helpers/test-database.js';

/** The samples of one metric family in Prometheus text: labels and value per line. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const found: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1]!, pair[2]!]));
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}
const valueOf = (text: string, name: string, labels: Record<string, string> = {}) =>
  samples(text, name).find((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value;

const FROM = 'CADAP <no-reply@cadap.test>';
const refusing: Mailer = {
  kind: 'smtp',
  send: async () => {
    throw Object.assign(new Error('550 mailbox unavailable'), { responseCode: 550 });
  },
  close: async () => {},
};

let t: TestContext;
let r: Region;
let admin: string;
let caseId: string;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  admin = await t.tokenFor(r.orgs.coordinator, 'admin');
  // A court order of 1 February: the intake is overdue since 15 February (TEST_NOW is 2 March).
  const person = await r.participant('court');
  const order = await r.courtOrder(person.id, { caseNumber: 'M-1', orderDate: '2026-02-01', programme: 'detox', durationDays: 60 });
  expect(order.status).toBe(201);
  caseId = order.json.id;
  // The due rows become outbox messages; one of them is refused for good (a dead letter).
  expect(await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' })).toBe(1);
  expect(await t.count(outbox)).toBeGreaterThan(1);
  expect((await dispatchDue(t.db, refusing, { now: t.clock.now(), from: FROM, batch: 1 })).dead).toBe(1);
});
afterAll(() => t.close());

const scrape = (token: string | null = admin) => t.request('GET', '/metrics', { token });

describe('GET /metrics on the service port', () => {
  it('gives an admin every family in Prometheus text, with the values the database holds', async () => {
    await writeCheckpoints(t.db, t.auditSigner, t.clock.now());
    t.clock.advance(90_000);
    const response = await scrape();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = response.text;

    const [waiting] = await t.db
      .select({ n: count() })
      .from(outbox)
      .where(inArray(outbox.status, ['pending', 'sending']));
    expect(waiting!.n).toBeGreaterThan(0);
    expect(valueOf(text, 'cadap_outbox_pending_messages')).toBe(waiting!.n);
    expect(valueOf(text, 'cadap_outbox_dead_messages')).toBe(1);
    expect(valueOf(text, 'cadap_outbox_oldest_pending_seconds')).toBeGreaterThanOrEqual(90);

    expect(valueOf(text, 'cadap_deadlines_overdue', { protocol: 'court-ordered-treatment', rule: 'intake_overdue', kind: 'deadline' })).toBe(1);
    for (const sample of samples(text, 'cadap_deadlines_overdue')) expect(Object.keys(sample.labels).sort()).toEqual(['kind', 'protocol', 'rule']);

    // Every chain's length, together the whole trail; all signed 90 seconds ago.
    const [rows] = await t.db.select({ n: count() }).from(auditEvents).where(ne(auditEvents.chain, 'legacy'));
    const lengths = samples(text, 'cadap_audit_chain_length');
    expect(lengths).toHaveLength(8);
    expect(lengths.reduce((sum, sample) => sum + sample.value, 0)).toBe(rows!.n);
    expect(samples(text, 'cadap_audit_rows_since_checkpoint').every((sample) => sample.value === 0)).toBe(true);
    expect(valueOf(text, 'cadap_audit_last_checkpoint_age_seconds')).toBe(90);

    const max = valueOf(text, 'cadap_db_pool_max_connections');
    expect(max).toBe(t.database.kind === 'pglite' ? 1 : 10);
    const states = samples(text, 'cadap_db_pool_connections');
    expect(states.map((sample) => sample.labels.state).sort()).toEqual(['connecting', 'idle', 'in_use']);
    expect(states.reduce((sum, sample) => sum + sample.value, 0)).toBeLessThanOrEqual(max!);
    expect(valueOf(text, 'cadap_db_pool_waiting_queries')).toBe(0);

    for (const collector of COLLECTORS) {
      expect(valueOf(text, 'cadap_metrics_collector_up', { collector }), collector).toBe(1);
      expect(valueOf(text, 'cadap_metrics_collector_errors_total', { collector }), collector).toBe(0);
    }
    expect(valueOf(text, 'cadap_http_request_duration_seconds_count', { method: 'POST', route: '/cases', status: '201' })).toBe(1);
  });

  it('counts the audit rows no checkpoint covers yet', async () => {
    expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.court })).status).toBe(200);
    const unsigned = samples((await scrape()).text, 'cadap_audit_rows_since_checkpoint');
    expect(unsigned.reduce((sum, sample) => sum + sample.value, 0)).toBeGreaterThan(0);
  });

  it('labels a request by its route pattern, never its path, and an unknown route as unmatched', async () => {
    expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.court })).status).toBe(200);
    expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.ngo2 })).status).toBe(404);
    expect((await t.request('GET', `/nothing/here/${caseId}`, { token: r.tokens.court })).status).toBe(404);
    expect((await t.request('DELETE', '/health/live')).status).toBe(404);
    const text = (await scrape()).text;
    expect(valueOf(text, 'cadap_http_request_duration_seconds_count', { method: 'GET', route: '/cases/:id', status: '200' })).toBeGreaterThanOrEqual(2);
    expect(valueOf(text, 'cadap_http_request_duration_seconds_count', { method: 'GET', route: '/cases/:id', status: '404' })).toBe(1);
    expect(valueOf(text, 'cadap_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(valueOf(text, 'cadap_http_request_duration_seconds_count', { method: 'DELETE', route: 'unmatched', status: '404' })).toBe(1);
    // No id and no organisation's name anywhere in a scrape.
    expect(text).not.toContain(caseId);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    for (const organisation of Object.values(r.orgs)) expect(text).not.toContain(organisation.name);
  });

  it('refuses no token (401) and every role but admin (403, audited as a denial), and shows them nothing', async () => {
    const none = await scrape(null);
    expect(none.status).toBe(401);
    expect(none.json.code).toBe('UNAUTHENTICATED');
    for (const [token, role] of [
      [r.tokens.court, 'judge'],
      [r.tokens.coordinator, 'coordinator'],
      [await t.tokenFor(r.orgs.coordinator, 'auditor'), 'auditor'],
    ] as const) {
      const refused = await scrape(token);
      expect(refused.status, role).toBe(403);
      expect(refused.json.code).toBe('FORBIDDEN');
      expect(refused.text).not.toContain('cadap_');
    }
    const denials = await t.db
      .select({ roles: auditEvents.roles })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'route.forbidden'), eq(auditEvents.subjectId, 'GET /metrics')));
    expect(denials.map((row) => row.roles[0]).sort()).toEqual(['auditor', 'coordinator', 'judge']);
  });
});

describe('the separate metrics listener (METRICS_LISTEN)', () => {
  it('serves GET /metrics without a token, and nothing else', async () => {
    const metrics = createMetrics({ database: t.database, clock: t.clock, logger: t.logger });
    const server = await listen(metricsListenerApp(metrics, t.logger).fetch, { host: '127.0.0.1', port: 0 });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(valueOf(text, 'cadap_outbox_dead_messages')).toBe(1);
      expect(valueOf(text, 'cadap_deadlines_overdue', { rule: 'intake_overdue' })).toBe(1);
      for (const path of ['/health/live', '/health/ready', '/openapi.json', '/cases', `/cases/${caseId}`, '/app', '/metrics/']) {
        const other = await fetch(`${base}${path}`);
        expect(other.status, path).toBe(404);
        expect(await other.text()).not.toContain('cadap_');
      }
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.close(0);
    }
  });
});

describe('a reading that fails', () => {
  it('leaves its families without samples, shows collector_up 0 and counts the error, and the scrape still answers', async () => {
    const broken = await openTestDatabase();
    const logger = createMemoryLogger();
    const metrics = createMetrics({ database: broken, clock: t.clock, logger });
    metrics.observeRequest({ method: 'GET', route: '/health/live', status: 200 }, 0.002);
    await broken.close();
    const app = metricsListenerApp(metrics, logger);
    let text = '';
    for (let scrapeCount = 1; scrapeCount <= 2; scrapeCount += 1) {
      const response = await app.request('/metrics');
      expect(response.status).toBe(200);
      text = await response.text();
      for (const collector of ['outbox', 'deadlines', 'audit']) {
        expect(valueOf(text, 'cadap_metrics_collector_up', { collector }), collector).toBe(0);
        expect(valueOf(text, 'cadap_metrics_collector_errors_total', { collector }), collector).toBe(scrapeCount);
      }
    }
    // The driver's own statistics need no query.
    expect(valueOf(text, 'cadap_metrics_collector_up', { collector: 'database_pool' })).toBe(1);
    for (const family of [
      'cadap_outbox_pending_messages',
      'cadap_outbox_dead_messages',
      'cadap_deadlines_overdue',
      'cadap_audit_chain_length',
      'cadap_audit_last_checkpoint_age_seconds',
    ]) {
      expect(text, family).toContain(`# TYPE ${family} gauge`);
      expect(samples(text, family), family).toEqual([]);
    }
    expect(valueOf(text, 'cadap_http_request_duration_seconds_count', { route: '/health/live' })).toBe(1);
    // Logged once per collector when it starts failing, not at every scrape.
    const failures = logger.lines.filter((line) => line.includes('"metrics collector failed"'));
    expect(failures).toHaveLength(3);
  });
});

describe('database pool statistics', () => {
  it('count a connection held by a transaction as in use, and on PGlite the queries waiting behind it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const transaction = t.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      entered();
      await held;
    });
    await inside;
    expect(t.database.poolStats().inUse).toBeGreaterThanOrEqual(1);
    let queued: Promise<unknown> = Promise.resolve();
    if (t.database.kind === 'pglite') {
      queued = t.db.execute(sql`select 1`).then(() => undefined);
      await vi.waitFor(() => expect(t.database.poolStats()).toMatchObject({ inUse: 1, idle: 0, waiting: 1 }));
    }
    release();
    await transaction;
    await queued;
    await vi.waitFor(() => expect(t.database.poolStats()).toMatchObject({ inUse: 0, waiting: 0 }));
  });
});

describe('METRICS_LISTEN', () => {
  it('is off unless set, takes <host>:<port> (IPv6 in brackets), and names itself when bad', () => {
    expect(loadConfig({}).metrics.listen).toBeUndefined();
    expect(loadConfig({ METRICS_LISTEN: '127.0.0.1:9464' }).metrics.listen).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ METRICS_LISTEN: '[::1]:9464' }).metrics.listen).toEqual({ host: '::1', port: 9464 });
    for (const bad of ['9464', '127.0.0.1', '127.0.0.1:99999', 'http://127.0.0.1:9464']) {
      expect(() => loadConfig({ METRICS_LISTEN: bad }), bad).toThrow(ConfigError);
      try {
        loadConfig({ METRICS_LISTEN: bad });
      } catch (error) {
        expect((error as ConfigError).problems[0], bad).toMatch(/^METRICS_LISTEN: /);
      }
    }
  });
});
