import { and, eq, inArray, sql } from 'drizzle-orm';
import { unnestRows, type FieldType } from '../db/bulk.js';
import type { Database, Transaction } from '../db/client.js';
import { rowsOf } from '../db/migrate.js';
import { cases, deadlines, notifications, organisations, outbox, participants } from '../db/schema.js';
import { summariseError, type Logger } from '../src/logger.js';
import { timeOrderedUuid } from '../src/uuid.js';
import { isPermanentFailure, type Mailer } from './mailer.js';
import { htmlOf, renderMessage } from './templates.js';

/**
 * Durable notifications. The tick turns due deadline rows into inbox notices and outbox rows
 * (one per recipient organisation, each with a unique dedupe key, so concurrent or catching-up
 * ticks create each message once); the dispatcher claims outbox rows with FOR UPDATE SKIP
 * LOCKED and a lease, sends them, and retries temporary failures with backoff and jitter.
 */

export type MaterialiseOptions = {
  now: Date;
  publicUrl: string;
  /** Deadline rows per transaction. */
  batch?: number;
  /**
   * Transactions in flight at once, each claiming its own rows (SKIP LOCKED), so the database
   * inserts one batch while the next is claimed and rendered. 1 runs the batches one by one; the
   * default, 3, keeps both of a two-core machine's cores busy while one lane waits for its commit
   * (100,000 due deadlines, four pairs alternating: 8.7-9.3 s against 9.2-10.1 s with 2).
   */
  lanes?: number;
  messageDomain?: string;
};

const DEFAULT_MESSAGE_DOMAIN = 'cadap.invalid';

/** Deterministic, so a resend of the same message is recognisable by its Message-ID. */
export function messageIdFor(deadlineId: string, organisationId: string, domain = DEFAULT_MESSAGE_DOMAIN): string {
  return `<${deadlineId}.${organisationId}@${domain}>`;
}

type DueRow = { id: unknown; case_id: unknown; rule: unknown; kind: unknown; due_at: string | Date; concerns: unknown; protocol: unknown; reference_code: unknown };

/** A uuid[] column read through raw SQL: an array from postgres.js, the text form `{a,b}` from some drivers. */
function uuidArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  const text = String(value ?? '{}');
  return text.length <= 2 ? [] : text.slice(1, -1).split(',');
}

/**
 * One notice, and the e-mail when the organisation has addresses (`message` null otherwise): the
 * two share the key, subject and text, so a batch travels once for both tables. The e-mail's HTML
 * is laid out from its text when it is sent (`htmlOf`), not stored.
 */
type Materialised = {
  notice: string;
  message: string | null;
  key: string;
  organisation: string;
  deadline: string;
  case: string | null;
  rule: string;
  kind: string;
  reference: string;
  subject: string;
  text: string;
  link: string;
  locale: string;
  to: string[] | null;
  messageId: string | null;
};

/** Each field's type in PostgreSQL; a batch travels as one array per field (`unnestRows`). */
const MATERIALISED_TYPES: Record<keyof Materialised, FieldType> = {
  notice: 'uuid',
  message: 'uuid',
  key: 'text',
  organisation: 'uuid',
  deadline: 'uuid',
  case: 'uuid',
  rule: 'text',
  kind: 'text',
  reference: 'text',
  subject: 'text',
  text: 'text',
  link: 'text',
  locale: 'text',
  to: 'jsonb',
  messageId: 'text',
};

/**
 * Turns every due open deadline row into messages (a timeout is not a message: the tick sends its
 * event); returns how many rows it handled. Batches run in `lanes` concurrent transactions; if one
 * fails, the others finish the batch they hold (each commits or rolls back whole) and start no
 * other, and the first error is thrown.
 */
export async function materialiseDue(db: Database, options: MaterialiseOptions): Promise<number> {
  const batch = options.batch ?? 1000;
  let handled = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure) {
      let done: number;
      try {
        done = await db.transaction((tx) => materialiseBatch(tx, options, batch));
      } catch (error) {
        failure ??= { error };
        return;
      }
      handled += done;
      if (done < batch) return;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.lanes ?? 3) }, lane));
  if (failure) throw failure.error;
  return handled;
}

/**
 * How a claim is planned (the deadlines' batch here, the outbox's in `dispatchDue`), set for its
 * transaction (`set_config(..., true)` ends with it).
 * The claim must read the due deadlines in `deadlines_status_due_idx`'s order and stop at its
 * batch. Left to its statistics, which a burst of new deadlines makes stale (a backlog after an
 * outage, a bulk import; CI's and the bench's databases run without autovacuum), the planner read
 * every due row and sorted them all, on disk, for every batch: a backlog of n rows cost n²/batch
 * rows read and sorted (100,000 due: 40 ms a batch at the start). With sorts off the ordered index
 * scan is the plan whatever the statistics say (the batch's own final sort of its 1,000 rows still
 * runs, as nothing else can order them). JIT off: the cost a disabled sort adds crosses
 * `jit_above_cost`, and compiling took 200 ms a batch.
 */
