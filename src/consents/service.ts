import { randomUUID } from 'node:crypto';
import { protocolById } from '../../protocols/index.js';
import { and, asc, eq, gt, isNull, or, exists } from 'drizzle-orm';
import type { z } from '@hono/zod-openapi';
import type { Executor } from '../../db/client.js';
import { caseParties, cases, consents, deadlines, organisations, participants } from '../../db/schema.js';
import { audit } from '../audit/audit.js';
import type { Actor } from '../auth/authenticator.js';
import type { RequestFacts } from '../request-facts.js';
import { retireDeadlines } from '../deadlines/rows.js';
import { attestersOf, tellAttesters } from './attestation.js';
import { AppError, forbidden, notFound, validationFailed } from '../errors.js';
import { todayFor } from '../access/consents.js';
import { closedCaseWindowStart } from '../access/sharing-table.js';
import { refuseErased } from '../retention/erasure.js';
import { presentConsent } from './present.js';
import type { RecordConsentSchema } from './schemas.js';
import { reconcileConsentWorkItems, scheduleExpiryReminder } from './work-items.js';

type ConsentRow = typeof consents.$inferSelect;

/**
 * The record owner, or a party of one of the participant's cases that is open or closed less
 * than 90 days ago, may record and see consents (DOMAIN.md, "The 90-day window": after it, a
 * former party gets 404 for the person's consents as for the person).
 */
async function consentScope(db: Executor, actor: Actor, participantId: string, now: Date) {
  const [participant] = await db
    .select({ id: participants.id, owner: participants.ownerOrganisationId, region: participants.region })
    .from(participants)
    .where(eq(participants.id, participantId));
  if (!participant) return undefined;
  if (participant.owner === actor.organisation.id) return participant;
  const [party] = await db
    .select({ caseId: caseParties.caseId })
    .from(caseParties)
    .innerJoin(cases, eq(cases.id, caseParties.caseId))
    .where(
      and(
        eq(cases.participantId, participantId),
        eq(caseParties.organisationId, actor.organisation.id),
        or(isNull(cases.closedAt), gt(cases.closedAt, closedCaseWindowStart(now))),
      ),
    )
    .limit(1);
  return party ? participant : undefined;
}

async function deny(db: Executor, facts: RequestFacts, action: string, participantId: string): Promise<never> {
  // Named when the person exists, so their region's coordinator sees the attempt.
  const [known] = await db.select({ id: participants.id }).from(participants).where(eq(participants.id, participantId));
  await audit(db, facts, { action, subjectType: 'consent', subjectId: participantId, participantId: known?.id, outcome: 'denied' });
  throw notFound('participant');
}

export async function recordConsent(db: Executor, facts: RequestFacts, participantId: string, body: z.infer<typeof RecordConsentSchema>) {
  const scope = await consentScope(db, facts.actor, participantId, facts.now);
  if (!scope) return deny(db, facts, 'consent.record', participantId);
  const errors = [];
  const [recipient] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, body.organisationId));
  if (!recipient) errors.push({ path: 'body.organisationId', message: 'No such organisation.' });
  for (const field of ['caseId', 'untilCaseId'] as const) {
    const caseId = body[field];
    if (!caseId) continue;
    const [row] = await db
      .select({ id: cases.id })
      .from(cases)
      .where(
        and(
          eq(cases.id, caseId),
          eq(cases.participantId, participantId),
          exists(
            db
              .select()
              .from(caseParties)
              .where(and(eq(caseParties.caseId, cases.id), eq(caseParties.organisationId, facts.actor.organisation.id))),
          ),
        ),
      );
    if (!row) errors.push({ path: `body.${field}`, message: 'Not a case of this participant that your organisation is a party to.' });
  }
  if (errors.length > 0) throw validationFailed('The consent is not valid.', errors);
  // The organisation a consent names never attests it: what it records is a proposal.
  const proposed = body.organisationId === facts.actor.organisation.id;
  return db.transaction(async (tx) => {
    await refuseErased(tx, participantId);
    const row: ConsentRow = {
      id: randomUUID(),
      participantId,
      organisationId: body.organisationId,
      dataClasses: body.dataClasses,
      purpose: body.purpose,
      validFrom: body.validFrom,
      validUntil: body.validUntil ?? null,
      untilCaseId: body.untilCaseId ?? null,
      caseId: body.caseId ?? null,
      signedMethod: body.signedMethod,
      witness: body.witness,
      textVersion: body.textVersion,
      recordedByOrganisationId: facts.actor.organisation.id,
      recordedBySub: facts.actor.sub,
      recordedAt: facts.now,
      revokedAt: null,
      revokedBySub: null,
      revokedByOrganisationId: null,
      revocationReason: null,
      proposed,
      confirmedAt: null,
      confirmedBySub: null,
      confirmedByOrganisationId: null,
      voidedAt: null,
      voidedBySub: null,
      voidedByOrganisationId: null,
      voidReason: null,
    };
    await tx.insert(consents).values(row);
    if (!proposed) {
      await scheduleExpiryReminder(tx, row, facts.now);
      await reconcileConsentWorkItems(tx, participantId, facts.now);
    }
    await tellAttesters(tx, row, proposed ? 'consent_proposed' : 'consent_recorded', facts.actor.organisation.id, facts.now);
    await audit(tx, facts, {
      action: proposed ? 'consent.propose' : 'consent.record',
      subjectType: 'consent',
      subjectId: row.id,
      participantId,
      purpose: body.purpose,
      outcome: 'success',
    });
    return presentConsent(tx, row, await todayFor(tx, participantId, facts.now));
  });
}

