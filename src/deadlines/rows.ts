import { randomUUID } from 'node:crypto';
import { and, inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { deadlines } from '../../db/schema.js';

/**
 * Deadline row states: `open` (not due or not yet notified), `fired` (notified, the work still
 * due), `done` (fired, then the case moved on), `void` (dropped before it fired).
 */
export const LIVE_DEADLINE_STATES = ['open', 'fired'];

/** Retires the live rows a condition selects: an open row is void, a fired one is done. */
export async function retireDeadlines(tx: Executor, where: SQL | undefined, now: Date): Promise<void> {
  await tx
    .update(deadlines)
    .set({ status: sql`case when ${deadlines.status} = 'fired' then 'done' else 'void' end`, updatedAt: now })
    .where(and(where, inArray(deadlines.status, LIVE_DEADLINE_STATES)));
}

/** An immediate notice: an `alert` row due when raised, about a case (or, with no case, about a person). */
export async function raiseAlert(tx: Executor, about: { caseId: string | null; participantId: string }, rule: string, concerns: string[], key: string, now: Date): Promise<void> {
  await tx
    .insert(deadlines)
    .values({
      id: randomUUID(),
      caseId: about.caseId,
      participantId: about.participantId,
      rule,
      kind: 'alert',
      dueAt: now,
      concerns,
      status: 'open',
      dedupeKey: `${about.caseId ?? about.participantId}:${rule}:${key}`,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: deadlines.dedupeKey });
}
