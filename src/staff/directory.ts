import { and, arrayOverlaps, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { organisationStaff } from '../../db/schema.js';
import type { Actor } from '../auth/authenticator.js';
import { NON_PERSONAL_ROLES, ROLES, type Role } from '../domain.js';
import { summariseError, type Logger } from '../logger.js';
import { afterKey, decodeCursor, toPage } from '../pagination.js';
import { validationFailed } from '../errors.js';

/**
 * Who an organisation's caseworkers are. The service has no user accounts of its own: people are
 * the token subjects (`sub`) its identity provider vouches for. So the organisation's staff are
 * the subjects the service has seen with a valid token for that organisation, in a role that works
 * with people (not admin or auditor): each is recorded the first time, with the token's `name`
 * and roles, and its `last_seen_at` refreshed at most hourly per person and instance (and at once
 * when the name or roles change). Signing in to the workspace is such a request, so everyone who
 * has signed in is on the list; so is anyone who has used the API.
 */
export const CASEWORKER_ROLES: readonly Role[] = ROLES.filter((role) => !NON_PERSONAL_ROLES.includes(role));

const REFRESH_MS = 3_600_000;
const MAX_REMEMBERED = 10_000;

export type StaffDirectory = { seen(db: Executor, actor: Actor, now: Date): Promise<void> };

export function createStaffDirectory(logger: Logger): StaffDirectory {
  // What this instance last wrote per person, so that a request does not write every time.
  const written = new Map<string, { at: number; fingerprint: string }>();
  return {
    async seen(db, actor, now) {
      const roles = actor.roles.filter((role) => CASEWORKER_ROLES.includes(role));
      if (roles.length === 0) return;
      const key = `${actor.organisation.id}\u0000${actor.sub}`;
      const fingerprint = JSON.stringify([actor.name ?? null, roles]);
      const last = written.get(key);
      if (last && last.fingerprint === fingerprint && now.getTime() - last.at < REFRESH_MS) return;
      try {
        await db
          .insert(organisationStaff)
          .values({ organisationId: actor.organisation.id, sub: actor.sub, name: actor.name ?? null, roles, firstSeenAt: now, lastSeenAt: now })
          .onConflictDoUpdate({ target: [organisationStaff.organisationId, organisationStaff.sub], set: { name: actor.name ?? null, roles, lastSeenAt: now } });
      } catch (error) {
        // The request goes on (a database that is down answers it anyway); tried again next time.
        logger.warn('could not record a caseworker as seen', { organisationId: actor.organisation.id, error: summariseError(error) });
        return;
      }
      if (written.size >= MAX_REMEMBERED) written.clear();
      written.set(key, { at: now.getTime(), fingerprint });
    },
  };
}

export type StaffRow = typeof organisationStaff.$inferSelect;

/** One of the organisation's caseworkers, or undefined. */
export async function findCaseworker(db: Executor, organisationId: string, sub: string): Promise<StaffRow | undefined> {
  const [row] = await db
    .select()
    .from(organisationStaff)
    .where(and(eq(organisationStaff.organisationId, organisationId), eq(organisationStaff.sub, sub), arrayOverlaps(organisationStaff.roles, [...CASEWORKER_ROLES])));
  return row;
}

const sortKey = sql<string>`lower(coalesce(${organisationStaff.name}, ${organisationStaff.sub}))`;

/** The organisation's caseworkers, by name (the subject where the token had none). */
export async function listCaseworkers(db: Executor, organisationId: string, query: { limit: number; cursor?: string | undefined }) {
  const after = decodeCursor(query.cursor, 2);
  if (after && !after.every((part) => typeof part === 'string'))
    throw validationFailed('The cursor is not valid.', [{ path: 'query.cursor', message: 'Not a cursor returned by this list.' }]);
  const rows = await db
    .select({ sub: organisationStaff.sub, name: organisationStaff.name, roles: organisationStaff.roles, lastSeenAt: organisationStaff.lastSeenAt, key: sortKey })
    .from(organisationStaff)
    .where(
      and(
        eq(organisationStaff.organisationId, organisationId),
        arrayOverlaps(organisationStaff.roles, [...CASEWORKER_ROLES]),
        afterKey('asc', [sortKey, organisationStaff.sub], after),
      ),
    )
    .orderBy(asc(sortKey), asc(organisationStaff.sub))
    .limit(query.limit + 1);
  const page = toPage(rows, query.limit, (row) => [row.key, row.sub]);
  return {
    items: page.items.map((row) => ({ sub: row.sub, name: row.name, roles: row.roles as Role[], lastSeenAt: row.lastSeenAt.toISOString() })),
    nextCursor: page.nextCursor,
  };
}
