import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { caseParties, cases, participants, type consents } from '../../db/schema.js';
import { closedCaseWindowStart } from '../access/sharing-table.js';
import { raiseAlert } from '../deadlines/rows.js';

type ConsentRow = typeof consents.$inferSelect;

/**
 * DOMAIN.md, "Consent attestation": the organisations that attest a consent (confirm a
 * proposal, void one recorded in error) and are told of every consent: the record owner, and
 * the owner of each case the consent concerns. A consent recorded on a case concerns that
 * case; otherwise the person's cases, open or closed less than 90 days ago, where the named
 * organisation takes part, and the case it lasts until. Each attester maps to the case its
 * message links to (one it owns), or null when it owns none of them (the record owner).
 */
export async function attestersOf(db: Executor, consent: ConsentRow, now: Date): Promise<Map<string, string | null>> {
  const windowStart = closedCaseWindowStart(now);
  const concerned = consent.caseId
    ? await db.select({ id: cases.id, owner: cases.ownerOrganisationId }).from(cases).where(eq(cases.id, consent.caseId))
    : await db
        .selectDistinct({ id: cases.id, owner: cases.ownerOrganisationId, openedAt: cases.openedAt })
        .from(cases)
        .leftJoin(caseParties, and(eq(caseParties.caseId, cases.id), eq(caseParties.organisationId, consent.organisationId)))
        .where(
          and(
            eq(cases.participantId, consent.participantId),
            or(isNull(cases.closedAt), gt(cases.closedAt, windowStart)),
            or(eq(caseParties.organisationId, consent.organisationId), consent.untilCaseId ? eq(cases.id, consent.untilCaseId) : undefined),
          ),
        )
        .orderBy(cases.openedAt, cases.id);
  const attesters = new Map<string, string | null>();
  for (const row of concerned) if (!attesters.has(row.owner)) attesters.set(row.owner, row.id);
  const [person] = await db.select({ owner: participants.ownerOrganisationId }).from(participants).where(eq(participants.id, consent.participantId));
  if (person && !attesters.has(person.owner)) attesters.set(person.owner, null);
  return attesters;
}

/**
 * Tells each attester but the acting organisation (it knows) of a consent recorded or
 * proposed: an in-app notice and an e-mail through the outbox, naming only the reference
 * code and linking to the case page.
 */
export async function tellAttesters(tx: Executor, consent: ConsentRow, rule: 'consent_recorded' | 'consent_proposed', actingOrganisationId: string, now: Date): Promise<void> {
  const byCase = new Map<string | null, string[]>();
  for (const [organisationId, caseId] of await attestersOf(tx, consent, now)) {
    if (organisationId === actingOrganisationId) continue;
    byCase.set(caseId, [...(byCase.get(caseId) ?? []), organisationId]);
  }
  for (const [caseId, concerns] of byCase) await raiseAlert(tx, { caseId, participantId: consent.participantId }, rule, concerns.sort(), consent.id, now);
}
