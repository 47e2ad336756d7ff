import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../db/schema.js';
import { eq } from 'drizzle-orm';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * Indicators on a generated dataset with known answers, all in the first quarter of 2026
 * (the test clock stands at 2 March 2026).
 */
let t: TestContext;
let r: Region;
let house2: { id: string };

const ok = (response: { status: number; text: string }) => expect(response.status, response.text).toBe(201);

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  house2 = await t.organisation('halfway_house', { beds: 2, name: 'Дом «Надежда»' });
  const admit = { date: '2026-03-02', consentToTreatment: true, unitAgreementSigned: true };

  // Unit enrolment: 6 enrolled; exits after 10 days (completed), 20 days (completed), 3 days (expelled).
  const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, { token: r.tokens.prison, body: { kind: 'atlantis', name: 'Indicator unit', places: 10 } });
  const enrolments: string[] = [];
  for (let i = 0; i < 6; i += 1) {
    const person = await r.participant('prison', `Unit${i}`);
    const opened = await r.open('prison', 'unit-enrolment', person.id, [], { unitId: unit.json.id, expectedReleaseDate: '2027-06-01' });
    ok(await r.send('prison', opened.json.id, 'SCREENED', { date: '2026-03-02', outcome: 'suitable' }));
    ok(await r.send('prison', opened.json.id, 'ADMITTED', admit));
    enrolments.push(opened.json.id);
  }
  ok(await r.send('prison', enrolments[0]!, 'COMPLETED', { date: '2026-03-12' }));
  ok(await r.send('prison', enrolments[1]!, 'COMPLETED', { date: '2026-03-22' }));
  ok(await r.send('prison', enrolments[2]!, 'EXPELLED', { date: '2026-03-05', reason: 'Violence' }));

  // Court orders: 3 issued, 1 breach reported, 1 revoked; tests: 3 negative, 1 positive.
  const orders: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const person = await r.participant('court', `Court${i}`);
    const opened = await r.open(
      'court',
      'court-ordered-treatment',
      person.id,
      [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'provider', organisationId: r.orgs.provider.id },
      ],
      { caseNumber: `I-${i}`, orderDate: '2026-03-01', programme: 'ost', durationDays: 180 },
    );
    orders.push(opened.json.id);
    ok(await r.send('provider', opened.json.id, 'INTAKE_RECORDED', { assessmentDate: '2026-03-02', rehabilitationPlan: 'Plan', consentToTreatment: true }));
  }
  for (const result of ['negative', 'negative', 'negative', 'positive']) ok(await r.send('probation', orders[0]!, 'DRUG_TEST_RECORDED', { date: '2026-03-02', result }));
  ok(await r.send('probation', orders[1]!, 'BREACH_REPORTED', { reason: 'Absent' }));
  ok(await r.send('court', orders[1]!, 'BREACH_RULED', { outcome: 'revoke' }));

  // Pre-release: two plans agreed on 2 March, releases on 1 June (early) and 10 March (late).
  for (const releaseDate of ['2026-06-01', '2026-03-10']) {
    const person = await r.participant('prison', `Plan${releaseDate}`);
    await r.consent(person.id, r.orgs.ngo);
    const plan = await r.open(
      'prison',
      'pre-release',
      person.id,
      [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'ngo', organisationId: r.orgs.ngo.id },
      ],
      { releaseDate },
    );
    for (const pathway of ['accommodation', 'identity_documents', 'health_continuity', 'employment_education', 'family', 'finance_benefits', 'patronage']) {
      ok(await r.send('prison', plan.json.id, 'PATHWAY_UPDATED', { pathway, status: 'done' }));
    }
    ok(await r.send('prison', plan.json.id, 'PLAN_AGREED', {}));
  }

  // Halfway houses: a stay of 10 nights at house 1 ending in stable housing; a non-arrival at house 2.
  const stayer = await r.participant('probation', 'Stayer');
  const stay = await r.open('probation', 'halfway-house', stayer.id, [{ part: 'halfway_house', organisationId: r.orgs.house.id }], { expectedArrivalDate: '2026-03-02' });
  ok(await r.send('house', stay.json.id, 'ACCEPTED', {}));
  ok(await r.send('house', stay.json.id, 'ARRIVED', { arrivedAt: '2026-03-02T12:00:00+05:00' }));
  ok(await r.send('house', stay.json.id, 'DEPARTED', { date: '2026-03-12', reason: 'moved_on_stable_housing' }));
  const absent = await r.participant('probation', 'Absent');
  const referral = await r.open('probation', 'halfway-house', absent.id, [{ part: 'halfway_house', organisationId: house2.id }], { expectedArrivalDate: '2026-03-03' });
  const house2Token = await t.tokenFor(house2, 'halfway_house_staff');
  ok(await t.request('POST', `/cases/${referral.json.id}/events`, { token: house2Token, body: { type: 'ACCEPTED', data: {}, expectedVersion: 1 } }));
  ok(await t.request('POST', `/cases/${referral.json.id}/events`, { token: house2Token, body: { type: 'NOT_ARRIVED', data: {}, expectedVersion: 2 } }));

  // Patronage: two handovers acknowledged at once; one first contact within 72 hours and a month-3 follow-up; one back in custody.
  // The one followed up was released on 1 December 2025 (a month-3 follow-up opens 14 days before 1 March).
  const handovers: string[] = [];
  for (let i = 0; i < 2; i += 1) {
    const person = await r.participant('prison', `Patron${i}`);
    await r.consent(person.id, r.orgs.ngo);
    const opened = await r.open('prison', 'patronage', person.id, [{ part: 'ngo', organisationId: r.orgs.ngo.id }], {
      releasedAt: i === 0 ? '2025-12-01T10:00:00+05:00' : '2026-03-02T10:00:00+05:00',
      releaseAddressPlan: 'Shelter',
      patronagePlan: 'Weekly',
    });
    ok(await r.send('ngo', opened.json.id, 'ACKNOWLEDGED', { caseworker: 'A', plannedFirstContact: '2026-03-03' }));
    handovers.push(opened.json.id);
  }
  ok(await r.send('ngo', handovers[0]!, 'FIRST_CONTACT_MADE', { at: '2025-12-02T10:00:00+05:00', how: 'in_person' }));
  ok(await r.send('ngo', handovers[0]!, 'FOLLOW_UP_RECORDED', { month: 3, housing: 'stable', work: 'employed', substanceUse: 'abstinent', reoffending: false }));
  ok(await r.send('ngo', handovers[1]!, 'RETURNED_TO_CUSTODY', { date: '2026-03-20' }));
}, 120_000);
afterAll(() => t.close());

