import { and, eq, exists, gt, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { breakGlassGrants, caseParties, cases, participants } from '../../db/schema.js';
import type { Actor } from '../auth/authenticator.js';
import { NON_PERSONAL_ROLES, type DataClass } from '../domain.js';
import { CLOSED_CASE_WINDOW_DAYS, RECORD_OWNER_CLASSES, REGION_COORDINATOR_CLASSES, SHARING_TABLE } from './sharing-table.js';

/**
 * The access policy (policy.ts) as a condition on `participants`, for lists that must be scoped
 * in SQL: a search filtered after its LIMIT would show short or empty pages whose cursor hints
 * at people the caller may not see. A person is in scope when one of the policy's rules gives
 * the caller `dataClass` (any class, when none is named) without a consent: the record owner,
 * the region's coordinator, a part of a case of theirs open or closed less than 90 days ago
 * whose sharing-table row gives the class, a live break-glass grant. Rules that need a consent
 * are left out, so this is never wider than the policy; callers still ask `participantDisclosure`
 * for each row they show.
 */
export function participantsInScope(db: Executor, actor: Actor, now: Date, dataClass?: DataClass): SQL {
  if (actor.roles.every((role) => NON_PERSONAL_ROLES.includes(role))) return sql`false`;
  const organisationId = actor.organisation.id;
  const gives = (classes: readonly DataClass[]) => (dataClass ? classes.includes(dataClass) : classes.length > 0);
  const rules: SQL[] = [];
  if (gives(RECORD_OWNER_CLASSES)) rules.push(eq(participants.ownerOrganisationId, organisationId));
  if (actor.organisation.kind === 'coordinator' && actor.roles.includes('coordinator') && gives(REGION_COORDINATOR_CLASSES)) {
    rules.push(eq(participants.region, actor.organisation.region));
  }
  const parts = Object.entries(SHARING_TABLE).flatMap(([protocol, byPart]) =>
    Object.entries(byPart)
      .filter(([, grants]) => gives((Object.entries(grants) as [DataClass, string][]).filter(([, how]) => how !== 'consent').map(([given]) => given)))
      .map(([part]) => and(eq(cases.protocol, protocol), eq(caseParties.part, part))),
  );
  if (parts.length > 0) {
    const windowStart = new Date(now.getTime() - CLOSED_CASE_WINDOW_DAYS * 86_400_000);
    // Correlated (EXISTS, not IN): a search that finds a handful of people checks each of them
    // through the person's cases (cases_participant_idx), instead of first listing every person
    // the organisation is a party for (tens of thousands in a large region, on every search).
    const asParty = db
      .select({ one: sql`1` })
      .from(cases)
      .innerJoin(caseParties, eq(caseParties.caseId, cases.id))
      .where(
        and(eq(cases.participantId, participants.id), eq(caseParties.organisationId, organisationId), or(isNull(cases.closedAt), gt(cases.closedAt, windowStart)), or(...parts)),
      );
    rules.push(exists(asParty));
  }
  if (actor.roles.includes('coordinator')) {
    const glass = db
      .select({ id: breakGlassGrants.participantId })
      .from(breakGlassGrants)
      .where(and(eq(breakGlassGrants.organisationId, organisationId), gt(breakGlassGrants.expiresAt, now)));
    rules.push(inArray(participants.id, glass));
  }
  return or(...rules) ?? sql`false`;
}
