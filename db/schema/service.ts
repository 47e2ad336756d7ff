import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organisations } from './organisations.js';

// State the service's instances share: server-side secrets, rate-limit windows, web workspace sessions.

/** Server-side secrets that must survive restarts and be shared by every instance (e.g. the national-id HMAC key). */
export const serviceSecrets = pgTable('service_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});

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
