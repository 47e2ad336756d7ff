import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, or, gte, sql, exists } from 'drizzle-orm';
import type { z } from '@hono/zod-openapi';
import type { Executor } from '../../db/client.js';
import { qualified } from '../../db/qualified.js';
import { caseParties, cases, consents, deadlines, organisations, participants } from '../../db/schema.js';
import { recordAudit } from '../audit/audit.js';
import type { Actor } from '../auth/authenticator.js';
import type { RequestFacts } from '../http/context.js';
import { LIVE_DEADLINE_STATES, retireDeadlines } from '../deadlines/rows.js';
import { attestersOf, tellAttesters } from './attestation.js';
import { AppError, forbidden, notFound, validationFailed } from '../http/errors.js';
import { addDays, DEADLINE_HOUR, localDateOf, zonedInstant } from '../../protocols/time.js';
import type { DataClass } from '../domain.js';
import { CLOSED_CASE_WINDOW_DAYS } from '../access/sharing-table.js';
import type { CONSENT_PURPOSES, RecordConsentSchema, SIGNED_METHODS } from './schemas.js';

type ConsentRow = typeof consents.$inferSelect;

const windowStartOf = (now: Date) => new Date(now.getTime() - CLOSED_CASE_WINDOW_DAYS * 86_400_000);

/**
 * A consent is valid today when attested (recorded by another organisation than the one it
 * names, or a proposal confirmed by the case owner or record owner), not voided, not revoked,
 * started, not expired, and its case (if any) is not closed. A pending proposal counts for
 * nothing: no read, no party naming, no sharing.
 */
function validOn(today: string) {
  return and(
    or(eq(consents.proposed, false), isNotNull(consents.confirmedAt)),
    isNull(consents.voidedAt),
    isNull(consents.revokedAt),
    lte(consents.validFrom, today),
    or(isNull(consents.validUntil), gte(consents.validUntil, today)),
    or(isNull(consents.untilCaseId), sql`(select uc.closed_at from ${cases} uc where uc.id = ${qualified(consents.untilCaseId)}) is null`),
  );
}

/** The organisations a valid consent of this participant names today (read fresh: revocation applies at once). */
export async function consentedOrganisations(db: Executor, participantId: string, today: string): Promise<Set<string>> {
  const rows = await db.selectDistinct({ organisationId: consents.organisationId }).from(consents).where(and(eq(consents.participantId, participantId), validOn(today)));
  return new Set(rows.map((row) => row.organisationId));
}

/** The classes a valid consent of the participant names for an organisation today. */
export async function consentedClasses(db: Executor, participantId: string, organisationId: string, now: Date, ownerTimeZone?: string): Promise<Set<DataClass>> {
  const today = ownerTimeZone ? localDateOf(now, ownerTimeZone) : await todayFor(db, participantId, now);
  const rows = await db
    .select({ dataClasses: consents.dataClasses })
    .from(consents)
    .where(and(eq(consents.participantId, participantId), eq(consents.organisationId, organisationId), validOn(today)));
  return new Set(rows.flatMap((row) => row.dataClasses as DataClass[]));
}

/**
 * A consent expiring within 14 days reminds the case owner: a reminder row due 14 days before
 * `validUntil`, 09:00 in the owner's time zone, for the owner of the case it was recorded on,
 * else of the person's open cases where the consented organisation takes part, else the
 * record owner. Revocation voids it.
 */
