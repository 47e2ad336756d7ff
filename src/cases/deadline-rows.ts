import { randomUUID } from 'node:crypto';
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { deadlines } from '../../db/schema.js';
import { deadlinesFor, diffDeadlines } from '../../protocols/engine.js';
import type { Deadline, DeadlineChanges } from '../../protocols/model.js';
import { LIVE_DEADLINE_STATES, retireDeadlines } from '../deadlines/rows.js';
import { definitionOf, gatherFacts, partiesOf, snapshotOf, type CaseRow } from './facts.js';

/* Deadlines: rows reconciled with what the definition implies. */

const dedupeKey = (caseId: string, rule: string, dueAt: Date) => `${caseId}:${rule}:${dueAt.toISOString()}`;

type CaseRef = Pick<CaseRow, 'id' | 'participantId'>;

/**
 * Schedules a rule's row. The same rule, due at the same time, on the same case is one row: a
 * row retired when the case left the rule's states comes back when the case returns to them (a
 * re-engagement after a refusal brings back the follow-ups it voided), `open` again if it never
 * fired, `fired` (still due, not told again) if it did.
 */
export async function insertDeadline(tx: Executor, owner: CaseRef, deadline: Deadline, now: Date): Promise<void> {
  const caseId = owner.id;
  await tx
    .insert(deadlines)
    .values({
      id: randomUUID(),
      caseId,
      participantId: owner.participantId,
      rule: deadline.rule,
      kind: deadline.kind,
      dueAt: deadline.dueAt,
      concerns: deadline.concerns,
      status: 'open',
      dedupeKey: dedupeKey(caseId, deadline.rule, deadline.dueAt),
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: deadlines.dedupeKey,
      set: { status: sql`case when ${deadlines.status} = 'done' then 'fired' else 'open' end`, kind: deadline.kind, concerns: deadline.concerns, updatedAt: now },
      setWhere: inArray(deadlines.status, ['void', 'done']),
    });
}

/** Applies the engine's schedule / move / void changes to the rows of one case. */
export async function applyDeadlineChanges(tx: Executor, owner: CaseRef, changes: DeadlineChanges, now: Date): Promise<void> {
  const caseId = owner.id;
  for (const deadline of changes.schedule) await insertDeadline(tx, owner, deadline, now);
  for (const deadline of changes.move) {
    // The rule's live row is settled (an open one void, a fired one done: that occurrence happened)
    // and the rule is scheduled at its new time, which brings back a row already at that time (a
    // date moved away and back) instead of clashing with its key.
    await retireDeadlines(tx, and(eq(deadlines.caseId, caseId), eq(deadlines.rule, deadline.rule)), now);
    await insertDeadline(tx, owner, deadline, now);
  }
  if (changes.void.length > 0) await retireDeadlines(tx, and(eq(deadlines.caseId, caseId), inArray(deadlines.rule, changes.void)), now);
}

/**
 * Brings a case's open rows in line with what the definition implies now (used when
 * something outside the case changes, such as the holiday calendar).
 */
export async function reconcileDeadlines(tx: Executor, row: CaseRow, now: Date): Promise<void> {
  const definition = definitionOf(row.protocol);
  const parties = await partiesOf(tx, row.id);
  const facts = await gatherFacts(tx, {
    definition,
    caseId: row.id,
    state: row.state,
    participantId: row.participantId,
    ownerOrganisationId: row.ownerOrganisationId,
    parties,
    data: row.data,
    now,
  });
  const wanted = deadlinesFor(definition, snapshotOf(row, parties, facts));
  const open = await tx
    .select()
    .from(deadlines)
    .where(and(eq(deadlines.caseId, row.id), inArray(deadlines.status, LIVE_DEADLINE_STATES), ne(deadlines.kind, 'alert')));
  const current = new Map(
    open.map((deadline) => [deadline.rule, { rule: deadline.rule, kind: deadline.kind as Deadline['kind'], dueAt: deadline.dueAt, concerns: [...deadline.concerns].sort() }]),
  );
  const changes = diffDeadlines(current, wanted);
  await applyDeadlineChanges(tx, row, changes, now);
}
