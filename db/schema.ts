import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';

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
    notificationEmails: jsonb('notification_emails')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    certificationValidUntil: date('certification_valid_until', { mode: 'string' }),
    beds: integer('beds'),
    defaultMaxStayDays: integer('default_max_stay_days'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('organisations_name_key').on(sql`lower(${t.name})`),
    index('organisations_region_kind_idx').on(t.region, t.kind),
    // A region's coordinator is *the* coordinator organisation with that region code.
    uniqueIndex('organisations_region_coordinator_key')
      .on(t.region)
      .where(sql`${t.kind} = 'coordinator'`),
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
 * The audit trail: one row per read or write of personal data and per denial. Append-only
 * (triggers refuse UPDATE, DELETE and TRUNCATE) and hash-chained: each row belongs to one of
 * several independent chains, at a position, and carries SHA-256 over its canonical content
 * and the previous row's hash in that chain.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    chain: text('chain').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    actorSub: text('actor_sub').notNull(),
    organisationId: uuid('organisation_id'),
    roles: jsonb('roles').$type<string[]>().notNull(),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id'),
    participantId: uuid('participant_id'),
    dataClasses: jsonb('data_classes')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    purpose: text('purpose'),
    basis: text('basis'),
    requestId: text('request_id'),
    outcome: text('outcome').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('audit_events_chain_position_key').on(t.chain, t.position),
    index('audit_events_participant_idx').on(t.participantId, t.seq),
    index('audit_events_organisation_idx').on(t.organisationId, t.seq),
    index('audit_events_request_idx').on(t.requestId),
  ],
);

/** The head of each audit chain; a transaction appends to a chain while holding its row lock. */
export const auditChains = pgTable('audit_chains', {
  chain: text('chain').primaryKey(),
  position: bigint('position', { mode: 'number' }).notNull(),
  headHash: text('head_hash').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** Signed checkpoints: a chain's position and head hash at a time, signed with the service's checkpoint key. */
export const auditCheckpoints = pgTable(
  'audit_checkpoints',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chain: text('chain').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    headHash: text('head_hash').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    keyId: text('key_id').notNull(),
    signature: text('signature').notNull(),
  },
  (t) => [index('audit_checkpoints_chain_idx').on(t.chain, t.position)],
);

/** Break-glass: a coordinator's time-limited access to one case's participant, with its written reason. */
export const breakGlassGrants = pgTable(
  'break_glass_grants',
  {
    id: uuid('id').primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    participantId: uuid('participant_id')
      .notNull()
      .references(() => participants.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    actorSub: text('actor_sub').notNull(),
    reason: text('reason').notNull(),
    grantedAt: timestamp('granted_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('break_glass_grants_participant_idx').on(t.participantId, t.organisationId, t.expiresAt)],
);

/** Server-side secrets that must survive restarts and be shared by every instance (e.g. the national-id HMAC key). */
export const serviceSecrets = pgTable('service_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * A case: one run of one protocol for one participant. The state only ever changes through
 * an event (case_events), under an optimistic `version` check.
 */
export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey(),
    protocol: text('protocol').notNull(),
    protocolVersion: integer('protocol_version').notNull(),
    participantId: uuid('participant_id')
      .notNull()
      .references(() => participants.id),
    ownerOrganisationId: uuid('owner_organisation_id')
      .notNull()
      .references(() => organisations.id),
    state: text('state').notNull(),
    previousState: text('previous_state'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    version: integer('version').notNull(),
    /** The case whose event opened this one (chaining). */
    parentCaseId: uuid('parent_case_id').references((): AnyPgColumn => cases.id),
    /** Denormalised for capacity: the unit (unit enrolment) or the house (halfway house) whose place it holds. */
    unitId: uuid('unit_id').references(() => prisonUnits.id),
    houseId: uuid('house_id').references(() => organisations.id),
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }).notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'date' }),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    index('cases_participant_idx').on(t.participantId),
    index('cases_owner_idx').on(t.ownerOrganisationId),
    index('cases_protocol_state_idx').on(t.protocol, t.state),
    index('cases_parent_idx').on(t.parentCaseId),
    index('cases_unit_state_idx').on(t.unitId, t.state),
    index('cases_house_state_idx').on(t.houseId, t.state),
  ],
);

