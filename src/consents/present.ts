import { and, eq } from 'drizzle-orm';
import { protocolById } from '../../protocols/index.js';
import type { Executor } from '../../db/client.js';
import { cases, consents } from '../../db/schema.js';
import { validOn } from '../access/consents.js';
import type { DataClass } from '../domain.js';
import type { CONSENT_PURPOSES, SIGNED_METHODS } from './schemas.js';

type ConsentRow = typeof consents.$inferSelect;

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
  const [valid] = await db
    .select({ id: consents.id })
    .from(consents)
    .where(and(eq(consents.id, row.id), validOn(today)));
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
    criminalJustice: criminal !== undefined && protocolById(criminal.protocol)?.consent?.criminalJusticeUntil !== undefined,
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
