import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { breakGlassGrants, cases } from '../../db/schema.js';
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