export async function listConsents(db: Executor, facts: RequestFacts, participantId: string) {
  const scope = await consentScope(db, facts.actor, participantId, facts.now);
  if (!scope) return deny(db, facts, 'consent.list', participantId);
  const rows = await db.select().from(consents).where(eq(consents.participantId, participantId)).orderBy(asc(consents.recordedAt), asc(consents.id));
  const today = await todayFor(db, participantId, facts.now);
  await audit(db, facts, { action: 'consent.list', subjectType: 'participant', subjectId: participantId, participantId, outcome: 'success' });
  return { items: await Promise.all(rows.map((row) => presentConsent(db, row, today))) };
}

/**
 * Revocation takes effect for the very next request: nothing caches consents. A
 * criminal-justice consent (recorded on a court-ordered case) stands until the order ends.
 */
export async function revokeConsent(db: Executor, facts: RequestFacts, consentId: string, reason: string) {
  const [existing] = await db.select({ participantId: consents.participantId }).from(consents).where(eq(consents.id, consentId));
  if (!existing || !(await consentScope(db, facts.actor, existing.participantId, facts.now))) {
    await audit(db, facts, { action: 'consent.revoke', subjectType: 'consent', subjectId: consentId, participantId: existing?.participantId, outcome: 'denied' });
    throw notFound('consent');
  }
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(consents).where(eq(consents.id, consentId)).for('update');
    if (!row) throw notFound('consent');
    if (row.revokedAt) throw new AppError('CONFLICT', 'This consent is already revoked.');
    if (row.voidedAt) throw new AppError('CONFLICT', 'This consent was voided as recorded in error; there is nothing to revoke.');
    if (row.proposed && !row.confirmedAt) throw new AppError('CONFLICT', 'This consent is a pending proposal: the case owner or the record owner confirms or voids it.');
    const today = await todayFor(tx, row.participantId, facts.now);
    if (row.caseId) {
      const [order] = await tx.select({ protocol: cases.protocol, closedAt: cases.closedAt, data: cases.data }).from(cases).where(eq(cases.id, row.caseId));
      // A consent for a case under a court order (the protocol data's `consent.criminalJusticeUntil`) holds until the order ends.
      const until = order ? protocolById(order.protocol)?.consent?.criminalJusticeUntil : undefined;
      const orderEnd = until && typeof order?.data[until] === 'string' ? (order.data[until] as string) : undefined;
      if (until && order?.closedAt === null && (orderEnd === undefined || today < orderEnd)) {
        throw new AppError('CONFLICT', `A criminal-justice consent cannot be revoked before the court order ends${orderEnd ? ` (${orderEnd})` : ''}.`);
      }
    }
    const [updated] = await tx
      .update(consents)
      .set({ revokedAt: facts.now, revokedBySub: facts.actor.sub, revokedByOrganisationId: facts.actor.organisation.id, revocationReason: reason })
      .where(eq(consents.id, consentId))
      .returning();
    await retireDeadlines(tx, eq(deadlines.dedupeKey, `consent:${consentId}:expiring`), facts.now);
    await reconcileConsentWorkItems(tx, row.participantId, facts.now);
    await audit(tx, facts, { action: 'consent.revoke', subjectType: 'consent', subjectId: consentId, participantId: row.participantId, outcome: 'success' });
    return presentConsent(tx, updated!, today);
  });
}

