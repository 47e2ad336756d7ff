import { date, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';
import { participants } from './participants.js';

// Deadlines (rows, never timers) and the public holidays working-day deadlines count with.

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
