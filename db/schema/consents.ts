import { sql } from 'drizzle-orm';
import { boolean, check, date, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';
import { organisations } from './organisations.js';
import { participants } from './participants.js';

// Sharing consents.

/**
 * A participant's sharing consent: a named organisation may receive named data classes for
 * a named purpose, from a date until a date or until a case closes. Revocation is a
 * timestamp, never a delete.
 */
export const consents = pgTable(
  'consents',
  {
    id: uuid('id').primaryKey(),
    participantId: uuid('participant_id')
      .notNull()
      .references(() => participants.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    dataClasses: jsonb('data_classes').$type<string[]>().notNull(),
    purpose: text('purpose').notNull(),
    validFrom: date('valid_from', { mode: 'string' }).notNull(),
    validUntil: date('valid_until', { mode: 'string' }),
    untilCaseId: uuid('until_case_id').references(() => cases.id),
    /** The case it was recorded on; a court-ordered case makes it a criminal-justice consent. */
    caseId: uuid('case_id').references(() => cases.id),
    signedMethod: text('signed_method').notNull(),
    witness: text('witness').notNull(),
    textVersion: text('text_version').notNull(),
    recordedByOrganisationId: uuid('recorded_by_organisation_id')
      .notNull()
      .references(() => organisations.id),
    recordedBySub: text('recorded_by_sub').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    revokedBySub: text('revoked_by_sub'),
    revokedByOrganisationId: uuid('revoked_by_organisation_id').references(() => organisations.id),
    revocationReason: text('revocation_reason'),
    /**
     * Attestation (DOMAIN.md, "Consent attestation"): recorded by the named organisation itself,
     * it is a proposal, pending and disclosing nothing until the case owner or the record owner
     * (never the named organisation) confirms it.
     */
    proposed: boolean('proposed').notNull().default(false),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true, mode: 'date' }),
    confirmedBySub: text('confirmed_by_sub'),
    confirmedByOrganisationId: uuid('confirmed_by_organisation_id').references(() => organisations.id),
    /** Void: recorded in error (not a revocation; allowed on a criminal-justice consent), with its reason. */
    voidedAt: timestamp('voided_at', { withTimezone: true, mode: 'date' }),
    voidedBySub: text('voided_by_sub'),
    voidedByOrganisationId: uuid('voided_by_organisation_id').references(() => organisations.id),
    voidReason: text('void_reason'),
  },
  (t) => [
    index('consents_participant_idx').on(t.participantId, t.organisationId),
    // The named organisation never attests its own consent: it cannot confirm one, and what it
    // records is a proposal (a trigger of migration 0008 checks new rows: consents recorded before
    // attestation existed stay as they were).
    check('consents_confirmed_by_another', sql`${t.confirmedByOrganisationId} is null or ${t.confirmedByOrganisationId} <> ${t.organisationId}`),
    check('consents_void_has_reason', sql`${t.voidedAt} is null or ${t.voidReason} is not null`),
  ],
);
