import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../db/client.js';
import type { Actor } from '../auth/authenticator.js';
import { ORGANISATION_KINDS, ROLES } from '../domain.js';
import { scopeCondition, scopeShape, type ScopeValues } from './scope.js';

/**
 * The search prepares one statement per scope shape (src/participants/search.ts) and runs it for
 * every actor of that shape with the actor's values as placeholders. That is safe only while the
 * scope's SQL depends on nothing of the actor but what `scopeShape` names: two actors of one shape
 * must get the very same statement, whatever their organisation, region, kind and roles.
 */
const db = drizzle.mock() as unknown as Executor;
const dialect = (db as unknown as { dialect: { sqlToQuery(statement: unknown): { sql: string; params: unknown[] } } }).dialect;
const values: ScopeValues = {
  organisationId: sql`${sql.placeholder('organisationId')}::uuid`,
  region: sql`${sql.placeholder('region')}::text`,
  now: sql`${sql.placeholder('now')}::timestamptz`,
  windowStart: sql`${sql.placeholder('windowStart')}::timestamptz`,
};

const actorArb = fc.record({
  sub: fc.string(),
  name: fc.constant(undefined),
  organisation: fc.record({
    id: fc.uuid(),
    kind: fc.constantFrom(...ORGANISATION_KINDS),
    name: fc.string(),
    country: fc.constantFrom('KZ', 'KG'),
    region: fc.constantFrom('KZ-PAV', 'KG-BIS'),
  }),
  roles: fc.subarray([...ROLES], { minLength: 1 }),
  expiresAt: fc.constant(new Date('2027-01-01T00:00:00Z')),
}) as fc.Arbitrary<Actor>;

describe('the scope shape', () => {
  it('names everything the scope statement depends on: one shape, one statement', () => {
    fc.assert(
      fc.property(actorArb, actorArb, fc.constantFrom('identity' as const, undefined), (a, b, dataClass) => {
        const statement = (actor: Actor) => dialect.sqlToQuery(scopeCondition(db, actor, values, dataClass));
        if (scopeShape(a, dataClass) === scopeShape(b, dataClass)) expect(statement(a)).toEqual(statement(b));
        else expect(statement(a)).not.toEqual(statement(b));
      }),
      { numRuns: 2000 },
    );
  });
});
