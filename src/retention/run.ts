import fs from 'node:fs';
import path from 'node:path';
import { and, count, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { rowsOf } from '../../db/migrate.js';
import { auditEvents, notifications, outbox } from '../../db/schema.js';
import { emlFileName } from '../../notifications/mailer.js';
import { recordAudit, SYSTEM_ACTOR, type AuditEntry } from '../audit/audit.js';
import { summariseError, type Logger } from '../logger.js';
import { erasablePeople, erasePerson } from './erasure.js';

/**
 * Retention (issue 17): sent e-mails and their .eml files go RETENTION_OUTBOX_DAYS after sending
 * (never a pending or dead-lettered one), read notices RETENTION_INBOX_DAYS after reading, and a
 * person's data RETENTION_YEARS after their last case closed (erasure.ts). A run is audited as
 * the service itself: one `retention.run` row, one row per kind with its counts, one
 * `participant.erase` row per person (their id only). The kinds are independent: one that fails
 * is logged and the others still run. The scheduler's tick runs it once a day, whichever instance
 * comes first; `cadap retention run` whenever the operator asks (`--dry-run`: counts only).
 */

export type RetentionSettings = { outboxDays: number; inboxDays: number; years: number };

export type RetentionReport = {
  dryRun: boolean;
  cutoffs: { outbox: Date; inbox: Date; people: Date };
  /** Sent e-mails removed (or, in a dry run, due), and their .eml files. */
  messages: number;
  files: number;
  notices: number;
  people: number;
  /** The kinds that failed (logged; the others ran). */
  failed: string[];
};

const DAY_MS = 86_400_000;
/** An arbitrary, fixed key: instances ticking together take turns to claim the day's run. */
const RETENTION_LOCK_KEY = 7_230_118_433;

export function cutoffsOf(settings: RetentionSettings, now: Date): RetentionReport['cutoffs'] {
  const people = new Date(now);
  people.setUTCFullYear(people.getUTCFullYear() - settings.years);
  return { outbox: new Date(now.getTime() - settings.outboxDays * DAY_MS), inbox: new Date(now.getTime() - settings.inboxDays * DAY_MS), people };
}

/** Removes a message's .eml file; whether there was one. */
async function removeFile(file: string): Promise<boolean> {
  try {
    await fs.promises.unlink(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export type RunOptions = { now: Date; requestId: string; mailDir?: string | undefined; dryRun?: boolean; logger?: Logger | undefined; once?: boolean };

/** The audit row of a kind or of the run, as the service itself. */
const entryOf = (options: RunOptions, action: string, subjectId: string | undefined, purpose: string): AuditEntry => ({
  actor: SYSTEM_ACTOR,
  action,
  subjectType: 'retention',
  subjectId,
  purpose,
  requestId: options.requestId,
  outcome: 'success',
  at: options.now,
});

/** Writes the run's row; with `once`, only if no instance has written one under this request id (the day's run). */
async function claimRun(db: Database, entry: AuditEntry, once: boolean): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (once) {
      const [lock] = rowsOf<{ locked: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${RETENTION_LOCK_KEY}) as locked`));
      if (!lock?.locked) return false;
      const [done] = await tx.select({ seq: auditEvents.seq }).from(auditEvents).where(eq(auditEvents.requestId, entry.requestId!)).limit(1);
      if (done) return false;
    }
    await recordAudit(tx, entry);
    return true;
  });
}

async function expireMessages(db: Database, cutoff: Date, options: RunOptions): Promise<{ messages: number; files: number }> {
  const due = and(eq(outbox.status, 'sent'), lt(outbox.sentAt, cutoff));
  if (options.dryRun) {
    const rows = await db.select({ messageId: outbox.messageId }).from(outbox).where(due);
    const files = options.mailDir ? rows.filter((row) => fs.existsSync(path.join(options.mailDir!, emlFileName(row.messageId)))).length : 0;
    return { messages: rows.length, files };
  }
  return db.transaction(async (tx) => {
    // Another instance deleting the same rows waits for this one and then finds them gone.
    const removed = await tx.delete(outbox).where(due).returning({ messageId: outbox.messageId });
    let files = 0;
    // Inside the transaction: a file that cannot be removed keeps its row (the next run tries again).
    for (const row of removed) if (options.mailDir && (await removeFile(path.join(options.mailDir, emlFileName(row.messageId))))) files += 1;
    await recordAudit(tx, entryOf(options, 'retention.outbox', 'outbox', `removed ${removed.length} sent messages and ${files} .eml files sent before ${cutoff.toISOString()}`));
    return { messages: removed.length, files };
  });
}

async function expireNotices(db: Database, cutoff: Date, options: RunOptions): Promise<number> {
  const due = and(isNotNull(notifications.readAt), lt(notifications.readAt, cutoff));
  if (options.dryRun) return (await db.select({ n: count() }).from(notifications).where(due))[0]?.n ?? 0;
  return db.transaction(async (tx) => {
    const removed = await tx.delete(notifications).where(due).returning({ id: notifications.id });
    await recordAudit(tx, entryOf(options, 'retention.inbox', 'inbox', `removed ${removed.length} notices read before ${cutoff.toISOString()}`));
    return removed.length;
  });
}

async function erasePeople(db: Database, cutoff: Date, options: RunOptions): Promise<{ erased: number; failed: number }> {
  const due = await erasablePeople(db, cutoff);
  if (options.dryRun) return { erased: due.length, failed: 0 };
  let erased = 0;
  let failed = 0;
  for (const id of due) {
    try {
      if (await erasePerson(db, id, { now: options.now, cutoff, requestId: options.requestId })) erased += 1;
    } catch (error) {
      // This person stays as they were (their transaction rolled back); the others go on.
      failed += 1;
      options.logger?.warn('retention: a person could not be erased; tried again next run', { error: summariseError(error) });
    }
  }
  const note = failed > 0 ? `; ${failed} failed, tried again next run` : '';
  await recordAudit(db, entryOf(options, 'retention.participants', 'participants', `erased ${erased} people with no case open or closed since ${cutoff.toISOString()}${note}`));
  return { erased, failed };
}

/**
 * One retention run. Without `dryRun` it writes the run's audit row first (with `once`, only
 * when no instance has run under this request id: undefined then), then each kind.
 */
export async function runRetention(db: Database, settings: RetentionSettings, options: RunOptions): Promise<RetentionReport | undefined> {
  const cutoffs = cutoffsOf(settings, options.now);
  const dryRun = options.dryRun === true;
  if (!dryRun) {
    const run = entryOf(options, 'retention.run', undefined, `outbox ${settings.outboxDays} days, inbox ${settings.inboxDays} days, people ${settings.years} years`);
    if (!(await claimRun(db, run, options.once === true))) return undefined;
  }
  const report: RetentionReport = { dryRun, cutoffs, messages: 0, files: 0, notices: 0, people: 0, failed: [] };
  const part = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      report.failed.push(name);
      options.logger?.warn(`retention failed: ${name}`, { step: name, error: summariseError(error) });
    }
  };
  await part('outbox', async () => {
    Object.assign(report, await expireMessages(db, cutoffs.outbox, options));
  });
  await part('inbox', async () => {
    report.notices = await expireNotices(db, cutoffs.inbox, options);
  });
  await part('participants', async () => {
    const { erased, failed } = await erasePeople(db, cutoffs.people, options);
    report.people = erased;
    if (failed > 0) throw new Error(`${failed} people could not be erased`);
  });
  return report;
}

/**
 * The scheduler's daily run: the first tick of each UTC day, on whichever instance claims it
 * (the others find the day's `retention.run` row and skip, at the cost of one indexed read a tick).
 */
export async function runDailyRetention(db: Database, settings: RetentionSettings, options: Omit<RunOptions, 'requestId' | 'once' | 'dryRun'>) {
  const requestId = `retention:${options.now.toISOString().slice(0, 10)}`;
  const [done] = await db.select({ seq: auditEvents.seq }).from(auditEvents).where(eq(auditEvents.requestId, requestId)).limit(1);
  if (done) return undefined;
  return runRetention(db, settings, { ...options, requestId, once: true });
}
