import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseEvents } from '../db/schema.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * docs/DOMAIN.md, "Follow-ups". Patronage FOLLOW_UP_RECORDED for month m is
 * accepted once per m, and not before the release date + m months − 14 days. Indicators
 * count people, not events: recording a person twice cannot move a published figure.
 */
let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

const FOLLOW_UP = { housing: 'stable', work: 'employed', substanceUse: 'abstinent', reoffending: false };

/** A patronage case sent by the prison and taken up by the NGO (acknowledged, first contact made). */
async function activeHandover(personId: string, releasedAt: string, ngo: 'ngo' | 'ngo2' = 'ngo') {
  const opened = await r.open('prison', 'patronage', personId, [{ part: 'ngo', organisationId: r.orgs[ngo].id }], {
    releasedAt,
    releaseAddressPlan: 'Shelter',
    patronagePlan: 'Weekly meetings',
  });
  expect(opened.status, opened.text).toBe(201);
  const id = opened.json.id as string;
  expect((await r.send(ngo, id, 'ACKNOWLEDGED', { caseworker: 'Aliya', plannedFirstContact: releasedAt.slice(0, 10) })).status).toBe(201);
  expect((await r.send(ngo, id, 'FIRST_CONTACT_MADE', { at: releasedAt, how: 'in_person' })).status).toBe(201);
  return id;
}

describe('follow-ups', () => {
  it('month m is refused before release + m months − 14 days, and a second time for the same month', async () => {
    t.clock.set('2026-03-02T05:00:00Z');
    const person = await r.participant('prison', 'Followova');
    await r.consent(person.id, r.orgs.ngo);
    const id = await activeHandover(person.id, '2026-03-02T10:00:00+05:00');

    // On release day, neither month 3 nor month 12.
    for (const month of [3, 12]) {
      const early = await r.send('ngo', id, 'FOLLOW_UP_RECORDED', { month, ...FOLLOW_UP });
      expect(early.status, early.text).toBe(422);
      expect(early.json).toMatchObject({ code: 'EVENT_NOT_ALLOWED', guard: 'followUpWindowOpen' });
    }
    // Released 2 March: 3 months later is 2 June; the month-3 follow-up opens 14 days before, on 19 May (Asia/Almaty).
    t.clock.set('2026-05-18T18:00:00Z'); // 23:00 on 18 May in Pavlodar
    const dayBefore = await r.send('ngo', id, 'FOLLOW_UP_RECORDED', { month: 3, ...FOLLOW_UP });
    expect(dayBefore.json).toMatchObject({ guard: 'followUpWindowOpen' });
    expect(dayBefore.json.detail).toContain('2026-05-19');
    t.clock.set('2026-05-18T19:00:00Z'); // 00:00 on 19 May in Pavlodar
    const onTime = await r.send('ngo', id, 'FOLLOW_UP_RECORDED', { month: 3, ...FOLLOW_UP });
    expect(onTime.status, onTime.text).toBe(201);
    expect((await t.request('GET', `/cases/${id}`, { token: r.tokens.prison })).json.data.followUpsRecorded).toEqual([3]);

    const twice = await r.send('ngo', id, 'FOLLOW_UP_RECORDED', { month: 3, ...FOLLOW_UP, housing: 'unstable' });
    expect(twice.status).toBe(422);
    expect(twice.json).toMatchObject({ code: 'EVENT_NOT_ALLOWED', guard: 'followUpNotYetRecorded' });
    // Month 6 is not open yet either.
    expect((await r.send('ngo', id, 'FOLLOW_UP_RECORDED', { month: 6, ...FOLLOW_UP })).json).toMatchObject({ guard: 'followUpWindowOpen' });
    const history = await t.request('GET', `/cases/${id}/events`, { token: r.tokens.ngo });
    expect(history.json.items.filter((item: { type: string }) => item.type === 'FOLLOW_UP_RECORDED')).toHaveLength(1);
  });

  it('the indicators count people: a second handover of the same person, or a follow-up recorded twice before this rule, moves no published figure', async () => {
    // All in 2026-Q1; five people released on 1 December 2025 are followed up at 3 months and return to custody.
    t.clock.set('2026-03-02T05:00:00Z');
    const released = '2025-12-01T10:00:00+05:00';
    const people: { id: string; caseId: string }[] = [];
    for (let i = 0; i < 5; i += 1) {
      const person = await r.participant('prison', `Counted${i}`);
      await r.consent(person.id, r.orgs.ngo);
      const caseId = await activeHandover(person.id, released);
      expect((await r.send('ngo', caseId, 'FOLLOW_UP_RECORDED', { month: 3, ...FOLLOW_UP })).status).toBe(201);
      expect((await r.send('ngo', caseId, 'RETURNED_TO_CUSTODY', { date: '2026-03-01' })).status).toBe(201);
      people.push({ id: person.id, caseId });
    }
    // The first person was handed over twice (to two NGOs); both record the follow-up and the return to custody.
    const first = people[0]!;
    await r.consent(first.id, r.orgs.ngo2);
    const again = await activeHandover(first.id, released, 'ngo2');
    expect((await r.send('ngo2', again, 'FOLLOW_UP_RECORDED', { month: 3, ...FOLLOW_UP })).status).toBe(201);
    expect((await r.send('ngo2', again, 'RETURNED_TO_CUSTODY', { date: '2026-03-01' })).status).toBe(201);
    // The second person's month-3 follow-up was recorded twice in one case before the once-per-month rule (as stored history holds it).
    const [recorded] = await t.db
      .select()
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, people[1]!.caseId), eq(caseEvents.type, 'FOLLOW_UP_RECORDED')));
    await t.db.insert(caseEvents).values({ ...recorded!, id: randomUUID(), version: 1000, at: new Date('2026-03-02T05:30:00Z') });

    // Counting events would publish 7 follow-ups and 6 returns; the published figures are the 5 people.
    const open = await t.request('GET', '/indicators?table=region-quarter&period=2026-Q1');
    expect(open.status, open.text).toBe(200);
    const detail = await t.request('GET', '/indicators/detail?period=2026-Q1', { token: r.tokens.coordinator });
    expect(detail.status, detail.text).toBe(200);
    const byOrganisation = await t.request('GET', '/indicators?table=organisation-year&period=2026');
    // The year 2026 also holds the May follow-up of the test above: six people, each once.
    for (const [published, inContact] of [
      [open.json, 5],
      [detail.json, 5],
      [byOrganisation.json, 6],
    ] as const) {
      const indicator = (id: string) => (published.indicators as { id: string; total: { value: number | null } }[]).find((item) => item.id === id)!;
      expect(indicator('in_contact_at_3_months').total.value, published.table).toBe(inContact);
      expect(indicator('returned_to_custody_within_12_months').total.value, published.table).toBe(5);
    }
    const inContact = (open.json.indicators as { id: string; rows: { group: string; value: number | null }[] }[]).find((item) => item.id === 'in_contact_at_3_months')!;
    expect(inContact.rows.find((row) => row.group === 'KZ-PAV')?.value).toBe(5);
  });
});
