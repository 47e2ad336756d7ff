import { boolean, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { organisationStaff, organisations, prisonUnits } from './organisations.js';
import { participants } from './participants.js';

// Cases, their parties and their history, and the coordinator's break-glass grants on a case.

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

/**
 * The named caseworker of a case, one per party organisation: each organisation on the case
 * assigns one of its own staff (PUT /cases/:id/assignee). Not protocol state: the history and
 * the other parties do not see it.
 */
export const caseAssignees = pgTable(
  'case_assignees',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    assigneeSub: text('assignee_sub').notNull(),
    assignedBySub: text('assigned_by_sub').notNull(),
    assignedAt: timestamp('assigned_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.organisationId] }),
    // The assignee is one of the organisation's own staff: the database refuses anyone else.
    foreignKey({ columns: [t.organisationId, t.assigneeSub], foreignColumns: [organisationStaff.organisationId, organisationStaff.sub], name: 'case_assignees_staff_fk' }),
    // "My cases": GET /cases?assignee=me.
    index('case_assignees_assignee_idx').on(t.organisationId, t.assigneeSub),
  ],
);