/**
 * The consent a confirm or void acts on, when the caller may attest it (DOMAIN.md, "Consent
 * attestation"): a consent outside the caller's scope is 404; one it sees but does not attest
 * (it owns neither a case the consent concerns nor the record) is 403. Both audited.
 */
async function attestable(db: Executor, facts: RequestFacts, consentId: string, action: 'consent.confirm' | 'consent.void') {
  const [row] = await db.select().from(consents).where(eq(consents.id, consentId));
  if (!row || !(await consentScope(db, facts.actor, row.participantId, facts.now))) {
    await audit(db, facts, { action, subjectType: 'consent', subjectId: consentId, participantId: row?.participantId, outcome: 'denied' });
    throw notFound('consent');
  }
  const attesters = await attestersOf(db, row, facts.now);
  const refusal = !attesters.has(facts.actor.organisation.id)
    ? 'Only the owner of the case the consent concerns or the person’s record owner may do this.'
    : action === 'consent.confirm' && row.organisationId === facts.actor.organisation.id
      ? 'The organisation a consent names cannot confirm it: the case owner or the record owner does.'
      : undefined;
  if (refusal) {
    await audit(db, facts, { action, subjectType: 'consent', subjectId: consentId, participantId: row.participantId, outcome: 'denied' });
    throw forbidden(refusal);
  }
  return row;
}

/** The case owner or record owner confirms a proposal by the organisation it names: from now on it is valid. */
export async function confirmConsent(db: Executor, facts: RequestFacts, consentId: string) {
  await attestable(db, facts, consentId, 'consent.confirm');
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(consents).where(eq(consents.id, consentId)).for('update');
    if (!row) throw notFound('consent');
    if (!row.proposed || row.confirmedAt) throw new AppError('CONFLICT', 'This consent is not a pending proposal.');
    if (row.voidedAt) throw new AppError('CONFLICT', 'This proposal was voided.');
    if (row.revokedAt) throw new AppError('CONFLICT', 'This consent is revoked.');
    const [updated] = await tx
      .update(consents)
      .set({ confirmedAt: facts.now, confirmedBySub: facts.actor.sub, confirmedByOrganisationId: facts.actor.organisation.id })
      .where(eq(consents.id, consentId))
      .returning();
    await scheduleExpiryReminder(tx, updated!, facts.now);
    await reconcileConsentWorkItems(tx, row.participantId, facts.now);
    await audit(tx, facts, { action: 'consent.confirm', subjectType: 'consent', subjectId: consentId, participantId: row.participantId, outcome: 'success' });
    return presentConsent(tx, updated!, await todayFor(tx, row.participantId, facts.now));
  });
}

/**
 * The case owner or record owner voids a consent recorded in error, with a reason. Not a
 * revocation (the person did not withdraw it), so it is allowed on a criminal-justice consent;
 * like a revocation, it counts for nothing from the very next request.
 */
export async function voidConsent(db: Executor, facts: RequestFacts, consentId: string, reason: string) {
  await attestable(db, facts, consentId, 'consent.void');
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(consents).where(eq(consents.id, consentId)).for('update');
    if (!row) throw notFound('consent');
    if (row.voidedAt) throw new AppError('CONFLICT', 'This consent is already voided.');
    const [updated] = await tx
      .update(consents)
      .set({ voidedAt: facts.now, voidedBySub: facts.actor.sub, voidedByOrganisationId: facts.actor.organisation.id, voidReason: reason })
      .where(eq(consents.id, consentId))
      .returning();
    await retireDeadlines(tx, eq(deadlines.dedupeKey, `consent:${consentId}:expiring`), facts.now);
    await reconcileConsentWorkItems(tx, row.participantId, facts.now);
    await audit(tx, facts, { action: 'consent.void', subjectType: 'consent', subjectId: consentId, participantId: row.participantId, outcome: 'success' });
    return presentConsent(tx, updated!, await todayFor(tx, row.participantId, facts.now));
  });
}
