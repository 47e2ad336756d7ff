import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { rowsOf } from '../../db/migrate.js';
import { auditChains, auditCheckpoints, cases, deadlines, outbox } from '../../db/schema.js';

/**
 * What the metrics read from the database at each scrape. Each reading is one or two small
 * queries on an index, and none returns or names a person or an organisation: counts by
 * status, by protocol rule, and by audit chain.
 */

export type OutboxReading = { pending: number; dead: number; oldestPendingSeconds: number | null };

/**
 * The backlog (rows waiting to be sent, or being sent) and the dead letters: a range of the
 * (status, next_attempt_at) index per status, never the sent rows, however many there are.
 */
export async function readOutbox(db: Database, now: Date): Promise<OutboxReading> {
  const rows = rowsOf<{ status: string; n: number; oldest: string | Date | null }>(
    await db.execute(sql`
      select status, count(*)::int as n, min(created_at) as oldest
      from ${outbox}
      where status in ('pending', 'sending', 'dead')
      group by status`),
  );
  let pending = 0;
  let dead = 0;
  let oldest: number | null = null;
  for (const row of rows) {
    if (row.status === 'dead') {
      dead += Number(row.n);
      continue;
    }
    pending += Number(row.n);
    const at = row.oldest ? new Date(row.oldest).getTime() : null;
    if (at !== null) oldest = oldest === null ? at : Math.min(oldest, at);
  }
  return { pending, dead, oldestPendingSeconds: oldest === null ? null : Math.max(0, Math.round((now.getTime() - oldest) / 1000)) };
}

export type OverdueReading = { protocol: string; rule: string; kind: string; count: number }[];

/**
 * Work past its time, by protocol, rule and kind: live deadline rows (open, or notified and not
 * yet settled by the case moving on) due before now, as `GET /deadlines?status=overdue` counts
 * them. Alerts are left out: they are notices, due the moment they are raised. A row about a
 * person rather than a case (no protocol) counts under `none`.
 */
export async function readOverdueDeadlines(db: Database, now: Date): Promise<OverdueReading> {
  // Raw SQL parameters go as ISO strings: postgres.js does not serialise Dates in untyped templates.
  const rows = rowsOf<{ protocol: string; rule: string; kind: string; n: number }>(
    await db.execute(sql`
      select coalesce(c.protocol, 'none') as protocol, d.rule, d.kind, count(*)::int as n
      from ${deadlines} d
      left join ${cases} c on c.id = d.case_id
      where d.status in ('open', 'fired') and d.due_at < ${now.toISOString()}::timestamptz and d.kind <> 'alert'
      group by 1, 2, 3`),
  );
  return rows.map((row) => ({ protocol: row.protocol, rule: row.rule, kind: row.kind, count: Number(row.n) }));
}

export type AuditReading = {
  /** Each chain's length (its head position) and how many of its rows no signed checkpoint covers yet. */
  chains: { chain: string; length: number; unsigned: number }[];
  /** When the newest signed checkpoint was written; null before the first one. */
  lastCheckpointAt: Date | null;
};

/** The chain heads (one row per chain), each chain's newest checkpoint (the (chain, position) index) and the newest checkpoint overall (its key). */
export async function readAuditChains(db: Database): Promise<AuditReading> {
  const chains = rowsOf<{ chain: string; position: number | string; signed: number | string | null }>(
    await db.execute(sql`
      select h.chain, h.position,
             (select k.position from ${auditCheckpoints} k where k.chain = h.chain order by k.position desc limit 1) as signed
      from ${auditChains} h
      order by h.chain`),
  );
  const [last] = rowsOf<{ at: string | Date }>(await db.execute(sql`select at from ${auditCheckpoints} order by id desc limit 1`));
  return {
    chains: chains.map((row) => {
      const length = Number(row.position);
      return { chain: row.chain, length, unsigned: Math.max(0, length - Number(row.signed ?? 0)) };
    }),
    lastCheckpointAt: last ? new Date(last.at) : null,
  };
}
