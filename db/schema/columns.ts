import { timestamp } from 'drizzle-orm/pg-core';

/** The creation and last-change times most registry tables carry. */
export const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
};