async function scheduleExpiryReminder(tx: Executor, consent: ConsentRow, now: Date): Promise<void> {
  if (!consent.validUntil) return;
  let owners: { caseId: string | null; owner: string }[];
  if (consent.caseId) {
    owners = await tx.select({ caseId: cases.id, owner: cases.ownerOrganisationId }).from(cases).where(eq(cases.id, consent.caseId));
  } else {
    owners = await tx
      .selectDistinct({ caseId: cases.id, owner: cases.ownerOrganisationId })
      .from(cases)
      .innerJoin(caseParties, eq(caseParties.caseId, cases.id))
      .where(and(eq(cases.participantId, consent.participantId), eq(caseParties.organisationId, consent.organisationId), isNull(cases.closedAt)));
  }
  if (owners.length === 0) {
    const [participant] = await tx.select({ owner: participants.ownerOrganisationId }).from(participants).where(eq(participants.id, consent.participantId));
    if (participant) owners = [{ caseId: null, owner: participant.owner }];
  }
  if (owners.length === 0) return;
  const [zone] = await tx.select({ timeZone: organisations.timeZone }).from(organisations).where(eq(organisations.id, owners[0]!.owner));
  const dueAt = zonedInstant(addDays(consent.validUntil, -14), DEADLINE_HOUR, zone?.timeZone ?? 'UTC');
  await tx
    .insert(deadlines)
    .values({
      id: randomUUID(),
      caseId: owners[0]!.caseId,
      participantId: consent.participantId,
      rule: 'consent_expiring',
      kind: 'reminder',
      dueAt,
      concerns: [...new Set(owners.map((entry) => entry.owner))].sort(),
      status: 'open',
      dedupeKey: `consent:${consent.id}:expiring`,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: deadlines.dedupeKey });
}

/**
 * The record owner, or a party of one of the participant's cases that is open or closed less
 * than 90 days ago, may record and see consents (DOMAIN.md, "The 90-day window": after it, a
 * former party gets 404 for the person's consents as for the person).
 */
async function consentScope(db: Executor, actor: Actor, participantId: string, now: Date) {
  const [participant] = await db.select({ id: participants.id, owner: participants.ownerOrganisationId, region: participants.region }).from(participants).where(eq(participants.id, participantId));
  if (!participant) return undefined;
  if (participant.owner === actor.organisation.id) return participant;
  const [party] = await db
    .select({ caseId: caseParties.caseId })
    .from(caseParties)
    .innerJoin(cases, eq(cases.id, caseParties.caseId))
    .where(and(eq(cases.participantId, participantId), eq(caseParties.organisationId, actor.organisation.id), or(isNull(cases.closedAt), gt(cases.closedAt, windowStartOf(now)))))
    .limit(1);
  return party ? participant : undefined;
}

async function deny(db: Executor, facts: RequestFacts, action: string, participantId: string): Promise<never> {
  // Named when the person exists, so their region's coordinator sees the attempt.
  const [known] = await db.select({ id: participants.id }).from(participants).where(eq(participants.id, participantId));
  await recordAudit(db, { actor: facts.actor, action, subjectType: 'consent', subjectId: participantId, participantId: known?.id, requestId: facts.requestId, outcome: 'denied', at: facts.now });
  throw notFound('participant');
}

/** Consent dates are days in the record owner's time zone. */
export async function todayFor(db: Executor, participantId: string, now: Date): Promise<string> {
  const [row] = await db
    .select({ timeZone: organisations.timeZone })
    .from(participants)
    .innerJoin(organisations, eq(organisations.id, participants.ownerOrganisationId))
    .where(eq(participants.id, participantId));
  return localDateOf(now, row?.timeZone ?? 'UTC');
}

/** `pending` (proposed, not confirmed), `scheduled` (attested, not started), `valid`, `expired` (its date passed or its case closed), `revoked`, `voided`. */
export type ConsentStatus = 'pending' | 'scheduled' | 'valid' | 'expired' | 'revoked' | 'voided';

function statusOf(row: ConsentRow, today: string, validNow: boolean): ConsentStatus {
  if (row.voidedAt) return 'voided';
  if (row.revokedAt) return 'revoked';
  if (row.proposed && !row.confirmedAt) return 'pending';
  if (validNow) return 'valid';
  if (row.validFrom > today) return 'scheduled';
  return 'expired';
}

