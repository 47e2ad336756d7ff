import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';
import { organisations } from './organisations.js';

// Participants (personal data per data class) and the notes organisations write about them.

/**
 * A person. Personal data is held per data class, one JSON document each, so that
 * redaction is a matter of leaving whole columns out. `notes` live in their own table
 * because each note belongs to the organisation that wrote it.
 */
export const participants = pgTable(
  'participants',
  {
    id: uuid('id').primaryKey(),
    referenceCode: text('reference_code').notNull(),
    ownerOrganisationId: uuid('owner_organisation_id')
      .notNull()
      .references(() => organisations.id),
    region: text('region').notNull(),
    /** HMAC of the normalised national id: finds possible duplicates without a readable copy. */
    nationalIdDigest: text('national_id_digest'),
    identity: jsonb('identity').$type<Record<string, unknown>>().notNull(),
    contact: jsonb('contact')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    custody: jsonb('custody')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    legal: jsonb('legal')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    compliance: jsonb('compliance')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    health: jsonb('health')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    social: jsonb('social')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    version: integer('version').notNull().default(1),
    ...timestamps,
    /**
     * For the name search (POST /participants/search), computed by the database from `identity`
     * (the SQL functions of migration 0010): every prefix of every word of the folded name (one
     * Latin spelling, case and accents ignored, Cyrillic transliterated), so "every word typed
     * begins a word of the name" is `name_keys @> words`, served by a GIN index on PGlite and
     * PostgreSQL alike (pg_trgm would need an extension loaded on both), and the folded name the
     * results are sorted by.
     */
    nameKeys: text('name_keys')
      .array()
      .generatedAlwaysAs(sql`"public"."cadap_name_keys"("identity")`),
    sortName: text('sort_name').generatedAlwaysAs(sql`"public"."cadap_sort_name"("identity")`),
  },
  (t) => [
    uniqueIndex('participants_reference_code_key').on(t.referenceCode),
    index('participants_owner_idx').on(t.ownerOrganisationId),
    index('participants_national_id_digest_idx').on(t.nationalIdDigest),
    index('participants_name_keys_idx').using('gin', t.nameKeys).with({ fastupdate: 'off' }),
    index('participants_date_of_birth_idx').on(sql`(${t.identity} ->> 'dateOfBirth')`),
    index('participants_region_idx').on(t.region),
  ],
);

export const participantNotes = pgTable(
  'participant_notes',
  {
    id: uuid('id').primaryKey(),
    participantId: uuid('participant_id')
      .notNull()
      .references(() => participants.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    authorSub: text('author_sub').notNull(),
    text: text('text').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('participant_notes_participant_idx').on(t.participantId, t.createdAt)],
);
