import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';
import { onPostgres } from './helpers/test-database.js';

/**
 * Cases opened at the same time for the same person all open. Opening a case takes a key-share
 * lock on the person's row (the foreign key), which openings share; a change that made each
 * opening update that row mid-transaction (a trigger listing the case's parties on the person,
 * tried in bench/README.md's "An eleventh pass") made two of them deadlock, and PostgreSQL's
 * deadlock detector answered one with an error: a 500 for the caller. PGlite runs one transaction
 * at a time, so this is PostgreSQL's test.
 */
describe.skipIf(!onPostgres)('opening cases for one person concurrently (PostgreSQL)', () => {
  let t: TestContext;
  let r: Region;
  beforeAll(async () => {
    t = await createTestContext();
    r = await createRegion(t);
  });
  afterAll(() => t.close());

  // Long enough for PostgreSQL to find the deadlocks (one second each) and answer, should any come back.
  it('every opening succeeds: no deadlock, no 500', { timeout: 120_000 }, async () => {
    const statuses: number[] = [];
    for (let round = 0; round < 4; round += 1) {
      const person = await r.participant('court', `Concurrent${round}`);
      const openings = await Promise.all(
        Array.from({ length: 8 }, (_, n) =>
          r.open(
            'court',
            'court-ordered-treatment',
            person.id,
            [
              { part: 'probation', organisationId: r.orgs.probation.id },
              { part: 'provider', organisationId: r.orgs.provider.id },
            ],
            { caseNumber: `C-${round}-${n}`, orderDate: '2026-03-01', programme: 'ost', durationDays: 180 },
          ),
        ),
      );
      statuses.push(...openings.map((opening) => opening.status));
    }
    expect(statuses.filter((status) => status !== 201)).toEqual([]);
    expect(statuses).toHaveLength(32);
  });
});
