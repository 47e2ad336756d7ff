import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holidays } from '../db/schema.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

describe('GET /deadlines: each organisation’s work queue', () => {
  it('lists what concerns the caller only, soonest first, with overdue and before filters', async () => {
    const person = await r.participant('court');
    const order = await r.courtOrder(person.id, { caseNumber: 'Q-1', orderDate: '2026-02-01', programme: 'detox', durationDays: 60 });
    expect(order.status).toBe(201);
    // Order date 1 Feb: intake overdue since 15 Feb (notifies probation and court); order ends 2 April, reminder 19 March.
    const court = await t.request('GET', '/deadlines', { token: r.tokens.court });
    expect(court.json.items.map((item: { rule: string; overdue: boolean }) => [item.rule, item.overdue])).toEqual([
      ['intake_overdue', true],
      ['order_ending', false],
    ]);
    expect(court.json.items[0]).toMatchObject({
      caseId: order.json.id,
      protocol: 'court-ordered-treatment',
      participantReference: person.referenceCode,
      kind: 'deadline',
      title: { en: 'No intake 14 days after the order' },
    });
    const overdue = await t.request('GET', '/deadlines?status=overdue', { token: r.tokens.probation });
    expect(overdue.json.items.map((item: { rule: string }) => item.rule)).toEqual(['intake_overdue']);
    const before = await t.request('GET', `/deadlines?before=${encodeURIComponent('2026-03-10T00:00:00Z')}`, { token: r.tokens.provider });
    expect(before.json.items).toEqual([]);
    const provider = await t.request('GET', '/deadlines', { token: r.tokens.provider });
    expect(provider.json.items.map((item: { rule: string }) => item.rule)).toEqual(['order_ending']);
    const stranger = await t.request('GET', '/deadlines', { token: r.tokens.ngo2 });
    expect(stranger.json).toEqual({ items: [], nextCursor: null });
  });

  it('pages with a cursor and validates its query', async () => {
    const page = await t.request('GET', '/deadlines?limit=1', { token: r.tokens.court });
    expect(page.json.items).toHaveLength(1);
    const next = await t.request('GET', `/deadlines?limit=1&cursor=${page.json.nextCursor}`, { token: r.tokens.court });
    expect(next.json.items[0].id).not.toBe(page.json.items[0].id);
    expect((await t.request('GET', '/deadlines?status=late', { token: r.tokens.court })).status).toBe(422);
    expect((await t.request('GET', '/deadlines?before=tomorrow', { token: r.tokens.court })).status).toBe(422);
  });
});

describe('occupancy and calendars: scope and input', () => {
  it('occupancy is for the organisation’s own staff and its region’s coordinator; others get 404', async () => {
    expect((await t.request('GET', `/organisations/${r.orgs.house.id}/occupancy`, { token: r.tokens.house })).json).toMatchObject({ kind: 'halfway_house', beds: 1 });
    expect((await t.request('GET', `/organisations/${r.orgs.house.id}/occupancy`, { token: r.tokens.coordinator })).status).toBe(200);
    expect((await t.request('GET', `/organisations/${r.orgs.house.id}/occupancy`, { token: r.tokens.prison })).status).toBe(404);
    expect((await t.request('GET', `/organisations/${r.orgs.prison.id}/occupancy`, { token: r.tokens.prison2 })).status).toBe(404);
    expect((await t.request('GET', `/organisations/${r.orgs.court.id}/occupancy`, { token: r.tokens.coordinator })).status).toBe(422);
    expect((await t.request('GET', `/organisations/${r.orgs.house.id}/occupancy`, { token: r.tokens.court })).status).toBe(403);
  });

  it('a calendar with a date twice, or a bad date, is refused and nothing changes', async () => {
    const admin = await t.tokenFor(r.orgs.coordinator, 'admin');
    await t.request('PUT', '/calendars/KG', { token: admin, body: { holidays: [{ date: '2026-03-08', name: 'Women’s Day' }] } });
    const before = await t.count(holidays);
    const twice = await t.request('PUT', '/calendars/KG', {
      token: admin,
      body: {
        holidays: [
          { date: '2026-03-21', name: 'Nooruz' },
          { date: '2026-03-21', name: 'Nooruz' },
        ],
      },
    });
    expect(twice.status).toBe(422);
    const badDate = await t.request('PUT', '/calendars/KG', { token: admin, body: { holidays: [{ date: '2026-02-30', name: 'Never' }] } });
    expect(badDate.status).toBe(422);
    expect((await t.request('PUT', '/calendars/XX', { token: admin, body: { holidays: [] } })).status).toBe(422);
    expect(await t.count(holidays)).toBe(before);
    const read = await t.request('GET', '/calendars/KG', { token: r.tokens.ngo });
    expect(read.json).toEqual({ country: 'KG', holidays: [{ date: '2026-03-08', name: 'Women’s Day' }] });
  });
});
