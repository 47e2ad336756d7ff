import { sql } from 'drizzle-orm';
import { bigserial, check, date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
};

export const organisations = pgTable(
  'organisations',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    country: text('country').notNull(),
    region: text('region').notNull(),
    timeZone: text('time_zone').notNull(),
    locale: text('locale').notNull(),
    notificationEmails: jsonb('notification_emails').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    certificationValidUntil: date('certification_valid_until', { mode: 'string' }),
    beds: integer('beds'),
    defaultMaxStayDays: integer('default_max_stay_days'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('organisations_name_key').on(sql`lower(${t.name})`),
    index('organisations_region_kind_idx').on(t.region, t.kind),
    // A region's coordinator is *the* coordinator organisation with that region code.
    uniqueIndex('organisations_region_coordinator_key').on(t.region).where(sql`${t.kind} = 'coordinator'`),
    check('organisations_beds_check', sql`${t.beds} is null or ${t.beds} >= 0`),
  ],
);

export const prisonUnits = pgTable(
  'prison_units',
  {
    id: uuid('id').primaryKey(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    places: integer('places').notNull(),
    ...timestamps,
  },
  (t) => [
    index('prison_units_organisation_idx').on(t.organisationId),
    uniqueIndex('prison_units_name_key').on(t.organisationId, sql`lower(${t.name})`),
    check('prison_units_places_check', sql`${t.places} >= 0`),
  ],
);

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
    contact: jsonb('contact').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    custody: jsonb('custody').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    legal: jsonb('legal').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    compliance: jsonb('compliance').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    health: jsonb('health').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    social: jsonb('social').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    version: integer('version').notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('participants_reference_code_key').on(t.referenceCode),
    index('participants_owner_idx').on(t.ownerOrganisationId),
    index('participants_national_id_digest_idx').on(t.nationalIdDigest),
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

/**
 * The audit trail: one row per read or write of personal data and per denial.
 * Append-only; the sharing issue adds the hash chain and signed checkpoints.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    actorSub: text('actor_sub').notNull(),
    organisationId: uuid('organisation_id'),
    roles: jsonb('roles').$type<string[]>().notNull(),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id'),
    participantId: uuid('participant_id'),
    dataClasses: jsonb('data_classes').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    purpose: text('purpose'),
    basis: text('basis'),
    requestId: text('request_id'),
    outcome: text('outcome').notNull(),
  },
  (t) => [
    index('audit_events_participant_idx').on(t.participantId, t.seq),
    index('audit_events_organisation_idx').on(t.organisationId, t.seq),
  ],
);

/** Server-side secrets that must survive restarts and be shared by every instance (e.g. the national-id HMAC key). */
export const serviceSecrets = pgTable('service_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export const schema = { organisations, prisonUnits, participants, participantNotes, auditEvents, serviceSecrets };
