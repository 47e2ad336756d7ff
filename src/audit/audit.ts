import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type { Executor, Transaction } from '../../db/client.js';
import { auditChains, auditEvents } from '../../db/schema.js';
import { rowsOf } from '../../db/migrate.js';
import { preparedStatement } from '../../db/prepared.js';
import type { Actor } from '../auth/authenticator.js';
import type { DataClass } from '../domain.js';
import type { RequestFacts } from '../request-facts.js';
import { noteAuditRows } from './checkpointer.js';

export type AuditOutcome = 'success' | 'denied';

/**
 * The service itself, acting on its own schedule rather than for a request (a protocol's timeout
 * falling due, protocols/types.ts): audited as `system`, with no organisation and no role. Only
 * the tick's timeouts, retention (the tick's daily run and `cadap retention run`) and `cadap
 * bootstrap` (the first organisations of an empty registry) act as it; nothing authenticates as it.
 */
export const SYSTEM_ACTOR: Actor = {
  sub: 'system',
  name: undefined,
  organisation: { id: '00000000-0000-0000-0000-000000000000', kind: 'coordinator', name: 'CADAP', country: 'KZ', region: '' },
  roles: [],
  expiresAt: new Date(8.64e15),
};

export type AuditEntry = {
  actor: Actor;
  action: string;
  subjectType: string;
  subjectId?: string | undefined;
  participantId?: string | undefined;
  dataClasses?: readonly DataClass[];
  purpose?: string | undefined;
  basis?: string | undefined;
  requestId: string | undefined;
  outcome: AuditOutcome;
  at: Date;
};

/**
 * Independent hash chains. A transaction appends to whichever chain is free (its head row
 * locked until commit), so concurrent requests do not queue behind one lock, and every
 * chain still verifies on its own. Instances share the chains through the row locks.
 */
export const AUDIT_CHAINS = Array.from({ length: 8 }, (_, index) => `chain-${index}`);
export const GENESIS_HASH = '0'.repeat(64);

export type AuditRowContent = {
  chain: string;
  position: number;
  at: Date;
  actorSub: string;
  organisationId: string | null;
  roles: string[];
  action: string;
  subjectType: string;
  subjectId: string | null;
  participantId: string | null;
  dataClasses: string[];
  purpose: string | null;
  basis: string | null;
  requestId: string | null;
  outcome: string;
};

/**
 * SHA-256 over the previous hash and the row's canonical content: a JSON array of its fields in a
 * fixed order, `["chain-3",42,"2026-03-02T06:00:00.000Z",…]`. PostgreSQL computes the same when
 * it appends (`appendStatement`), from the chain and position it reads and the rest of this text.
 */
