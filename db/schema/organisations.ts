import { sql } from 'drizzle-orm';
import { check, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.js';

// The organisations of the network, their prison units and the staff seen signing in for them.

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
 * The organisation's staff as the service has seen them: each token subject (`sub`) it accepted
 * for the organisation, with the token's name and roles, when first and last seen (written by
 * src/staff/directory.ts, at most hourly per person and instance). It is who a case can be
 * assigned to within the organisation; no participant data.
 */
export const organisationStaff = pgTable(
  'organisation_staff',
  {
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    sub: text('sub').notNull(),
    name: text('name'),
    roles: text('roles').array().notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'date' }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.sub] })],
);
