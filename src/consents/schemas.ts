import { z } from '@hono/zod-openapi';
import { DATA_CLASSES } from '../domain.js';
import { isoDate } from '../organisations/schemas.js';

export const CONSENT_PURPOSES = ['treatment', 'court_supervision', 'unit_programme', 'release_planning', 'post_release_support', 'housing'] as const;
export const SIGNED_METHODS = ['written', 'verbal_witnessed', 'electronic'] as const;

/** Every element of a consent is required (DOMAIN.md): until a date, or until a named case closes. */
export const RecordConsentSchema = z
  .strictObject({
    organisationId: z.uuid().openapi({ description: 'The organisation that may receive the data.' }),
    dataClasses: z.array(z.enum(DATA_CLASSES)).min(1).max(DATA_CLASSES.length),
    purpose: z.enum(CONSENT_PURPOSES),
    validFrom: isoDate,
    validUntil: isoDate.optional().openapi({ description: 'Give this or `untilCaseId`.' }),
    untilCaseId: z.uuid().optional().openapi({ description: 'Valid until this case closes. Give this or `validUntil`.' }),
    caseId: z.uuid().optional().openapi({ description: 'The case it is recorded on; on a court-ordered case it is a criminal-justice consent.' }),
    signedMethod: z.enum(SIGNED_METHODS),
    witness: z.string().trim().min(2).max(200),
    textVersion: z.string().trim().min(1).max(50).openapi({ example: 'KZ-consent-2026-01' }),
  })
  .superRefine((body, ctx) => {
    if ((body.validUntil === undefined) === (body.untilCaseId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'Give exactly one of validUntil or untilCaseId.' });
    }
    if (body.validUntil !== undefined && body.validUntil < body.validFrom) {
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'validUntil is before validFrom.' });
    }
    if (new Set(body.dataClasses).size !== body.dataClasses.length) {
      ctx.addIssue({ code: 'custom', path: ['dataClasses'], message: 'A data class is named twice.' });
    }
  })
  .openapi('RecordConsent');

export const CONSENT_STATUSES = ['pending', 'scheduled', 'valid', 'expired', 'revoked', 'voided'] as const;

export const ConsentSchema = z
  .object({
    status: z.enum(CONSENT_STATUSES).openapi({
      description:
        '`pending`: proposed by the organisation it names, not yet confirmed (it discloses nothing); `scheduled`: attested, starts later; `valid`: in force today; `expired`: its date passed or its case closed; `revoked`: the person withdrew it; `voided`: recorded in error.',
    }),
    id: z.uuid(),
    participantId: z.uuid(),
    organisationId: z.uuid(),
    dataClasses: z.array(z.enum(DATA_CLASSES)),
    purpose: z.enum(CONSENT_PURPOSES),
    validFrom: z.string(),
    validUntil: z.string().nullable(),
    untilCaseId: z.uuid().nullable(),
    caseId: z.uuid().nullable(),
    criminalJustice: z.boolean(),
    signedMethod: z.enum(SIGNED_METHODS),
    witness: z.string(),
    textVersion: z.string(),
    recordedByOrganisationId: z.uuid().openapi({ description: 'Who recorded it; when `proposed`, the named organisation itself, which proposed it.' }),
    recordedAt: z.string(),
    proposed: z.boolean().openapi({ description: 'Proposed by the organisation it names: valid only once the case owner or the record owner confirms it.' }),
    confirmedByOrganisationId: z.uuid().nullable(),
    confirmedAt: z.string().nullable(),
    revokedByOrganisationId: z.uuid().nullable(),
    revokedAt: z.string().nullable(),
    revocationReason: z.string().nullable(),
    voidedByOrganisationId: z.uuid().nullable(),
    voidedAt: z.string().nullable(),
    voidReason: z.string().nullable(),
    validNow: z.boolean(),
  })
  .openapi('Consent');

export const RevokeConsentSchema = z.strictObject({ reason: z.string().trim().min(2).max(1000) }).openapi('RevokeConsent');

export const VoidConsentSchema = z
  .strictObject({ reason: z.string().trim().min(2).max(1000).openapi({ description: 'Why it was recorded in error (kept on the consent).' }) })
  .openapi('VoidConsent');