export async function presentConsent(db: Executor, row: ConsentRow, today: string) {
  const [criminal] = row.caseId ? await db.select({ protocol: cases.protocol }).from(cases).where(eq(cases.id, row.caseId)) : [];
  const [valid] = await db.select({ id: consents.id }).from(consents).where(and(eq(consents.id, row.id), validOn(today)));
  return {
    status: statusOf(row, today, valid !== undefined),
    id: row.id,
    participantId: row.participantId,
    organisationId: row.organisationId,
    dataClasses: row.dataClasses as DataClass[],
    purpose: row.purpose as (typeof CONSENT_PURPOSES)[number],
    validFrom: row.validFrom,
    validUntil: row.validUntil,
    untilCaseId: row.untilCaseId,
    caseId: row.caseId,
    criminalJustice: criminal?.protocol === 'court-ordered-treatment',
    signedMethod: row.signedMethod as (typeof SIGNED_METHODS)[number],
    witness: row.witness,
    textVersion: row.textVersion,
    recordedByOrganisationId: row.recordedByOrganisationId,
    recordedAt: row.recordedAt.toISOString(),
    proposed: row.proposed,
    confirmedByOrganisationId: row.confirmedByOrganisationId,
    confirmedAt: row.confirmedAt?.toISOString() ?? null,
    revokedByOrganisationId: row.revokedByOrganisationId,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    revocationReason: row.revocationReason,
    voidedByOrganisationId: row.voidedByOrganisationId,
    voidedAt: row.voidedAt?.toISOString() ?? null,
    voidReason: row.voidReason,
    validNow: valid !== undefined,
  };
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
          exists(db.select().from(caseParties).where(and(eq(caseParties.caseId, cases.id), eq(caseParties.organisationId, facts.actor.organisation.id)))),
        ),
      );
    if (!row) errors.push({ path: `body.${field}`, message: 'Not a case of this participant that your organisation is a party to.' });
  }
  if (errors.length > 0) throw validationFailed('The consent is not valid.', errors);
  // The organisation a consent names never attests it: what it records is a proposal.
  const proposed = body.organisationId === facts.actor.organisation.id;
  return db.transaction(async (tx) => {
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
    await recordAudit(tx, {
      actor: facts.actor,
      action: proposed ? 'consent.propose' : 'consent.record',
      subjectType: 'consent',
      subjectId: row.id,
      participantId,
      purpose: body.purpose,
      requestId: facts.requestId,
      outcome: 'success',
      at: facts.now,
    });
    return presentConsent(tx, row, await todayFor(tx, participantId, facts.now));
  });
}

export async function listConsents(db: Executor, facts: RequestFacts, participantId: string) {
  const scope = await consentScope(db, facts.actor, participantId, facts.now);
  if (!scope) return deny(db, facts, 'consent.list', participantId);
  const rows = await db.select().from(consents).where(eq(consents.participantId, participantId)).orderBy(asc(consents.recordedAt), asc(consents.id));
  const today = await todayFor(db, participantId, facts.now);
  await recordAudit(db, { actor: facts.actor, action: 'consent.list', subjectType: 'participant', subjectId: participantId, participantId, requestId: facts.requestId, outcome: 'success', at: facts.now });
  return { items: await Promise.all(rows.map((row) => presentConsent(db, row, today))) };
}

/**
 * Revocation takes effect for the very next request: nothing caches consents. A
 * criminal-justice consent (recorded on a court-ordered case) stands until the order ends.
 */
