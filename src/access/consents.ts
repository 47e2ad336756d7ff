import { and, eq, gte, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { qualified } from '../../db/qualified.js';
import { cases, consents, organisations, participants } from '../../db/schema.js';
import { localDateOf } from '../../protocols/time.js';
import type { DataClass } from '../domain.js';

/*
 * Consent validity, as the access policy needs it: which organisations and which classes a
 * valid consent names today. Recording, revoking and attesting consents is src/consents/.
 */

/**
 * A consent is valid today when attested (recorded by another organisation than the one it
 * names, or a proposal confirmed by the case owner or record owner), not voided, not revoked,
 * started, not expired, and its case (if any) is not closed. A pending proposal counts for
 * nothing: no read, no party naming, no sharing.
 */
export function validOn(today: string) {
  return and(inForceAnyDay(), lte(consents.validFrom, today), or(isNull(consents.validUntil), gte(consents.validUntil, today)));
}

/**
 * The consents of a participant that are attested, in force (not voided, not revoked) and not
 * tied to a closed case, whatever their dates: `validOn` without its two date conditions, for a
 * query that reads them before it knows "today" in the record owner's zone. `inForceOn` applies
 * the dates to each row afterwards. Read fresh, in the same statement as what needs them.
 */
export function inForceAnyDay() {
  return and(
    or(eq(consents.proposed, false), isNotNull(consents.confirmedAt)),
    isNull(consents.voidedAt),
    isNull(consents.revokedAt),
    or(isNull(consents.untilCaseId), sql`(select uc.closed_at from ${cases} uc where uc.id = ${qualified(consents.untilCaseId)}) is null`),
  );
}

export type ConsentDates = { organisationId: string; dataClasses: DataClass[]; validFrom: string; validUntil: string | null };

/** The classes these consents name, together. */
export const classesNamed = (rows: ReadonlyArray<{ dataClasses: readonly string[] }>): Set<DataClass> => new Set(rows.flatMap((row) => row.dataClasses as DataClass[]));

/** `validOn`'s date conditions, for a row read with `inForceAnyDay`. */
export const inForceOn = (consent: ConsentDates, today: string): boolean => consent.validFrom <= today && (consent.validUntil === null || consent.validUntil >= today);

/** The organisations a valid consent of this participant names today (read fresh: revocation applies at once). */
export async function consentedOrganisations(db: Executor, participantId: string, today: string): Promise<Set<string>> {
  const rows = await db
    .selectDistinct({ organisationId: consents.organisationId })
    .from(consents)
    .where(and(eq(consents.participantId, participantId), validOn(today)));
  return new Set(rows.map((row) => row.organisationId));
}

/** The classes a valid consent of the participant names for an organisation today. */
export async function consentedClasses(db: Executor, participantId: string, organisationId: string, now: Date, ownerTimeZone?: string): Promise<Set<DataClass>> {
  const today = ownerTimeZone ? localDateOf(now, ownerTimeZone) : await todayFor(db, participantId, now);
  const rows = await db
    .select({ dataClasses: consents.dataClasses })
    .from(consents)
    .where(and(eq(consents.participantId, participantId), eq(consents.organisationId, organisationId), validOn(today)));
  return classesNamed(rows);
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