type Cell = { numerator: number | null; denominator: number | null; value: number | null; suppressed: boolean };
const totals = (published: { indicators: { id: string; total: Cell }[] }) => Object.fromEntries(published.indicators.map((indicator) => [indicator.id, indicator.total]));

describe('indicators', () => {
  it('the coordinator’s unsuppressed view gives every indicator’s known value (audited)', async () => {
    const detail = await t.request('GET', '/indicators/detail?period=2026-Q1', { token: r.tokens.coordinator });
    expect(detail.status, detail.text).toBe(200);
    const all = totals(detail.json);
    expect(all).toMatchObject({
      unit_enrolments: { value: 6 },
      unit_completions: { value: 2 },
      unit_expulsions: { value: 1 },
      unit_median_days_enrolled: { numerator: 3, value: 10 },
      court_orders_issued: { value: 3 },
      court_orders_discharged: { value: 0 },
      court_orders_breached: { value: 1 },
      court_orders_revoked: { value: 1 },
      negative_test_share: { numerator: 3, denominator: 4, value: 0.75 },
      plans_agreed_14_days_before_release: { numerator: 1, denominator: 2, value: 0.5 },
      // 10 nights against (1 + 2 beds) × 90 nights in the quarter.
      halfway_house_occupancy: { numerator: 10, denominator: 270, value: 0.037 },
      halfway_house_non_arrivals: { value: 1 },
      move_on_to_stable_housing: { numerator: 1, denominator: 1, value: 1 },
      handovers_acknowledged_within_48_hours: { numerator: 2, denominator: 2, value: 1 },
      first_contact_within_72_hours: { numerator: 1, denominator: 1, value: 1 },
      in_contact_at_3_months: { value: 1 },
      in_contact_at_6_months: { value: 0 },
      in_contact_at_12_months: { value: 0 },
      returned_to_custody_within_12_months: { value: 1 },
      // Re-engagement after a refusal: tests/motivation.int.test.ts counts it.
      re_engaged_after_refusal: { value: 0 },
    });
    const occupancy = detail.json.indicators.find((indicator: { id: string }) => indicator.id === 'halfway_house_occupancy');
    expect(occupancy.rows.find((row: { group: string }) => row.group === house2.id)).toMatchObject({ numerator: 0, denominator: 180 });
    const [audit] = await t.db.select().from(auditEvents).where(eq(auditEvents.action, 'indicators.detail'));
    expect(audit).toMatchObject({ outcome: 'success', subjectId: 'KZ-PAV' });
    expect((await t.request('GET', '/indicators/detail', { token: r.tokens.prison })).status).toBe(403);
  });

  it('the open table needs no token and suppresses small cells, and the rates and medians resting on them', async () => {
    const open = await t.request('GET', '/indicators?table=region-quarter&period=2026-Q1');
    expect(open.status).toBe(200);
    // Every region of the world is a group; the home region's enrolments are counted there, not in a decoy's row.
    expect(open.json).toMatchObject({ table: 'region-quarter', period: '2026-Q1', threshold: 5, groups: [{ code: 'KG-C' }, { code: 'KZ-KAR' }, { code: 'KZ-PAV' }] });
    const all = totals(open.json);
    expect(all.unit_enrolments).toMatchObject({ value: 6, suppressed: false });
    const enrolments = open.json.indicators.find((indicator: { id: string }) => indicator.id === 'unit_enrolments');
    expect(enrolments.rows.map((row: Cell & { group: string }) => [row.group, row.value])).toEqual([
      ['KG-C', 0],
      ['KZ-KAR', 0],
      ['KZ-PAV', 6],
    ]);
    expect(all.unit_completions).toMatchObject({ value: null, numerator: null, suppressed: true });
    expect(all.unit_median_days_enrolled).toMatchObject({ value: null, suppressed: true });
    expect(all.negative_test_share).toMatchObject({ value: null, suppressed: true });
    expect(all.court_orders_discharged).toMatchObject({ value: 0, suppressed: false });
    for (const indicator of open.json.indicators) {
      for (const cell of [...indicator.rows, indicator.total] as Cell[]) {
        if (cell.numerator !== null) expect(cell.numerator === 0 || cell.numerator >= 5, indicator.id).toBe(true);
      }
    }
    expect(open.text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('serves the CSV with a header, one row per group and a total, in UTF-8 with Cyrillic intact', async () => {
    const response = await t.request('GET', '/indicators.csv?table=organisation-year&period=2026');
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = response.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toMatch(/^table,period,group_code,group_name,unit_enrolments,/);
    expect(lines.some((line) => line.includes('Дом «Надежда»'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^organisation-year,2026,TOTAL,Total,/);
    const columns = lines[0]!.split(',').length;
    for (const line of lines) expect(line.split(',').length).toBe(columns);
    // The byte-order mark that tells spreadsheets the file is UTF-8 (a text decoder strips it, so read the bytes).
    const bytes = new Uint8Array(await (await t.app.request('/indicators.csv?table=organisation-year&period=2026')).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('publishes the definitions with the data, and refuses free filters and bad periods', async () => {
    const definitions = await t.request('GET', '/indicators/definitions');
    expect(definitions.json.threshold).toBe(5);
    expect(definitions.json.items).toHaveLength(25);
    for (const item of definitions.json.items) expect(item.numerator.length).toBeGreaterThan(10);
    expect((await t.request('GET', '/indicators?table=region-quarter&region=KZ-PAV')).status).toBe(422);
    expect((await t.request('GET', '/indicators?table=organisation-year&period=2026-Q1')).status).toBe(422);
    expect((await t.request('GET', '/indicators?table=country-day')).status).toBe(422);
  });
});