export const caseParties = pgTable(
  'case_parties',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    part: text('part').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    assignedAt: timestamp('assigned_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.part] }), index('case_parties_organisation_idx').on(t.organisationId, t.caseId)],
);

/** The append-only history: one row per accepted event, numbered by the case version it produced. */
export const caseEvents = pgTable(
  'case_events',
  {
    id: uuid('id').primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    version: integer('version').notNull(),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    part: text('part').notNull(),
    actorSub: text('actor_sub').notNull(),
    organisationId: uuid('organisation_id').references(() => organisations.id),
    fromState: text('from_state'),
    toState: text('to_state').notNull(),
    observation: boolean('observation').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('case_events_case_version_key').on(t.caseId, t.version),
    // The indicators read events by type and date.
    index('case_events_type_at_idx').on(t.type, t.at),
  ],
);

/**
 * Deadlines are rows, never timers: each is due at a time and concerns organisations.
 * `dedupe_key` makes scheduling idempotent; the notification issue turns due rows into messages.
 * `alert` rows are immediate notices raised by an event (due when raised).
 */
export const deadlines = pgTable(
  'deadlines',
  {
    id: uuid('id').primaryKey(),
    /** The case it belongs to; null for notices about a person rather than a case (a possible duplicate). */
    caseId: uuid('case_id').references(() => cases.id),
    participantId: uuid('participant_id')
      .notNull()
      .references(() => participants.id),
    rule: text('rule').notNull(),
    kind: text('kind').notNull(),
    dueAt: timestamp('due_at', { withTimezone: true, mode: 'date' }).notNull(),
    concerns: uuid('concerns').array().notNull(),
    status: text('status').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('deadlines_dedupe_key').on(t.dedupeKey),
    index('deadlines_case_rule_idx').on(t.caseId, t.rule, t.status),
    index('deadlines_status_due_idx').on(t.status, t.dueAt),
    index('deadlines_concerns_idx').using('gin', t.concerns),
  ],
);

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

/** Public holidays per country, for working-day deadlines; admins edit them. */
export const holidays = pgTable(
  'holidays',
  {
    country: text('country').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    name: text('name').notNull(),
  },
  (t) => [primaryKey({ columns: [t.country, t.date] })],
);

/**
 * The outbox: one e-mail per due deadline row and recipient organisation. `dedupe_key` makes a
 * tick from two instances, or a tick catching up after downtime, create each message once.
 * Dispatchers claim rows with FOR UPDATE SKIP LOCKED and a lease; the outbox is the one place
 * that retries.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey(),
    dedupeKey: text('dedupe_key').notNull(),
    deadlineId: uuid('deadline_id').references(() => deadlines.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    rule: text('rule').notNull(),
    locale: text('locale').notNull(),
    toAddresses: jsonb('to_addresses').$type<string[]>().notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    messageId: text('message_id').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull(),
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [uniqueIndex('outbox_dedupe_key').on(t.dedupeKey), index('outbox_status_next_idx').on(t.status, t.nextAttemptAt)],
);

/** The in-app inbox: one notice per due deadline row and organisation. */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey(),
    dedupeKey: text('dedupe_key').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    deadlineId: uuid('deadline_id').references(() => deadlines.id),
    caseId: uuid('case_id').references(() => cases.id),
    rule: text('rule').notNull(),
    kind: text('kind').notNull(),
    participantReference: text('participant_reference').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    link: text('link'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    readAt: timestamp('read_at', { withTimezone: true, mode: 'date' }),
    readBySub: text('read_by_sub'),
  },
  (t) => [uniqueIndex('notifications_dedupe_key').on(t.dedupeKey), index('notifications_organisation_idx').on(t.organisationId, t.createdAt)],
);

/**
 * Request counts per rate-limit bucket and fixed window, shared by every instance on this
 * database. Instances add their local counts in batches (src/http/rate-limit.ts); the bucket
 * is a digest of the route group and the token subject or client address, never the raw value.
 */
export const rateLimitWindows = pgTable(
  'rate_limit_windows',
  {
    bucket: text('bucket').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true, mode: 'date' }).notNull(),
    windowEnd: timestamp('window_end', { withTimezone: true, mode: 'date' }).notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] }), index('rate_limit_windows_end_idx').on(t.windowEnd)],
);

/**
 * Web workspace sessions (src/web/session.ts), so that sign-out, an admin's revocation and the
 * idle and absolute lifetimes end a session on the server, on every instance. The cookie holds
 * the session id sealed with the access token; the row holds only a digest of the id (a
 * database reader cannot take over a session), the organisation (for revocation) and times:
 * no token, no name, no personal data.
 */
export const webSessions = pgTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** The absolute end: sign-in + WEB_SESSION_MAX_HOURS, or the token's exp if sooner. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
    /** `sign-out`, `revoked` (an admin ended the organisation's sessions), `idle`, `token-refused`. */
    endReason: text('end_reason'),
  },
  (t) => [
    index('web_sessions_open_organisation_idx')
      .on(t.organisationId)
      .where(sql`${t.endedAt} is null`),
    index('web_sessions_expires_idx').on(t.expiresAt),
  ],
);

export const schema = {
  organisations,
  prisonUnits,
  participants,
  participantNotes,
  auditEvents,
  serviceSecrets,
  cases,
  caseParties,
  caseEvents,
  deadlines,
  consents,
  holidays,
  auditChains,
  auditCheckpoints,
  breakGlassGrants,
  outbox,
  notifications,
  rateLimitWindows,
  webSessions,
};