export function auditHash(prevHash: string, row: AuditRowContent): string {
  const canonical = `[${JSON.stringify(row.chain)},${JSON.stringify(row.position)},${canonicalTail(row)}`;
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/** The canonical text after the chain and the position (with the closing bracket), as Node writes it for both. */
function canonicalTail(row: Omit<AuditRowContent, 'chain' | 'position'>): string {
  return JSON.stringify([
    row.at.toISOString(),
    row.actorSub,
    row.organisationId,
    row.roles,
    row.action,
    row.subjectType,
    row.subjectId,
    row.participantId,
    row.dataClasses,
    row.purpose,
    row.basis,
    row.requestId,
    row.outcome,
  ]).slice(1);
}

const isTransaction = (db: Executor): db is Transaction => 'rollback' in db;

/** Creates the chain heads once (at start), so appending is a lock, an insert and an update. */
export async function ensureAuditChains(db: Executor, now: Date): Promise<void> {
  await db
    .insert(auditChains)
    .values(AUDIT_CHAINS.map((chain) => ({ chain, position: 0, headHash: GENESIS_HASH, updatedAt: now })))
    .onConflictDoNothing();
}

const chainList = sql.join(
  AUDIT_CHAINS.map((chain) => sql`${chain}`),
  sql`, `,
);

/**
 * The append's statement, taking a free chain head (`skip locked`) or waiting for the named one.
 * `before` is CTEs that run first in the same statement (`appendingStatement`), and `result` what
 * the statement returns.
 */
const appendSql = (head: SQL, before: SQL = sql.empty(), result: SQL = sql`select chain from head`) => sql`
    with recursive ${before}head as (${head}),
    input as (
      select * from json_to_recordset(${sql.placeholder('rows')}::json) as r(
        ord int, at timestamptz, actor_sub text, organisation_id uuid, roles jsonb, action text, subject_type text, subject_id text,
        participant_id uuid, data_classes jsonb, purpose text, basis text, request_id text, outcome text, tail text)
    ),
    chained (ord, position, hash) as (
      select 0, head.position, head.head_hash from head
      union all
      select input.ord, chained.position + 1,
        encode(sha256(convert_to(chained.hash || E'\n' || '["' || head.chain || '",' || (chained.position + 1)::text || ',' || input.tail, 'UTF8')), 'hex')
      from chained join input on input.ord = chained.ord + 1 cross join head
    ),
    appended as (
      insert into ${auditEvents} (chain, position, at, actor_sub, organisation_id, roles, action, subject_type, subject_id, participant_id, data_classes, purpose, basis, request_id, outcome, prev_hash, hash)
      select head.chain, link.position, input.at, input.actor_sub, input.organisation_id, input.roles, input.action, input.subject_type, input.subject_id,
        input.participant_id, input.data_classes, input.purpose, input.basis, input.request_id, input.outcome, prior.hash, link.hash
      from input join chained link on link.ord = input.ord join chained prior on prior.ord = input.ord - 1 cross join head
      order by input.ord
    ),
    moved as (
      update ${auditChains} as heads set position = link.position, head_hash = link.hash, updated_at = ${sql.placeholder('lastAt')}::timestamptz
      from chained link where heads.chain = (select chain from head) and link.ord = ${sql.placeholder('count')}::int
    )
    ${result}`;
const appendToFree = preparedStatement(
  'cadap_audit_append_free',
  appendSql(sql`select chain, position, head_hash from ${auditChains} where chain in (${chainList}) order by random() limit 1 for update skip locked`),
);
const appendToNamed = preparedStatement(
  'cadap_audit_append_named',
  appendSql(sql`select chain, position, head_hash from ${auditChains} where chain = ${sql.placeholder('chain')}::text for update`),
);

/**
 * Appends entries, in order, to one chain in one statement: the head row locked (a free one
 * when `wait` is false: `skip locked`, so none may be returned; otherwise the named chain, waiting
 * for it), each row's hash computed by PostgreSQL from the previous one (a recursive `with`:
 * `sha256` over the same text `auditHash` hashes, the chain and position put in front of the rest
 * of the canonical text that Node wrote), the rows inserted and the head moved. Hashing where the
 * head is read makes the lock, the rows and the head one round trip instead of two (and, outside a
 * transaction, one statement instead of a transaction of its own); the verifier hashes every row
 * again in Node, so a byte of difference between the two would show there. Returns the chain
 * appended to, or none.
 */
async function appendStatement(db: Executor, entries: readonly AuditEntry[], wait: string | null): Promise<string | undefined> {
  const result = await (wait === null ? appendToFree : appendToNamed)(db, appendValues(entries, wait));
  return rowsOf<{ chain: string }>(result)[0]?.chain;
}

/** The append's placeholders: the rows (with the canonical text each hash is computed over), their count, the last time, and the chain to wait for. */
function appendValues(entries: readonly AuditEntry[], wait: string | null) {
  const rows = entries.map((entry, index) => {
    const content = {
      at: entry.at,
      actorSub: entry.actor.sub,
      organisationId: entry.actor === SYSTEM_ACTOR ? null : entry.actor.organisation.id,
      roles: [...entry.actor.roles],
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId ?? null,
      participantId: entry.participantId ?? null,
      dataClasses: [...(entry.dataClasses ?? [])],
      purpose: entry.purpose ?? null,
      basis: entry.basis ?? null,
      requestId: entry.requestId ?? null,
      outcome: entry.outcome,
    };
    return {
      ord: index + 1,
      at: content.at.toISOString(),
      actor_sub: content.actorSub,
      organisation_id: content.organisationId,
      roles: content.roles,
      action: content.action,
      subject_type: content.subjectType,
      subject_id: content.subjectId,
      participant_id: content.participantId,
      data_classes: content.dataClasses,
      purpose: content.purpose,
      basis: content.basis,
      request_id: content.requestId,
      outcome: content.outcome,
      tail: canonicalTail(content),
    };
  });
  return { rows: JSON.stringify(rows), count: rows.length, lastAt: entries.at(-1)!.at.toISOString(), chain: wait };
}

const randomChain = () => AUDIT_CHAINS[Math.floor(Math.random() * AUDIT_CHAINS.length)]!;

/** Appends entries, in order, to a free chain, or, when every head is held, waits for a random one. */
async function append(db: Executor, entries: readonly AuditEntry[]): Promise<void> {
  let chain = await appendStatement(db, entries, null);
  if (chain === undefined) chain = await appendStatement(db, entries, randomChain());
  if (chain === undefined) throw new Error('audit chain heads missing: ensureAuditChains runs at start');
  noteAuditRows(db, entries.length);
}

/**
 * A change and its audit rows in one statement, so in one transaction of its own and one round
 * trip: `before` is the change, as CTEs (`name as (update … returning …), …`); the rows are
 * appended only when `when` holds over them (a condition such as `exists (select 1 from
 * changed)`), so a change that matched nothing appends nothing. The head is a free one if any
 * (`skip locked`), else a random one waited for: the statement cannot fall back to a second one
 * as `append` does, since its change is already made. `result` is what the statement returns
 * (`head.chain` is there when the rows were appended). Returns the rows, each with `chain`.
 */
export function appendingStatement<Row extends Record<string, unknown>>(name: string, before: SQL, when: SQL, result: SQL) {
  const heads = (lock: SQL) => sql`select chain, position, head_hash from ${auditChains} where ${lock} and ${when}`;
  const run = preparedStatement(
    name,
    appendSql(
      sql`select * from (${heads(sql`chain in (${chainList})`)} order by random() limit 1 for update skip locked) free
        union all select * from (${heads(sql`chain = ${sql.placeholder('chain')}::text`)} for update) named limit 1`,
      sql`${before}, `,
      sql`select ${result}, (select chain from head) as chain`,
    ),
  );
  return async (db: Executor, entries: readonly AuditEntry[], values: Record<string, unknown>): Promise<(Row & { chain: string | null })[]> => {
    const rows = rowsOf<Row & { chain: string | null }>(await run(db, { ...values, ...appendValues(entries, randomChain()) }));
    if (rows[0]?.chain) noteAuditRows(db, entries.length);
    return rows;
  };
}

/** The entries a transaction opened by `auditedTransaction` has recorded so far, appended when its work is done. */
const deferred = new WeakMap<Transaction, AuditEntry[]>();

/**
 * A transaction whose audit rows are appended last, just before it commits: a chain head is
 * locked only for the append and the commit, not for the whole of the work (the engine's facts,
 * the case's update, the effects). The rows still commit with the change or not at all, in the
 * order they were recorded. `audit(tx, …)` within `work` records to it.
 */
export function auditedTransaction<T>(db: Executor, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const entries: AuditEntry[] = [];
    deferred.set(tx, entries);
    const result = await work(tx);
    deferred.delete(tx);
    if (entries.length > 0) await append(tx, entries);
    return result;
  });
}

