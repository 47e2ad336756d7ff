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

/**
 * The name search's keys per organisation (migration 0015): one row for each person and each
 * organisation that owns them or is or was a party to one of their cases, with the person's folded
 * name, and a GIN index on its keys (`name_keys`) each behind the last 12 hex digits of the
 * organisation's id. A caller who sees only its own people and parties (no coordinator role)
 * looks its words up here: posting lists as long as the organisation's own people, where a given
 * name's own list is a country's. Written only by the database's triggers (new people, new
 * parties, a changed name), never by the service; rows are only ever added, so it lists a superset
 * of every such caller's scope, which the search then checks in full. No unique key: two
 * transactions adding the same party at once both write their row instead of one waiting for the
 * other (a wait in the middle of a case's transaction is what deadlocked in bench/README.md's
 * eleventh pass).
 */
export const participantNameScopes = pgTable(
  'participant_name_scopes',
  {
    participantId: uuid('participant_id')
      .notNull()
      .references(() => participants.id, { onDelete: 'cascade' }),
    organisationId: uuid('organisation_id').notNull(),
    /** The person's `sort_name` (their folded name), kept by the triggers. */
    sortName: text('sort_name').notNull(),
  },
  (t) => [
    index('participant_name_scopes_participant_idx').on(t.participantId, t.organisationId),
    // The keys exist only here: the name's keys behind the organisation (migration 0015's functions).
    index('participant_name_scopes_keys_idx')
      .using('gin', sql`"public"."cadap_scoped_words"(${t.organisationId}, "public"."cadap_name_prefixes"(${t.sortName}))`)
      .with({ fastupdate: 'off' }),
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
