import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { breakGlassGrants, cases, participants } from '../../db/schema.js';
import { BREAK_GLASS_HOURS } from '../access/policy.js';
import { audit } from '../audit/audit.js';
import { raiseAlert } from '../deadlines/rows.js';
import { DATA_CLASSES } from '../domain.js';
import { notFound } from '../errors.js';
import type { RequestFacts } from '../request-facts.js';
import { refuseErased } from '../retention/erasure.js';
import { participantFactsOf } from './present.js';

/**
 * Break-glass (DOMAIN.md rule 4): the coordinator of the participant's region gives a written
 * reason and gets every class of that case's participant for 4 hours. The grant is audited
 * with the reason, and the case owner is told at once.
 */
export async function breakGlass(db: Executor, facts: RequestFacts, caseId: string, reason: string) {
  const [row] = await db.select().from(cases).where(eq(cases.id, caseId));
  const participant = row ? await participantFactsOf(db, row.participantId) : undefined;
  const inRegion = participant && facts.actor.organisation.kind === 'coordinator' && facts.actor.organisation.region === participant.region;
  if (!row || !inRegion) {
    await audit(db, facts, { action: 'case.break_glass', subjectType: 'case', subjectId: caseId, participantId: row?.participantId, purpose: reason, outcome: 'denied' });
    throw notFound('case');
  }
  return db.transaction(async (tx) => {
    // Nothing is left to see of a person erased under retention, and the reason would outlive the erasure.
    await refuseErased(tx, row.participantId);
    const grant = {
      id: randomUUID(),
      caseId: row.id,
      participantId: row.participantId,
      organisationId: facts.actor.organisation.id,
      actorSub: facts.actor.sub,
      reason,
      grantedAt: facts.now,
      expiresAt: new Date(facts.now.getTime() + BREAK_GLASS_HOURS * 3_600_000),
    };
    await tx.insert(breakGlassGrants).values(grant);
    await raiseAlert(tx, { caseId: row.id, participantId: row.participantId }, 'break_glass', [row.ownerOrganisationId], grant.id, facts.now);
    await audit(tx, facts, {
      action: 'case.break_glass',
      subjectType: 'case',
      subjectId: row.id,
      participantId: row.participantId,
      dataClasses: DATA_CLASSES,
      purpose: reason,
      basis: 'break_glass',
      outcome: 'success',
    });
    return { id: grant.id, caseId: row.id, participantId: row.participantId, reason, grantedAt: grant.grantedAt.toISOString(), expiresAt: grant.expiresAt.toISOString() };
  });
}

/**
 * The cases of a person of the coordinator's region, to choose the one to break the glass on
 * (the workspace's person page): each case's id, protocol, state and dates, never its data or
 * parties. Anyone else, or a person of another region: 404, audited.
 */
export async function breakGlassCases(db: Executor, facts: RequestFacts, participantId: string) {
  const [person] = await db.select({ region: participants.region }).from(participants).where(eq(participants.id, participantId));
  const inRegion = person && facts.actor.organisation.kind === 'coordinator' && facts.actor.organisation.region === person.region;
  if (!inRegion) {
    await audit(db, facts, {
      action: 'participant.break_glass_cases',
      subjectType: 'participant',
      subjectId: participantId,
      participantId: person ? participantId : undefined,
      outcome: 'denied',
    });
    throw notFound('participant');
  }
  const rows = await db
    .select({ id: cases.id, protocol: cases.protocol, state: cases.state, openedAt: cases.openedAt, closedAt: cases.closedAt })
    .from(cases)
    .where(eq(cases.participantId, participantId))
    .orderBy(desc(cases.openedAt), desc(cases.id))
    .limit(200);
  await audit(db, facts, { action: 'participant.break_glass_cases', subjectType: 'participant', subjectId: participantId, participantId, outcome: 'success' });
  return { items: rows.map((row) => ({ ...row, openedAt: row.openedAt.toISOString(), closedAt: row.closedAt?.toISOString() ?? null })) };
}