/**
 * Group commit for entries written outside a transaction (reads and denials): while one batch
 * commits, the next entries wait together and commit as one statement (`appendStatement`), each
 * caller resolved only once its row is durable. Under load, a round trip per read becomes a
 * fraction of one.
 */
type Pending = { entry: AuditEntry; resolve: () => void; reject: (error: unknown) => void };
type Batcher = { queue: Pending[]; flushing: boolean };
const MAX_BATCH = 500;
const batchers = new WeakMap<object, Batcher>();

function flush(db: Executor, batcher: Batcher): void {
  if (batcher.flushing || batcher.queue.length === 0) return;
  batcher.flushing = true;
  const batch = batcher.queue.splice(0, MAX_BATCH);
  append(
    db,
    batch.map((item) => item.entry),
  )
    .then(
      () => {
        for (const item of batch) item.resolve();
      },
      (error: unknown) => {
        for (const item of batch) item.reject(error);
      },
    )
    .finally(() => {
      batcher.flushing = false;
      flush(db, batcher);
    });
}

/** What a call names about the access itself; who asked, under which request id and when come from the request's facts. */
export type AuditFacts = Omit<AuditEntry, 'actor' | 'requestId' | 'at'>;

/** What `audit` records for a request: the entry with the request's actor, id and time. */
export const entryOf = (facts: RequestFacts, entry: AuditFacts): AuditEntry => ({ actor: facts.actor, ...entry, requestId: facts.requestId, at: facts.now });

/** Record one access on behalf of the request (`recordAudit` with the actor, request id and time filled in from `facts`). */
export function audit(db: Executor, facts: RequestFacts, entry: AuditFacts): Promise<void> {
  return recordAudit(db, entryOf(facts, entry));
}

/**
 * `audit`, but in a transaction opened by `auditedTransaction` the rows it has recorded so far and
 * this one are appended now rather than when its work is done: for a caller whose last statements
 * go out beside this append (postgres.js pipelines the statements sent together on the
 * transaction's connection: one round trip, not two), so a chain head is still taken only for the
 * end of the transaction. Elsewhere it is `audit`.
 */
export function auditNow(db: Executor, facts: RequestFacts, entry: AuditFacts): Promise<void> {
  const entries = isTransaction(db) ? deferred.get(db) : undefined;
  if (!entries) return audit(db, facts, entry);
  return append(db, [...entries.splice(0), entryOf(facts, entry)]);
}

/**
 * Appends one row to the audit trail. A write passes its transaction, so the row exists if
 * and only if the change does; a read passes the database, and the row is committed (with
 * whichever reads are waiting beside it) before this returns, that is before the response goes out.
 */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  if (isTransaction(db)) {
    const entries = deferred.get(db);
    if (entries) {
      entries.push(entry);
      return;
    }
    return append(db, [entry]);
  }
  let batcher = batchers.get(db);
  if (!batcher) {
    batcher = { queue: [], flushing: false };
    batchers.set(db, batcher);
  }
  const done = new Promise<void>((resolve, reject) => batcher.queue.push({ entry, resolve, reject }));
  flush(db, batcher);
  return done;
}
