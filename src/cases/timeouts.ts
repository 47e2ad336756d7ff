import { and, asc, eq, lte } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { cases, deadlines } from '../../db/schema.js';
import { transitionFor } from '../../protocols/engine.js';
import { SYSTEM_ACTOR } from '../audit/audit.js';
import { AppError } from '../errors.js';
import { summariseError, type Logger } from '../logger.js';
import { retireDeadlines } from '../deadlines/rows.js';
import { systemAuthor } from './effects.js';
import { definitionOf } from './facts.js';
import { applyEventTx } from './transitions.js';

/**
 * Timeouts: a protocol's deadline rule of kind `timeout` names an event the service itself sends
 * to the case when the rule falls due (protocols/types.ts, TimeoutDeadline). Its row is a
 * deadline row like any other (scheduled, moved and retired with the case's state); the tick
 * claims due rows with FOR UPDATE SKIP LOCKED, so however many instances tick, each row is
 * claimed by one, and marks a row `fired` in the same transaction as the event, its effects
 * and its audit entry: all or nothing. A row whose case no longer accepts the event (or refuses
 * it) is settled without an event, so it is never retried.
 */

export type TimeoutResult = { sent: number; skipped: number };

/** How long a timeout whose event failed unexpectedly waits before the next try. */
const RETRY_AFTER_MS = 60 * 60 * 1000;

export async function sendDueTimeouts(db: Database, now: Date, options: { batch?: number; logger?: Logger } = {}): Promise<TimeoutResult> {
  const batch = options.batch ?? 50;
  const result: TimeoutResult = { sent: 0, skipped: 0 };
  for (;;) {
    const claimed = await db.transaction(async (tx) => {
      const due = await tx
        .select()
        .from(deadlines)
        .where(and(eq(deadlines.status, 'open'), eq(deadlines.kind, 'timeout'), lte(deadlines.dueAt, now)))
        .orderBy(asc(deadlines.dueAt), asc(deadlines.id))
        .limit(batch)
        .for('update', { skipLocked: true });
      let taken = 0;
      for (const row of due) {
        if (!row.caseId) {
          await retireDeadlines(tx, eq(deadlines.id, row.id), now);
          result.skipped += 1;
          continue;
        }
        // The case first, without waiting: a person's request holding it (and about to update this
        // row) goes on, and this row waits for the next tick, instead of the two deadlocking.
        const [locked] = await tx.select().from(cases).where(eq(cases.id, row.caseId)).for('update', { skipLocked: true });
        if (!locked) continue;
        taken += 1;
        // An event sent for an earlier row of this batch may have retired this one.
        const [mine] = await tx
          .update(deadlines)
          .set({ status: 'fired', updatedAt: now })
          .where(and(eq(deadlines.id, row.id), eq(deadlines.status, 'open')))
          .returning({ id: deadlines.id });
        if (!mine) continue;
        const rule = definitionOf(locked.protocol).deadlines[row.rule];
        const accepts = locked.closedAt === null && rule?.kind === 'timeout' && transitionFor(definitionOf(locked.protocol), locked.state, rule.sends);
        if (!accepts || rule?.kind !== 'timeout') {
          await retireDeadlines(tx, eq(deadlines.id, row.id), now);
          result.skipped += 1;
          continue;
        }
        const request = { actor: SYSTEM_ACTOR, requestId: `timeout:${row.id}`, now };
        try {
          // A savepoint: a failed event leaves the claim (and the rest of the batch) standing.
          await tx.transaction((inner) => applyEventTx(inner, locked, { type: rule.sends, data: {} }, systemAuthor(request)));
          result.sent += 1;
        } catch (error) {
          if (error instanceof AppError) {
            // Refused (the case moved on): settled, never retried.
            await retireDeadlines(tx, eq(deadlines.id, row.id), now);
            result.skipped += 1;
          } else {
            // Unexpected: tried again later, without stopping the other rows, the tick or the messages.
            options.logger?.warn('a protocol timeout failed; it is tried again later', { rule: row.rule, error: summariseError(error) });
            await tx
              .update(deadlines)
              .set({ status: 'open', dueAt: new Date(now.getTime() + RETRY_AFTER_MS), updatedAt: now })
              .where(eq(deadlines.id, row.id));
            result.skipped += 1;
          }
        }
      }
      return { due: due.length, taken };
    });
    // A full batch of which nothing could be taken (every case busy) waits for the next tick.
    if (claimed.due < batch || claimed.taken === 0) return result;
  }
}
