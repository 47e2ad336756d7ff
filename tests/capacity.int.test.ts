import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases } from '../db/schema.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { onPostgres } from './helpers/test-database.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * Places and beds under concurrency. On PostgreSQL the requests run truly in parallel on
 * separate pool connections; the unit or house row lock makes them take turns.
 */
let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

const admission = { date: '2026-03-02', consentToTreatment: true, unitAgreementSigned: true };

async function screenedCase(unitId: string) {
  const person = await r.participant('prison');
  const opened = await r.open('prison', 'unit-enrolment', person.id, [], { unitId, expectedReleaseDate: '2027-06-01' });
  await r.send('prison', opened.json.id, 'SCREENED', { date: '2026-03-02', outcome: 'suitable' });
  return opened.json.id as string;
}

describe(`capacity races (${onPostgres ? 'PostgreSQL, parallel' : 'PGlite'})`, () => {
  it('racing ADMITTED for the last place: exactly one is enrolled, the others are waitlisted', async () => {
    for (let round = 0; round < 5; round += 1) {
      const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, { token: r.tokens.prison, body: { kind: 'clean_zone', name: `Race ${round}`, places: 1 } });
      const contenders = await Promise.all(Array.from({ length: 4 }, () => screenedCase(unit.json.id)));
      const responses = await Promise.all(
        contenders.map((id) => t.request('POST', `/cases/${id}/events`, { token: r.tokens.prison, body: { type: 'ADMITTED', data: admission, expectedVersion: 2 } })),
      );
      expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201]);
      const states = responses.map((response) => response.json.case.state).sort();
      expect(states).toEqual(['enrolled', 'waitlisted', 'waitlisted', 'waitlisted']);
      const enrolled = await t.db
        .select()
        .from(cases)
        .where(and(eq(cases.unitId, unit.json.id), eq(cases.state, 'enrolled')));
      expect(enrolled).toHaveLength(1);
      const occupancy = await t.request('GET', `/organisations/${r.orgs.prison.id}/occupancy`, { token: r.tokens.prison });
      expect(occupancy.json.units.find((item: { unitId: string }) => item.unitId === unit.json.id)).toMatchObject({ used: 1, free: 0, waiting: 3 });
    }
  });

  it('a freed place goes to the longest waiter: admitting someone else first needs a reason, recorded with the event', async () => {
    const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, { token: r.tokens.prison, body: { kind: 'atlantis', name: 'Queue', places: 1 } });
    const [holder, first, second] = [await screenedCase(unit.json.id), await screenedCase(unit.json.id), await screenedCase(unit.json.id)];
    expect((await r.send('prison', holder, 'ADMITTED', admission)).json.case.state).toBe('enrolled');
    expect((await r.send('prison', first, 'ADMITTED', admission)).json.case.state).toBe('waitlisted');
    // People join the queue at different moments: the test's clock stands still unless moved.
    t.clock.advance(60_000);
    expect((await r.send('prison', second, 'ADMITTED', admission)).json.case.state).toBe('waitlisted');
    // While the unit is full, the queue order does not matter: a later waiter may be re-admitted (still waitlisted).
    expect((await r.send('prison', second, 'ADMITTED', admission)).json.case.state).toBe('waitlisted');
    expect((await r.send('prison', holder, 'COMPLETED', { date: '2026-03-03' })).status).toBe(201);

    const jumped = await r.send('prison', second, 'ADMITTED', admission);
    expect(jumped.status).toBe(422);
    expect(jumped.json).toMatchObject({ code: 'EVENT_NOT_ALLOWED', guard: 'firstInQueueOrReason' });
    expect((await t.request('GET', `/cases/${second}`, { token: r.tokens.prison })).json.state).toBe('waitlisted');

    const withReason = await r.send('prison', second, 'ADMITTED', { ...admission, reason: 'Medical priority: detox completed' });
    expect(withReason.status, withReason.text).toBe(201);
    expect(withReason.json.case.state).toBe('enrolled');
    const history = await t.request('GET', `/cases/${second}/events`, { token: r.tokens.prison });
    expect(history.json.items.at(-1)).toMatchObject({ type: 'ADMITTED', data: { reason: 'Medical priority: detox completed' } });
    // The longest waiter needs no reason once a place is free again.
    expect((await r.send('prison', second, 'WITHDREW', { date: '2026-03-04' })).status).toBe(201);
    expect((await r.send('prison', first, 'ADMITTED', admission)).json.case.state).toBe('enrolled');
  });

  it('racing ACCEPTED for the last bed: one wins, the others get 409 CAPACITY_FULL; a freed bed counts again', async () => {
    const house = await t.organisation('halfway_house', { beds: 1 });
    const houseToken = await t.tokenFor(house, 'halfway_house_staff');
    const referrals: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const person = await r.participant('probation');
      const opened = await r.open('probation', 'halfway-house', person.id, [{ part: 'halfway_house', organisationId: house.id }], { expectedArrivalDate: '2026-04-01' });
      referrals.push(opened.json.id);
    }
    const responses = await Promise.all(
      referrals.map((id) => t.request('POST', `/cases/${id}/events`, { token: houseToken, body: { type: 'ACCEPTED', data: {}, expectedVersion: 1 } })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409]);
    for (const refused of responses.filter((response) => response.status === 409)) expect(refused.json.code).toBe('CAPACITY_FULL');
    const winner = referrals[responses.findIndex((response) => response.status === 201)]!;
    const loser = referrals[responses.findIndex((response) => response.status === 409)]!;
    const [loserRow] = await t.db.select().from(cases).where(eq(cases.id, loser));
    expect(loserRow).toMatchObject({ state: 'referred', version: 1 });

    const occupancy = await t.request('GET', `/organisations/${house.id}/occupancy`, { token: houseToken });
    expect(occupancy.json).toMatchObject({ beds: 1, used: 0, reserved: 1, waiting: 3 });

    // The winner does not arrive: the bed is free again for the next referral.
    await t.request('POST', `/cases/${winner}/events`, { token: houseToken, body: { type: 'NOT_ARRIVED', data: {}, expectedVersion: 2 } });
    const retry = await t.request('POST', `/cases/${loser}/events`, { token: houseToken, body: { type: 'ACCEPTED', data: {}, expectedVersion: 1 } });
    expect(retry.status).toBe(201);
  });

  it('a bed taken for one period is free for a stay that starts after it ends', async () => {
    const house = await t.organisation('halfway_house', { beds: 1, defaultMaxStayDays: 30 });
    const houseToken = await t.tokenFor(house, 'halfway_house_staff');
    const first = await r.open('probation', 'halfway-house', (await r.participant('probation')).id, [{ part: 'halfway_house', organisationId: house.id }], {
      expectedArrivalDate: '2026-04-01',
    });
    const later = await r.open('probation', 'halfway-house', (await r.participant('probation')).id, [{ part: 'halfway_house', organisationId: house.id }], {
      expectedArrivalDate: '2026-05-01',
    });
    const overlapping = await r.open('probation', 'halfway-house', (await r.participant('probation')).id, [{ part: 'halfway_house', organisationId: house.id }], {
      expectedArrivalDate: '2026-04-15',
    });
    expect((await t.request('POST', `/cases/${first.json.id}/events`, { token: houseToken, body: { type: 'ACCEPTED', data: {}, expectedVersion: 1 } })).status).toBe(201);
    expect((await t.request('POST', `/cases/${overlapping.json.id}/events`, { token: houseToken, body: { type: 'ACCEPTED', data: {}, expectedVersion: 1 } })).status).toBe(409);
    expect((await t.request('POST', `/cases/${later.json.id}/events`, { token: houseToken, body: { type: 'ACCEPTED', data: {}, expectedVersion: 1 } })).status).toBe(201);
  });
});