export const CLAIM_PLANNING = sql`select set_config('enable_sort', 'off', true), set_config('jit', 'off', true)`;

/**
 * Claims up to `batch` due open deadlines (SKIP LOCKED: another lane or instance takes other rows),
 * marks them fired and brings each row's protocol and participant reference. The caller's insert
 * commits with it, so a row is fired exactly when its messages exist. The case and participant come
 * by primary key, row by row: a join let the planner read the whole of both tables for every batch.
 */
export function claimDueStatement(now: string, batch: number) {
  return sql`
      with claimed as (
        select id from ${deadlines}
        where status = 'open' and due_at <= ${now} and kind <> 'timeout'
        order by due_at limit ${batch} for update skip locked),
      fired as (
        update ${deadlines} d set status = 'fired', updated_at = ${now}
        from claimed where d.id = claimed.id
        returning d.id, d.case_id, d.participant_id, d.rule, d.kind, d.due_at, d.concerns)
      select f.id, f.case_id, f.rule, f.kind, f.due_at, f.concerns,
             (select c.protocol from ${cases} c where c.id = f.case_id) as protocol,
             (select p.reference_code from ${participants} p where p.id = f.participant_id) as reference_code
      from fired f
      order by f.due_at, f.id`;
}

/** One batch in one transaction: claimed, marked fired, its notices and messages inserted. */
async function materialiseBatch(tx: Transaction, options: MaterialiseOptions, batch: number): Promise<number> {
  const now = options.now.toISOString();
  // The planning settings hold for the whole transaction: the statements after the claim have no
  // sort to disable (the organisations by key, the insert), and none of them needs JIT.
  await tx.execute(CLAIM_PLANNING);
  const due = rowsOf<DueRow>(await tx.execute(claimDueStatement(now, batch)));
  if (due.length === 0) return 0;
  const rows = due.map((row) => ({
    id: String(row.id),
    caseId: row.case_id === null ? null : String(row.case_id),
    rule: String(row.rule),
    kind: String(row.kind),
    dueAt: new Date(row.due_at),
    concerns: uuidArray(row.concerns),
    protocol: row.protocol === null ? null : String(row.protocol),
    reference: row.reference_code === null ? '' : String(row.reference_code),
  }));
  const orgIds = [...new Set(rows.flatMap((row) => row.concerns))];
  const orgs = orgIds.length > 0 ? await tx.select().from(organisations).where(inArray(organisations.id, orgIds)) : [];
  const orgOf = new Map(orgs.map((org) => [org.id, org]));

  const made: Materialised[] = [];
  for (const row of rows) {
    const { protocol, reference } = row;
    // The workspace's page, never the API (a browser gets a 401 problem document there): signed out, it returns here after sign-in.
    const link = row.caseId ? `${options.publicUrl}/app/cases/${row.caseId}` : `${options.publicUrl}/app`;
    for (const organisationId of row.concerns) {
      const org = orgOf.get(organisationId);
      if (!org) continue;
      const message = renderMessage({ rule: row.rule, protocol, kind: row.kind as 'reminder', reference, dueAt: row.dueAt, timeZone: org.timeZone, link }, org.locale);
      const mailed = org.notificationEmails.length > 0;
      made.push({
        // Time-ordered ids (UUID version 7): each insert adds to the end of the primary key's
        // index instead of a random page of it, which the notices and the outbox keep growing.
        notice: timeOrderedUuid(),
        message: mailed ? timeOrderedUuid() : null,
        key: `${row.id}:${organisationId}`,
        organisation: organisationId,
        deadline: row.id,
        case: row.caseId,
        rule: row.rule,
        kind: row.kind,
        reference,
        subject: message.subject,
        text: message.text,
        link,
        locale: message.locale,
        to: mailed ? org.notificationEmails : null,
        messageId: mailed ? messageIdFor(row.id, organisationId, options.messageDomain) : null,
      });
    }
  }
  // One statement for both tables: a round trip (or a value) per message would cap the rate far
  // below the mail server's, and the notice's subject and text travel once.
  if (made.length === 0) return rows.length;
  // Planned without the batch's values (a generic plan, for this statement only: `local` ends with
  // the transaction, and this is its last statement). A custom plan folds each value in as a
  // constant of up to a megabyte, which the planner copies whole each time it copies the
  // statement's tree: PostgreSQL's CPU for the insert of 1,000 messages was 91-94 ms with a custom
  // plan and 69-73 with this one.
  await tx.execute(sql`set local plan_cache_mode = force_generic_plan`);
  await tx.execute(sql`
      with made as (${unnestRows(made, MATERIALISED_TYPES)}),
      notices as (
        insert into ${notifications} (id, dedupe_key, organisation_id, deadline_id, case_id, rule, kind, participant_reference, subject, text, link, created_at)
        select notice, key, organisation, deadline, "case", rule, kind, reference, subject, text, link, ${now}::timestamptz from made
        on conflict (dedupe_key) do nothing)
      insert into ${outbox} (id, dedupe_key, deadline_id, organisation_id, rule, locale, to_addresses, subject, text, message_id, status, attempts, next_attempt_at, created_at, updated_at)
      select message, key, deadline, organisation, rule, locale, "to", subject, text, "messageId", 'pending', 0, ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz
      from made where message is not null
      on conflict (dedupe_key) do nothing`);
  return rows.length;
}

