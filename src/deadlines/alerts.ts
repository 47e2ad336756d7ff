import { randomUUID } from 'node:crypto';
import type { Executor } from '../../db/client.js';
import { deadlines } from '../../db/schema.js';

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