export async function revokeConsent(db: Executor, facts: RequestFacts, consentId: string, reason: string) {
  const [existing] = await db.select({ participantId: consents.participantId }).from(consents).where(eq(consents.id, consentId));
  if (!existing || !(await consentScope(db, facts.actor, existing.participantId, facts.now))) {
    await recordAudit(db, { actor: facts.actor, action: 'consent.revoke', subjectType: 'consent', subjectId: consentId, participantId: existing?.participantId, requestId: facts.requestId, outcome: 'denied', at: facts.now });
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
      const orderEnd = typeof order?.data.orderEndDate === 'string' ? order.data.orderEndDate : undefined;
      if (order?.protocol === 'court-ordered-treatment' && order.closedAt === null && (orderEnd === undefined || today < orderEnd)) {
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
    await recordAudit(tx, { actor: facts.actor, action: 'consent.revoke', subjectType: 'consent', subjectId: consentId, participantId: row.participantId, requestId: facts.requestId, outcome: 'success', at: facts.now });
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
    await recordAudit(db, { actor: facts.actor, action, subjectType: 'consent', subjectId: consentId, participantId: row?.participantId, requestId: facts.requestId, outcome: 'denied', at: facts.now });
    throw notFound('consent');
  }
  const attesters = await attestersOf(db, row, facts.now);
  const refusal = !attesters.has(facts.actor.organisation.id)
    ? 'Only the owner of the case the consent concerns or the person’s record owner may do this.'
    : action === 'consent.confirm' && row.organisationId === facts.actor.organisation.id
      ? 'The organisation a consent names cannot confirm it: the case owner or the record owner does.'
      : undefined;
  if (refusal) {
    await recordAudit(db, { actor: facts.actor, action, subjectType: 'consent', subjectId: consentId, participantId: row.participantId, requestId: facts.requestId, outcome: 'denied', at: facts.now });
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
    await recordAudit(tx, { actor: facts.actor, action: 'consent.confirm', subjectType: 'consent', subjectId: consentId, participantId: row.participantId, requestId: facts.requestId, outcome: 'success', at: facts.now });
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
    await recordAudit(tx, { actor: facts.actor, action: 'consent.void', subjectType: 'consent', subjectId: consentId, participantId: row.participantId, requestId: facts.requestId, outcome: 'success', at: facts.now });
    return presentConsent(tx, updated!, await todayFor(tx, row.participantId, facts.now));
  });
}

/** The protocols whose `ngo` part needs a consent naming it (DOMAIN.md: the NGO of a pre-release plan or a patronage case). */
const NGO_NEEDS_CONSENT = ['pre-release', 'patronage'];

/**
 * DOMAIN.md, "Consent attestation": when the NGO of a person's open pre-release plan or
 * patronage case no longer has a valid consent naming it (revoked, voided), the case owner
 * gets a work-queue item (`consent_lost`, told in-app and by e-mail) to record a new consent
 * or replace the NGO. It stays in the queue until one of them happens or the case closes.
 * (An expiry is announced 14 days ahead by the `consent_expiring` reminder.) Called after
 * anything that can change the answer: a consent recorded, confirmed, revoked or voided, a
 * case's parties changed or the case closed.
 */
export async function reconcileConsentWorkItems(tx: Executor, participantId: string, now: Date): Promise<void> {
  const needing = await tx
    .select({ caseId: cases.id, owner: cases.ownerOrganisationId, ngo: caseParties.organisationId })
    .from(cases)
    .innerJoin(caseParties, and(eq(caseParties.caseId, cases.id), eq(caseParties.part, 'ngo')))
    .where(and(eq(cases.participantId, participantId), isNull(cases.closedAt), inArray(cases.protocol, NGO_NEEDS_CONSENT)));
  const consented = needing.length > 0 ? await consentedOrganisations(tx, participantId, await todayFor(tx, participantId, now)) : new Set<string>();
  const lacking = new Map(needing.filter((row) => !consented.has(row.ngo)).map((row) => [row.caseId, row]));
  const live = await tx
    .select({ id: deadlines.id, caseId: deadlines.caseId })
    .from(deadlines)
    .where(and(eq(deadlines.participantId, participantId), eq(deadlines.rule, 'consent_lost'), inArray(deadlines.status, LIVE_DEADLINE_STATES)));
  const settled = live.filter((row) => !row.caseId || !lacking.has(row.caseId)).map((row) => row.id);
  if (settled.length > 0) await retireDeadlines(tx, inArray(deadlines.id, settled), now);
  for (const row of lacking.values()) {
    if (live.some((item) => item.caseId === row.caseId)) continue;
    // One live item per case (checked above); each lapse after a settled one is a new item.
    const id = randomUUID();
    await tx
      .insert(deadlines)
      .values({
        id,
        caseId: row.caseId,
        participantId,
        rule: 'consent_lost',
        kind: 'deadline',
        dueAt: now,
        concerns: [row.owner],
        status: 'open',
        dedupeKey: `consent-lost:${row.caseId}:${id}`,
        createdAt: now,
        updatedAt: now,
      });
  }
}
