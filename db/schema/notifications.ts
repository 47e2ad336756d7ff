import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { cases } from './cases.js';
import { deadlines } from './deadlines.js';
import { organisations } from './organisations.js';

// What a due deadline becomes: e-mails in the outbox and notices in the in-app inbox.

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
