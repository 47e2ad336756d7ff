import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { caseAssignees } from '../../db/schema.js';
import { audit } from '../audit/audit.js';
import { forbidden, validationFailed } from '../errors.js';
import type { RequestFacts } from '../request-facts.js';
import { findCaseworker } from '../staff/directory.js';
import { visibleCase } from './present.js';

/*
 * The named caseworker of a case, per organisation on the case: each party assigns one of its own
 * caseworkers (src/staff/directory.ts) and sees only its own assignee. Not protocol state: no
 * event, no version, nothing the other parties see; audited.
 */

/**
 * Assigns one of the caller organisation's caseworkers to a case it is a party to, or clears the
 * assignment (`sub` null). A case the caller may not see is 404, audited, as for a read; an
 * organisation that sees it only through break-glass is not on it, so it assigns no one (403).
 */
export async function assignCase(db: Executor, facts: RequestFacts, caseId: string, sub: string | null) {
  const action = sub === null ? 'case.unassign' : 'case.assign';
  const organisationId = facts.actor.organisation.id;
  const { row, parties } = await visibleCase(db, facts, caseId, action);
  if (!parties.some((party) => party.organisationId === organisationId)) throw forbidden('Only an organisation on the case assigns it a caseworker.');
  const caseworker = sub === null ? undefined : await findCaseworker(db, organisationId, sub);
  if (sub !== null && !caseworker) {
    throw validationFailed('The assignee is not one of your organisation’s caseworkers.', [
      { path: 'body.sub', message: 'Not the subject of someone who has signed in for your organisation in a role that works with people (GET /caseworkers).' },
    ]);
  }
  await db.transaction(async (tx) => {
    if (caseworker) {
      await tx
        .insert(caseAssignees)
        .values({ caseId, organisationId, assigneeSub: caseworker.sub, assignedBySub: facts.actor.sub, assignedAt: facts.now })
        .onConflictDoUpdate({
          target: [caseAssignees.caseId, caseAssignees.organisationId],
          set: { assigneeSub: caseworker.sub, assignedBySub: facts.actor.sub, assignedAt: facts.now },
        });
    } else {
      await tx.delete(caseAssignees).where(and(eq(caseAssignees.caseId, caseId), eq(caseAssignees.organisationId, organisationId)));
    }
    await audit(tx, facts, { action, subjectType: 'case', subjectId: caseId, participantId: row.participantId, outcome: 'success' });
  });
  return { caseId, assignee: caseworker ? { sub: caseworker.sub, name: caseworker.name } : null };
}
