import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

let t: TestContext;
let r: Region;
let unitId: string;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, { token: r.tokens.prison, body: { kind: 'atlantis', name: 'Atlantis', places: 1 } });
  unitId = unit.json.id;
});
afterAll(() => t.close());

const admission = { date: '2026-03-02', consentToTreatment: true, unitAgreementSigned: true };

describe('unit enrolment over HTTP', () => {
  it('screened → admitted to a full unit → waitlisted → admitted when a place frees → expelled', async () => {
    const first = await r.participant('prison', 'First');
    const second = await r.participant('prison', 'Second');
    const a = await r.open('prison', 'unit-enrolment', first.id, [], { unitId, expectedReleaseDate: '2027-06-01' });
    expect(a.status).toBe(201);
    expect(a.json).toMatchObject({ state: 'applied', version: 1, yourParts: ['prison'], allowedEvents: ['PARTY_ASSIGNED', 'SCREENED'] });
    const b = await r.open('prison', 'unit-enrolment', second.id, [], { unitId, expectedReleaseDate: '2027-06-01' });

    expect((await r.send('prison', a.json.id, 'SCREENED', { date: '2026-03-02', outcome: 'suitable' })).json.case.state).toBe('screened');
    expect((await r.send('prison', a.json.id, 'ADMITTED', admission)).json.case.state).toBe('enrolled');
    expect((await r.send('prison', b.json.id, 'SCREENED', { date: '2026-03-02', outcome: 'suitable' })).json.case.state).toBe('screened');
    const waitlisted = await r.send('prison', b.json.id, 'ADMITTED', admission);
    expect(waitlisted.status).toBe(201);
    expect(waitlisted.json.case.state).toBe('waitlisted');

    const occupancy = await t.request('GET', `/organisations/${r.orgs.prison.id}/occupancy`, { token: r.tokens.prison });
    expect(occupancy.json.units).toEqual([expect.objectContaining({ unitId, places: 1, used: 1, free: 0, waiting: 1 })]);

    const released = await r.send('prison', a.json.id, 'RELEASED', { date: '2026-04-01' });
    expect(released.json.case).toMatchObject({ state: 'released', final: true, allowedEvents: [] });
    const freed = await r.deadlinesOf(b.json.id);
    expect(freed.filter((row) => row.rule === 'place_freed')).toEqual([expect.objectContaining({ kind: 'alert', concerns: [r.orgs.prison.id], status: 'open' })]);

    expect((await r.send('prison', b.json.id, 'ADMITTED', admission)).json.case.state).toBe('enrolled');
    const expelledWithoutReason = await r.send('prison', b.json.id, 'EXPELLED', { date: '2026-04-02' });
    expect(expelledWithoutReason.status).toBe(422);
    expect(expelledWithoutReason.json.errors[0].path).toBe('body.data.reason');
    const expelled = await r.send('prison', b.json.id, 'EXPELLED', { date: '2026-04-02', reason: 'Violence' });
    expect(expelled.json.case.state).toBe('expelled');
    const history = await t.request('GET', `/cases/${b.json.id}/events`, { token: r.tokens.prison });
    expect(history.json.items.map((event: { type: string }) => event.type)).toEqual(['CASE_OPENED', 'SCREENED', 'ADMITTED', 'ADMITTED', 'EXPELLED']);
  });
});
