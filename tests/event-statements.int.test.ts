import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';
import { databaseWrites, statementCounter } from './helpers/statements.js';
import { onPostgres } from './helpers/test-database.js';

/**
 * How many statements an event costs (issue 18): the bench's drug test on an enrolled prisoner,
 * counted through drizzle on whichever database the tests run on, from the token to the answer.
 * BEGIN and COMMIT are the driver's and not counted. A change that adds a round trip to every
 * event fails here; one that removes one lowers the bound.
 */
let t: TestContext;
let r: Region;
let counter: ReturnType<typeof statementCounter>;

beforeAll(async () => {
  t = await createTestContext();
  counter = statementCounter(t.db);
  r = await createRegion(t);
});
afterAll(() => t.close());

/**
 * The case read with everything the answer needs and the engine's facts (without a lock: a drug
 * test is an observation, src/cases/service.ts), then one statement that changes the case at the
 * version read, inserts the history row and appends the audit row (was 16, then 6 with the head
 * locked on its own, then 5 with the facts in a statement of their own, then 4 in a transaction
 * that locked the case with its load).
 */
const EVENT_STATEMENTS = 2;

describe('statements per event', () => {
  it(`a drug test is at most ${EVENT_STATEMENTS} statements, and the answer is the updated case`, async () => {
    const target = await r.enrolled('Counted');
    // The first event warms what is built once per process (nothing the count should depend on, but it must not flatter it either).
    const { result: response, statements } = await counter.during(() => r.drugTest(target.id, target.version));
    expect(response.status, response.text).toBe(201);
    expect(response.json.case).toMatchObject({ id: target.id, version: target.version + 1, state: 'enrolled' });
    expect(response.json.event).toMatchObject({ type: 'DRUG_TEST_RECORDED', version: target.version + 1, data: { result: 'negative' } });
    expect(statements.length, statements.join('\n')).toBeGreaterThan(0);
    expect(statements.length, statements.join('\n')).toBeLessThanOrEqual(EVENT_STATEMENTS);
    const again = await counter.during(() => r.drugTest(target.id, target.version + 1));
    expect(again.result.status).toBe(201);
    expect(again.statements.length, again.statements.join('\n')).toBeLessThanOrEqual(EVENT_STATEMENTS);
  });

  it('a stale version is refused on the read alone, and nothing is written', async () => {
    const target = await r.enrolled('Counted');
    const { result, statements } = await counter.during(() => r.drugTest(target.id, target.version - 1));
    expect(result.status).toBe(409);
    expect(result.json).toMatchObject({ code: 'STALE_VERSION', currentVersion: target.version });
    expect(statements.length, statements.join('\n')).toBe(1);
  });
});

describe('the facts of an event', () => {
  it('are read with the locked case, also when the case’s data names an organisation that is not a party (a patronage case’s probation service)', async () => {
    const person = await r.participant('prison', 'Handed over');
    await r.consent(person.id, r.orgs.ngo);
    const handover = await r.handover(person.id);
    expect(handover.status, handover.text).toBe(201);
    expect(handover.json.parties).not.toContainEqual(expect.objectContaining({ organisationId: r.orgs.probation.id }));
    const { result, statements } = await counter.during(() => r.send('ngo', handover.json.id, 'DECLINED', { reason: 'No capacity' }));
    expect(result.status, result.text).toBe(201);
    expect(result.json.case.state).toBe('declined');
    // The holidays are among the facts: read once, by the statement that locks the case.
    const withFacts = statements.filter((statement) => statement.includes('"holidays"'));
    expect(withFacts, statements.join('\n')).toHaveLength(1);
    expect(withFacts[0]).toContain('for update');
  });
});

/**
 * Round trips, on PostgreSQL: the case load with the engine's facts, then the statement that
 * writes the observation and its audit row; no BEGIN or COMMIT (was six: the append went out on
 * its own after the two writes; then five: the facts were a round trip of their own; then four:
 * BEGIN, the locked load, the writes with the append, COMMIT).
 */
const EVENT_ROUND_TRIPS = 2;

describe.runIf(onPostgres)('round trips per event', () => {
  it(`a drug test waits for PostgreSQL ${EVENT_ROUND_TRIPS} times`, async () => {
    const target = await r.enrolled('Counted');
    const port = Number(new URL(process.env.TEST_DATABASE_URL!).port || 5432);
    // A statement's first run on a connection asks PostgreSQL for its parameter types first (a round
    // trip more), and the pool hands out its connections in turn: the fewest of a few events, after
    // two that prepare, is the steady state.
    let version = target.version;
    const counts: number[] = [];
    for (let run = 0; run < 6; run += 1) {
      const { result, writes } = await databaseWrites(port, () => r.drugTest(target.id, version));
      expect(result.status, result.text).toBe(201);
      expect(result.json.case).toMatchObject({ id: target.id, version: version + 1 });
      version += 1;
      if (run >= 2) counts.push(writes);
    }
    expect(Math.min(...counts), counts.join(', ')).toBe(EVENT_ROUND_TRIPS);
  });
});

describe('statements per read', () => {
  it('a case read is the case load and its audit row, with the consents its classes depend on read in the load', async () => {
    const target = await r.enrolled('Counted');
    // The prison's part in a unit enrolment shows notes only under a consent: the policy needs the viewer's consents.
    const { result, statements } = await counter.during(() => t.request('GET', `/cases/${target.id}`, { token: r.tokens.prison }));
    expect(result.status, result.text).toBe(200);
    expect(result.json).toMatchObject({ id: target.id, state: 'enrolled' });
    expect(statements.length, statements.join('\n')).toBe(2);
    expect(statements[0]).toContain('consents');
    expect(statements[1]).toContain('audit_events');
  });
});