export type DispatchOptions = {
  now: Date;
  from: string;
  batch?: number;
  /** How long a claim holds before another dispatcher may take the row. */
  leaseMs?: number;
  maxAttempts?: number;
  /** The first retry's delay; each further one doubles, up to `maxBackoffMs`, with ±20% jitter. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
};

export type DispatchResult = { claimed: number; sent: number; retried: number; dead: number };

export function backoffMs(attempts: number, options: Pick<DispatchOptions, 'baseBackoffMs' | 'maxBackoffMs' | 'random'>): number {
  const base = options.baseBackoffMs ?? 30_000;
  const delay = Math.min(base * 2 ** Math.max(attempts - 1, 0), options.maxBackoffMs ?? 3_600_000);
  const jitter = 0.8 + 0.4 * (options.random ?? Math.random)();
  return Math.round(delay * jitter);
}

/**
 * Claims up to `batch` outbox rows to send: rows whose lease ran out, then pending rows in the
 * order they fell due (each an index range on (status, next_attempt_at): one query with an OR
 * sorted the whole due backlog for every batch). Marks them sending under a lease and returns
 * what sending needs. Run under `CLAIM_PLANNING`, as the deadlines' claim is: a backlog that grew
 * faster than the statistics (an SMTP outage, a burst of deadlines) otherwise had every due
 * message read and sorted for every batch. The claimed ids go to the update as an array, which
 * it can only look up by key: with `id in (...)` and such statistics the planner went through the
 * whole outbox for each batch and looked each row up among the claimed (50,000 pending: 1.8 s a
 * batch of 100; bench/README.md, the fourteenth pass).
 */
export function claimOutboxStatement(now: string, leaseUntil: string, batch: number) {
  return sql`
      with
        expired as (
          select id from ${outbox} where status = 'sending' and lease_until < ${now}
          limit ${batch} for update skip locked),
        due as (
          select id from ${outbox} where status = 'pending' and next_attempt_at <= ${now}
          order by next_attempt_at limit ${batch} for update skip locked)
      update ${outbox} set status = 'sending', lease_until = ${leaseUntil}, attempts = attempts + 1, updated_at = ${now}
      where id = any(array(select id from expired union all (select id from due) limit ${batch}))
      returning id, attempts, message_id, to_addresses, locale, subject, text`;
}

/** Claims a batch of due rows (and rows whose lease ran out) and sends them. */
export async function dispatchDue(db: Database, mailer: Mailer, options: DispatchOptions, logger?: Logger): Promise<DispatchResult> {
  // Raw SQL parameters go as ISO strings: postgres.js does not serialise Dates in untyped templates.
  const leaseUntil = new Date(options.now.getTime() + (options.leaseMs ?? 60_000)).toISOString();
  const now = options.now.toISOString();
  // The planning settings hold for the claim's transaction only (`set_config(..., true)`).
  const claimed = rowsOf<Record<string, unknown>>(
    await db.transaction(async (tx) => {
      await tx.execute(CLAIM_PLANNING);
      return tx.execute(claimOutboxStatement(now, leaseUntil, options.batch ?? 50));
    }),
  ).map((row) => ({
    id: String(row.id),
    attempts: Number(row.attempts),
    messageId: String(row.message_id),
    toAddresses: (typeof row.to_addresses === 'string' ? JSON.parse(row.to_addresses) : row.to_addresses) as string[],
    subject: String(row.subject),
    text: String(row.text),
    locale: String(row.locale),
  }));
  const result: DispatchResult = { claimed: claimed.length, sent: 0, retried: 0, dead: 0 };
  // Only the holder of this claim may settle a row (a lease that ran out belongs to another now).
  const mineOf = (row: { id: string; attempts: number }) => and(eq(outbox.id, row.id), eq(outbox.status, 'sending'), eq(outbox.attempts, row.attempts));
  const delivered: { id: string; attempts: number }[] = [];
  await Promise.all(
    claimed.map(async (row) => {
      const mine = mineOf(row);
      try {
        await mailer.send({ messageId: row.messageId, from: options.from, to: row.toAddresses, subject: row.subject, text: row.text, html: htmlOf(row.text, row.locale) });
        delivered.push(row);
        result.sent += 1;
      } catch (error) {
        const permanent = isPermanentFailure(error);
        const exhausted = row.attempts >= (options.maxAttempts ?? 8);
        const reason = describe(error);
        if (permanent || exhausted) {
          await db.update(outbox).set({ status: 'dead', leaseUntil: null, lastError: reason, updatedAt: options.now }).where(mine);
          result.dead += 1;
          // The SMTP reply can quote addresses: the log gets its codes only (the row keeps the reply for the outbox view).
          logger?.warn('message dead-lettered', { code: permanent ? 'permanent' : 'exhausted', error: summariseError(error) });
        } else {
          const next = new Date(options.now.getTime() + backoffMs(row.attempts, options));
          await db.update(outbox).set({ status: 'pending', nextAttemptAt: next, leaseUntil: null, lastError: reason, updatedAt: options.now }).where(mine);
          result.retried += 1;
        }
      }
    }),
  );
  // The sent marks go in one statement per batch. A crash before it re-sends the batch after the
  // lease; every copy carries the same Message-ID, so a receiving server or client can drop it.
  if (delivered.length > 0) {
    // Joined on the primary key (an OR of a hundred conditions made PostgreSQL scan the outbox).
    const claims = JSON.stringify(delivered.map((row) => ({ id: row.id, attempts: row.attempts })));
    const at = options.now.toISOString();
    await db.execute(sql`
      update ${outbox} o set status = 'sent', sent_at = ${at}, lease_until = null, last_error = null, updated_at = ${at}
      from json_to_recordset(${claims}::json) as mine(id uuid, attempts int)
      where o.id = mine.id and o.status = 'sending' and o.attempts = mine.attempts`);
  }
  return result;
}

export type DrainOptions = { from: string; now: () => Date; batch?: number; lanes?: number; budgetMs?: number };

/**
 * Sends what is due, in `lanes` concurrent claim-and-send loops (one per pooled SMTP connection
 * by default), until the outbox has nothing due or the time budget is spent. Claims are
 * SKIP LOCKED, so lanes (and other instances) never take the same row.
 */
export async function drainOutbox(db: Database, mailer: Mailer, options: DrainOptions, logger?: Logger): Promise<DispatchResult> {
  const batch = options.batch ?? 100;
  const stopAt = Date.now() + (options.budgetMs ?? 50_000);
  const total: DispatchResult = { claimed: 0, sent: 0, retried: 0, dead: 0 };
  const lane = async () => {
    while (Date.now() < stopAt) {
      const result = await dispatchDue(db, mailer, { now: options.now(), from: options.from, batch }, logger);
      total.claimed += result.claimed;
      total.sent += result.sent;
      total.retried += result.retried;
      total.dead += result.dead;
      if (result.claimed < batch) return;
    }
  };
  await Promise.all(Array.from({ length: options.lanes ?? 4 }, lane));
  return total;
}

function describe(error: unknown): string {
  const detail = error as { responseCode?: number; code?: string; message?: string };
  return [detail.responseCode, detail.code, detail.message].filter(Boolean).join(' ').slice(0, 300);
}

/** The backlog for /health/ready: pending messages and the age of the oldest. */
export async function outboxBacklog(db: Database, now: Date): Promise<{ pending: number; oldestPendingSeconds: number | null; dead: number }> {
  const [row] = rowsOf<{ pending: number; oldest: string | Date | null; dead: number }>(
    await db.execute(sql`
      select count(*) filter (where status in ('pending', 'sending'))::int as pending,
             min(created_at) filter (where status in ('pending', 'sending')) as oldest,
             count(*) filter (where status = 'dead')::int as dead
      from ${outbox}`),
  );
  const oldest = row?.oldest ? new Date(row.oldest) : null;
  return {
    pending: Number(row?.pending ?? 0),
    oldestPendingSeconds: oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : null,
    dead: Number(row?.dead ?? 0),
  };
}
