import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DatabaseHandle, PoolStats } from '../../db/client.js';
import type { Clock } from '../clock.js';
import { summariseError, type Logger } from '../logger.js';
import { readAuditChains, readOutbox, readOverdueDeadlines, type AuditReading, type OutboxReading, type OverdueReading } from './database.js';

/**
 * The service's Prometheus metrics: one registry per app (nothing global), filled at each scrape.
 * No label carries a person, an organisation or an id: routes are patterns (`/cases/:id`), the
 * database counts are by status, protocol rule and audit chain, so every label has a small,
 * fixed set of values.
 */
export type Metrics = {
  /** The exposition format's media type (Prometheus text 0.0.4). */
  readonly contentType: string;
  /** One request served: `route` is the matched pattern or `unmatched`, never the raw path. */
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  /** Reads the database, then renders every family; a failed reading never fails the scrape (see `collectorUp`). */
  render(): Promise<string>;
};

/** What a scrape reads besides the process itself; each is collected on its own, so one failing leaves the others. */
export const COLLECTORS = ['outbox', 'deadlines', 'audit', 'database_pool'] as const;
type Collector = (typeof COLLECTORS)[number];

type Snapshot = {
  outbox?: OutboxReading;
  deadlines?: OverdueReading;
  audit?: AuditReading;
  database_pool?: PoolStats;
  at: Date;
};

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createMetrics(deps: { database: DatabaseHandle; clock: Clock; logger: Logger; processMetrics?: boolean }): Metrics {
  const { database, clock, logger } = deps;
  const registry = new Registry();
  // CPU, memory, event loop lag, GC, handles: for the service process only (tests build many apps in one process).
  if (deps.processMetrics) collectDefaultMetrics({ register: registry });

  const requests = new Histogram({
    name: 'cadap_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern (or "unmatched") and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });

  // Filled from the latest snapshot when the registry renders (collect() runs at every scrape).
  let latest: Snapshot = { at: clock.now() };
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (gauge: Gauge<L>, snapshot: Snapshot) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        // A reading that failed leaves its families without samples: absent, never a stale or made-up value.
        this.reset();
        if (labelNames.length === 0) this.remove({} as never);
        fill(this, latest);
      },
    });

  gauge('cadap_outbox_pending_messages', 'E-mails waiting to be sent or being sent (the outbox backlog).', [], (g, s) => s.outbox && g.set(s.outbox.pending));
  gauge('cadap_outbox_oldest_pending_seconds', 'Age of the oldest e-mail waiting to be sent; absent when none waits.', [], (g, s) => {
    if (s.outbox?.oldestPendingSeconds != null) g.set(s.outbox.oldestPendingSeconds);
  });
  gauge('cadap_outbox_dead_messages', 'E-mails given up on (dead letters: GET /outbox?status=dead, POST /outbox/:id/requeue).', [], (g, s) => s.outbox && g.set(s.outbox.dead));
  gauge(
    'cadap_deadlines_overdue',
    'Open or notified deadline rows due before now, by protocol ("none": about a person, not a case), rule and kind (deadline, reminder, escalation); alerts left out.',
    ['protocol', 'rule', 'kind'],
    (g, s) => {
      for (const row of s.deadlines ?? []) g.set({ protocol: row.protocol, rule: row.rule, kind: row.kind }, row.count);
    },
  );
  gauge('cadap_audit_chain_length', 'Rows in each audit hash chain (its head position).', ['chain'], (g, s) => {
    for (const chain of s.audit?.chains ?? []) g.set({ chain: chain.chain }, chain.length);
  });
  gauge('cadap_audit_rows_since_checkpoint', 'Rows of each audit chain that no signed checkpoint covers yet.', ['chain'], (g, s) => {
    for (const chain of s.audit?.chains ?? []) g.set({ chain: chain.chain }, chain.unsigned);
  });
  gauge(
    'cadap_audit_last_checkpoint_age_seconds',
    'Seconds since the newest signed audit checkpoint (chains without new rows are not re-signed, so it grows while the trail is idle); absent before the first.',
    [],
    (g, s) => {
      if (s.audit?.lastCheckpointAt) g.set(Math.max(0, (s.at.getTime() - s.audit.lastCheckpointAt.getTime()) / 1000));
    },
  );
  gauge(
    'cadap_db_pool_connections',
    'Database connections by state: in_use (running a query or held by a transaction), idle, connecting. Embedded PGlite is one connection.',
    ['state'],
    (g, s) => {
      if (!s.database_pool) return;
      g.set({ state: 'in_use' }, s.database_pool.inUse);
      g.set({ state: 'idle' }, s.database_pool.idle);
      g.set({ state: 'connecting' }, s.database_pool.connecting);
    },
  );
  gauge(
    'cadap_db_pool_max_connections',
    'The most connections the pool opens (DATABASE_POOL_MAX; 1 for embedded PGlite).',
    [],
    (g, s) => s.database_pool && g.set(s.database_pool.max),
  );
  gauge('cadap_db_pool_waiting_queries', 'Queries waiting for a free connection.', [], (g, s) => s.database_pool && g.set(s.database_pool.waiting));
  gauge('cadap_metrics_collector_up', 'Whether this scrape read each collector (1) or the reading failed (0: its families have no samples).', ['collector'], (g, s) => {
    for (const collector of COLLECTORS) g.set({ collector }, s[collector] === undefined ? 0 : 1);
  });
  const failures = new Counter({
    name: 'cadap_metrics_collector_errors_total',
    help: 'Readings that failed, by collector, since the process started (the reason is in the log).',
    labelNames: ['collector'] as const,
    registers: [registry],
  });
  for (const collector of COLLECTORS) failures.inc({ collector }, 0);

  const failing = new Set<Collector>();
  async function read<T>(collector: Collector, reading: () => Promise<T> | T): Promise<T | undefined> {
    try {
      const value = await reading();
      if (failing.delete(collector)) logger.info('metrics collector recovered', { collector });
      return value;
    } catch (error) {
      failures.inc({ collector });
      // Logged when it starts failing, not at every scrape of an outage.
      if (!failing.has(collector)) logger.warn('metrics collector failed', { collector, error: summariseError(error) });
      failing.add(collector);
      return undefined;
    }
  }

  return {
    contentType: registry.contentType,
    observeRequest({ method, route, status }, seconds) {
      requests.observe({ method: METHODS.has(method) ? method : 'other', route, status: String(status) }, seconds);
    },
    async render() {
      const at = clock.now();
      // The pool first, as the service is using it, before this scrape's own queries take a connection.
      const pool = await read('database_pool', () => database.poolStats());
      const [outbox, deadlines, audit] = await Promise.all([
        read('outbox', () => readOutbox(database.db, at)),
        read('deadlines', () => readOverdueDeadlines(database.db, at)),
        read('audit', () => readAuditChains(database.db)),
      ]);
      latest = { outbox, deadlines, audit, database_pool: pool, at };
      // Every collect() above runs synchronously as this starts, so they all see this scrape's snapshot.
      return registry.metrics();
    },
  };
}
