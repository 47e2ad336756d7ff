import { createHash } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import type { Executor, Transaction } from '../../db/client.js';
import { auditChains, auditEvents } from '../../db/schema.js';
import { recordsInsert } from '../../db/bulk.js';
import { preparedPerDatabase } from '../../db/prepared.js';
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

/** SHA-256 over the previous hash and the row's canonical content (a fixed field order). */
export function auditHash(prevHash: string, row: AuditRowContent): string {
  const canonical = JSON.stringify([
    row.chain,
    row.position,
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
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

const isTransaction = (db: Executor): db is Transaction => 'rollback' in db;

/** Creates the chain heads once (at start), so appending is a lock, an insert and an update. */
export async function ensureAuditChains(db: Executor, now: Date): Promise<void> {
  await db
    .insert(auditChains)
    .values(AUDIT_CHAINS.map((chain) => ({ chain, position: 0, headHash: GENESIS_HASH, updatedAt: now })))
    .onConflictDoNothing();
}

/** Locks a chain head for this transaction: a free one if there is one, otherwise waits for a random one. */
const freeHead = preparedPerDatabase('cadap_audit_free_head', (db) =>
  db
    .select()
    .from(auditChains)
    .where(inArray(auditChains.chain, AUDIT_CHAINS))
    .orderBy(sql`random()`)
    .limit(1)
    .for('update', { skipLocked: true }),
);

async function lockHead(tx: Transaction) {
  let [head] = await freeHead(tx).execute();
  if (!head) {
    const chain = AUDIT_CHAINS[Math.floor(Math.random() * AUDIT_CHAINS.length)]!;
    [head] = await tx.select().from(auditChains).where(eq(auditChains.chain, chain)).for('update');
  }
  if (!head) throw new Error('audit chain heads missing: ensureAuditChains runs at start');
  return head;
}

/** Appends entries, in order, to one locked chain: one multi-row insert and one head update. */
async function append(tx: Transaction, entries: readonly AuditEntry[]): Promise<void> {
  const head = await lockHead(tx);
  let position = head.position;
  let previous = head.headHash;
  const rows = entries.map((entry) => {
    position += 1;
    const content: AuditRowContent = {
      chain: head.chain,
      position,
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
    const hash = auditHash(previous, content);
    const row = { ...content, prevHash: previous, hash };
    previous = hash;
    return row;
  });
  const last = entries.at(-1)!;
  // The rows and the new head in one statement: a data-modifying `with` always runs.
  await tx.execute(
    sql`with appended as (${recordsInsert(auditEvents, rows)}) update ${auditChains} set position = ${position}, head_hash = ${previous}, updated_at = ${last.at.toISOString()}::timestamptz where chain = ${head.chain}`,
  );
  noteAuditRows(rows.length);
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
 * commits, the next entries wait together and commit as one transaction, each caller resolved
 * only once its row is durable. Under load, five round trips per read become a fraction of one.
 */
type Pending = { entry: AuditEntry; resolve: () => void; reject: (error: unknown) => void };
type Batcher = { queue: Pending[]; flushing: boolean };
const MAX_BATCH = 500;
const batchers = new WeakMap<object, Batcher>();

function flush(db: Executor, batcher: Batcher): void {
  if (batcher.flushing || batcher.queue.length === 0) return;
  batcher.flushing = true;
  const batch = batcher.queue.splice(0, MAX_BATCH);
  db.transaction((tx) =>
    append(
      tx,
      batch.map((item) => item.entry),
    ),
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

/** Record one access on behalf of the request (`recordAudit` with the actor, request id and time filled in from `facts`). */
export function audit(db: Executor, facts: RequestFacts, entry: AuditFacts): Promise<void> {
  return recordAudit(db, { actor: facts.actor, ...entry, requestId: facts.requestId, at: facts.now });
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
