import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseEvents, cases } from '../db/schema.js';
import { computeTable, parsePeriod, type PublishedTable } from '../src/indicators/compute.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * The treatment centres' table (`centre-year`, protocol 6 `rehabilitation-certificate`) on
 * histories written straight into case_events with the contract's event names and payloads:
 * a unit test of its SQL, in the multi-region world (threshold 5).
 *
 * Centre A (the home region's provider): a1…a6 each issued, chose A, claimed 1000 (approved) and
 * completed in 2026; a1 a second time in a second case (claim 500): each person once. `move`
 * chose A, claimed 300 there, changed to B, had the claim approved after the change (A's money),
 * claimed 200 at B and completed at B. a7 completed at A in 2025; a8 was issued a certificate and
 * has chosen no centre. Centre B (a second home provider): b1…b3 claimed 100 each and completed;
 * d1 dropped out, recorded by the coordinator. Centre C (Chüy, Kyrgyzstan): c1, 700 KGS, completed.
 */
let t: TestContext;
let r: Region;
let centreA: string;
let centreB: string;
let centreC: string;
let centreKar: string;

type Step = [type: string, data: Record<string, unknown>, at: string, by?: string];

async function history(name: string, steps: Step[]) {
  const person = await r.participant('prison', name);
  const caseId = randomUUID();
  const opened = new Date(steps[0]![2]);
  await t.db.insert(cases).values({
    id: caseId,
    protocol: 'rehabilitation-certificate',
    protocolVersion: 1,
    participantId: person.id,
    ownerOrganisationId: r.orgs.coordinator.id,
    state: 'referred',
    data: { source: 'self', referredOn: steps[0]![2].slice(0, 10) },
    version: steps.length + 1,
    openedAt: opened,
    updatedAt: opened,
  });
  const ids: string[] = [];
  const row = (version: number, type: string, data: Record<string, unknown>, at: string, by: string) => {
    const id = randomUUID();
    ids.push(id);
    return { id, caseId, version, type, data, part: 'coordinator', actorSub: 'test', organisationId: by, fromState: null, toState: 'x', observation: false, at: new Date(at) };
  };
  const rows = [row(1, 'CASE_OPENED', {}, steps[0]![2], r.orgs.coordinator.id)];
  steps.forEach(([type, data, at, by], index) => rows.push(row(index + 2, type, data, at, by ?? r.orgs.coordinator.id)));
  await t.db.insert(caseEvents).values(rows);
  return { personId: person.id, caseId, ids };
}

/** The coordinator's approvals of claims (by their SERVICE_CLAIMED event's id), appended after the case's other events. */
async function approve(caseId: string, claims: [claimId: string, at: string][]) {
  if (claims.length === 0) return;
  await t.db.insert(caseEvents).values(
    claims.map(([claimId, at], index) => ({
      id: randomUUID(),
      caseId,
      version: 100 + index,
      type: 'CLAIM_DECIDED',
      data: { claimId, decision: 'approved' },
      part: 'coordinator',
      actorSub: 'test',
      organisationId: r.orgs.coordinator.id,
      fromState: null,
      toState: 'x',
      observation: true,
      at: new Date(at),
    })),
  );
}

/** A whole route: issued, chosen, contracted, admitted, claimed and approved (each amount), then `end` at the centre. */
async function route(name: string, centre: string, amounts: number[], end: Step | null, options: { year?: number; currency?: string } = {}) {
  const year = options.year ?? 2026;
  const claims: Step[] = amounts.map((amount) => ['SERVICE_CLAIMED', { periodFrom: `${year}-01-20`, periodTo: `${year}-01-31`, amount }, `${year}-02-01T08:00:00Z`, centre]);
  const steps: Step[] = [
    ['CERTIFICATE_ISSUED', { number: `N-${name}`, value: 100_000, currency: options.currency ?? 'KZT', validUntil: `${year + 1}-01-01` }, `${year}-01-10T08:00:00Z`],
    ['CENTRE_CHOSEN', { centreOrganisationId: centre, choice: 'person' }, `${year}-01-11T08:00:00Z`],
    ['CONTRACT_SIGNED', { signedOn: `${year}-01-12`, parties: { ngo: false, family: false } }, `${year}-01-12T08:00:00Z`],
    ['ADMITTED', { date: `${year}-01-13` }, `${year}-01-13T08:00:00Z`, centre],
    ...claims,
  ];
  const written = await history(name, [...steps, ...(end ? [end] : [])]);
  // Approvals are appended after the rest, each naming its claim.
  const claimIds = written.ids.slice(1 + steps.length - claims.length, 1 + steps.length);
  await approve(
    written.caseId,
    claimIds.map((claimId) => [claimId, `${year}-02-05T08:00:00Z`]),
  );
  return written;
}

const completed = (centre: string, at = '2026-02-20T08:00:00Z'): Step => ['COMPLETED', { date: at.slice(0, 10) }, at, centre];

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  centreA = r.orgs.provider.id;
  centreB = (await t.organisation('treatment_provider', { country: 'KZ', region: 'KZ-PAV', name: 'Центр «Б»' })).id;
  centreC = r.decoys.find((decoy) => decoy.spec.region === 'KG-C')!.orgs.provider.id;
  centreKar = r.decoys.find((decoy) => decoy.spec.region === 'KZ-KAR')!.orgs.provider.id;

  for (let i = 1; i <= 6; i += 1) {
    const first = await route(`a${i}`, centreA, [1000], completed(centreA));
    if (i === 1) {
      // The same person's second case, at the same centre: still one person.
      const second = await route('a1-again', centreA, [500], completed(centreA, '2026-02-25T08:00:00Z'));
      await t.db.update(cases).set({ participantId: first.personId }).where(eq(cases.id, second.caseId));
    }
  }
  await route('a7', centreA, [], completed(centreA, '2025-12-20T08:00:00Z'), { year: 2025 });
  await history('a8', [['CERTIFICATE_ISSUED', { number: 'N-a8', value: 100_000, currency: 'KZT', validUntil: '2027-01-01' }, '2026-01-10T08:00:00Z']]);

  // `move`: chose A, claimed 300 at A, changed to B, the claim approved after the change, 200 at B, completed at B.
  const move = await history('move', [
    ['CERTIFICATE_ISSUED', { number: 'N-move', value: 100_000, currency: 'KZT', validUntil: '2027-01-01' }, '2026-01-10T08:00:00Z'],
    ['CENTRE_CHOSEN', { centreOrganisationId: centreA, choice: 'person' }, '2026-01-11T08:00:00Z'],
    ['SERVICE_CLAIMED', { periodFrom: '2026-01-12', periodTo: '2026-01-20', amount: 300 }, '2026-01-21T08:00:00Z', centreA],
    ['CENTRE_CHANGED', { centreOrganisationId: centreB, reason: 'The person moved' }, '2026-01-22T08:00:00Z'],
    ['SERVICE_CLAIMED', { periodFrom: '2026-01-23', periodTo: '2026-01-30', amount: 200 }, '2026-01-31T08:00:00Z', centreB],
    completed(centreB),
  ]);
  // A's claim is approved first: `move`'s first approved claim is A's.
  await approve(move.caseId, [
    [move.ids[3]!, '2026-02-05T08:00:00Z'],
    [move.ids[5]!, '2026-02-06T08:00:00Z'],
  ]);
  for (const name of ['b1', 'b2', 'b3']) await route(name, centreB, [100], completed(centreB));
  // The coordinator records the drop-out: it is the centre's that held the case.
  await route('d1', centreB, [], ['DROPPED_OUT', { date: '2026-02-15', reason: 'Left' }, '2026-02-15T08:00:00Z']);
  await route('c1', centreC, [700], completed(centreC), { currency: 'KGS' });
}, 180_000);
afterAll(() => t?.close());

type Cell = PublishedTable['indicators'][number]['total'];
const indicator = (published: PublishedTable, id: string) => published.indicators.find((each) => each.id === id)!;
const row = (published: PublishedTable, id: string, group: string) => indicator(published, id).rows.find((each) => each.group === group)!;
const values = (published: PublishedTable, id: string) =>
  Object.fromEntries([...indicator(published, id).rows.map((each) => [each.group, each.value] as const), ['total', indicator(published, id).total.value] as const]);

describe('the centre-year table', () => {
  it('attributes each event to the centre that held the case, counts people once, and keeps to the year (unsuppressed)', async () => {
    const year = await computeTable(t.db, 'centre-year', parsePeriod('centre-year', '2026')!, { threshold: null });
    // One row per treatment centre of every region, and only the centres' indicators.
    expect(year.groups.map((group) => group.code).sort()).toEqual([centreA, centreB, centreC, centreKar].sort());
    expect(year.indicators.map((each) => each.id)).toEqual(['certificates_issued', 'certificates_redeemed', 'completions', 'drop_outs', 'money_approved_per_completion']);
    // a8 has chosen no centre: in no row and not in the total.
    expect(values(year, 'certificates_issued')).toEqual({ [centreA]: 7, [centreB]: 4, [centreC]: 1, [centreKar]: 0, total: 12 });
    // `move`'s first approved claim was A's (made before the change): once, at A.
    expect(values(year, 'certificates_redeemed')).toEqual({ [centreA]: 7, [centreB]: 3, [centreC]: 1, [centreKar]: 0, total: 11 });
    // a1 completed twice, a7 in 2025, `move` at B after the change.
    expect(values(year, 'completions')).toEqual({ [centreA]: 6, [centreB]: 4, [centreC]: 1, [centreKar]: 0, total: 11 });
    expect(values(year, 'drop_outs')).toEqual({ [centreA]: 0, [centreB]: 1, [centreC]: 0, [centreKar]: 0, total: 1 });
    // A: 6 × 1000 + 500 + move's 300 over 6 completions; B: 200 + 3 × 100 over 4; C in its own currency.
    expect(row(year, 'money_approved_per_completion', centreA)).toMatchObject({ numerator: 6800, denominator: 6, value: 1133, unit: 'KZT', suppressed: false });
    expect(row(year, 'money_approved_per_completion', centreB)).toMatchObject({ numerator: 500, denominator: 4, value: 125, unit: 'KZT' });
    expect(row(year, 'money_approved_per_completion', centreC)).toMatchObject({ numerator: 700, denominator: 1, value: 700, unit: 'KGS' });
    expect(row(year, 'money_approved_per_completion', centreKar)).toMatchObject({ numerator: 0, denominator: 0, value: null, suppressed: false });
    // The total mixes tenge and som: its amount and count are given, no ratio.
    expect(indicator(year, 'money_approved_per_completion').total).toMatchObject({ numerator: 8000, denominator: 11, value: null, unit: null, suppressed: false });

    const before = await computeTable(t.db, 'centre-year', parsePeriod('centre-year', '2025')!, { threshold: null });
    expect(values(before, 'completions')).toEqual({ [centreA]: 1, [centreB]: 0, [centreC]: 0, [centreKar]: 0, total: 1 });
    expect(values(before, 'certificates_redeemed').total).toBe(0);
  });

  it('publishes the big cells and suppresses the small ones, with their complements, and the ratios resting on them', async () => {
    const open = await t.request('GET', '/indicators?table=centre-year&period=2026');
    expect(open.status, open.text).toBe(200);
    const published = open.json as PublishedTable;
    expect(published).toMatchObject({ table: 'centre-year', period: '2026', threshold: 5 });
    // Completions [A 6, B 4, C 1, Karaganda 0]: B and C are small, together 5, so A and the total stand.
    expect(values(published, 'completions')).toEqual({ [centreA]: 6, [centreB]: null, [centreC]: null, [centreKar]: 0, total: 11 });
    expect(row(published, 'completions', centreB)).toMatchObject({ numerator: null, suppressed: true });
    // The centre in another country does not leak: its one person is suppressed, and counted in no other row.
    expect(row(published, 'completions', centreC)).toMatchObject({ numerator: null, suppressed: true });
    expect(row(published, 'certificates_issued', centreC)).toMatchObject({ value: null, suppressed: true });
    // Drop-outs [0, 1, 0, 0]: one small cell cannot be hidden by its siblings, so the total goes too.
    expect(indicator(published, 'drop_outs').total).toMatchObject({ value: null, suppressed: true });
    // The money: A's amount rests on 7 people, B's on 4 (move, b1…b3), C's on 1; A's ratio stands.
    expect(row(published, 'money_approved_per_completion', centreA)).toMatchObject({ numerator: 6800, denominator: 6, value: 1133, unit: 'KZT', suppressed: false });
    for (const centre of [centreB, centreC]) {
      expect(row(published, 'money_approved_per_completion', centre)).toMatchObject({ numerator: null, denominator: null, value: null, unit: null, suppressed: true });
    }
    for (const each of published.indicators) {
      if (each.kind !== 'count') continue;
      for (const cell of [...each.rows, each.total] as Cell[]) if (cell.numerator !== null) expect(cell.numerator === 0 || cell.numerator >= 5, each.id).toBe(true);
    }
    // The other tables do not carry the centres' indicators.
    const regions = await t.request('GET', '/indicators?table=region-quarter&period=2026-Q1');
    expect((regions.json as PublishedTable).indicators.map((each) => each.id)).not.toContain('completions');
  });

  it('the money’s total is suppressed when the people behind it, each once, are too few', async () => {
    // At 12, the centres' counts of people behind the money [7, 4, 1, 0] add up to 12, but `move` is in two of
    // them: the 11 people behind the total are a small cell, and the total is suppressed too.
    const strict = await computeTable(t.db, 'centre-year', parsePeriod('centre-year', '2026')!, { threshold: 12 });
    expect(indicator(strict, 'money_approved_per_completion').total).toMatchObject({ numerator: null, suppressed: true });
  });

  it('serves the CSV with the ratio’s unit beside it, and refuses a period that is not a year', async () => {
    const response = await t.request('GET', '/indicators.csv?table=centre-year&period=2026');
    expect(response.status).toBe(200);
    const lines = response.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'table,period,group_code,group_name,certificates_issued,certificates_redeemed,completions,drop_outs,money_approved_per_completion,money_approved_per_completion_unit',
    );
    expect(lines.find((line) => line.includes(centreA))).toMatch(/,6,0,1133,KZT$/);
    expect(lines.find((line) => line.includes('Центр «Б»'))).toBe(`centre-year,2026,${centreB},Центр «Б»,suppressed,suppressed,suppressed,suppressed,suppressed,`);
    expect(lines.at(-1)).toBe('centre-year,2026,TOTAL,Total,12,11,11,suppressed,,');

    for (const period of ['2026-Q1', '26', '2026-13', '2026x']) {
      for (const path of ['/indicators', '/indicators.csv']) {
        const refused = await t.request('GET', `${path}?table=centre-year&period=${period}`);
        expect(refused.status, `${path} ${period}`).toBe(422);
        expect(refused.headers.get('content-type')).toContain('application/problem+json');
        expect(refused.json).toMatchObject({ code: 'VALIDATION_FAILED' });
      }
    }
  });

  it('ships each centre indicator’s definition, in English and Russian, naming its table', async () => {
    const definitions = await t.request('GET', '/indicators/definitions');
    const items = (definitions.json as { items: { id: string; kind: string; title: { en: string; ru: string }; tables: string[] }[] }).items;
    const money = items.find((item) => item.id === 'money_approved_per_completion')!;
    expect(money).toMatchObject({ kind: 'ratio', tables: ['centre-year'], title: { en: 'Money approved per completion', ru: 'Одобренная сумма на одно завершение' } });
    expect(items.find((item) => item.id === 'unit_enrolments')!.tables).toEqual(['country-quarter', 'region-quarter', 'organisation-year']);
  });

  it('counts a case run through the API by the protocol itself at its centre (the contract’s events as the service records them)', async () => {
    const centre = await t.organisation('treatment_provider', { country: 'KZ', region: 'KZ-PAV', name: 'Центр «В»' });
    const centreToken = await t.tokenFor(centre, 'treatment_staff');
    const person = await r.participant('prison', 'Flow');
    const opened = await r.open('coordinator', 'rehabilitation-certificate', person.id, [], { source: 'self', referredOn: '2026-03-01' });
    expect(opened.status, opened.text).toBe(201);
    const caseId = opened.json.id as string;
    const send = async (token: string, type: string, data: Record<string, unknown>) => {
      const current = await t.request('GET', `/cases/${caseId}`, { token: r.tokens.coordinator });
      const response = await t.request('POST', `/cases/${caseId}/events`, { token, body: { type, data, expectedVersion: current.json.version } });
      expect(response.status, `${type}: ${response.text}`).toBe(201);
    };
    await send(r.tokens.coordinator, 'DIAGNOSIS_RECORDED', { date: '2026-03-02', summary: 'Assessed' });
    await send(r.tokens.coordinator, 'PROGRAMME_PREPARED', { goals: 'Abstinence', stages: ['I'], plannedDays: 90 });
    await r.consent(person.id, centre, 'coordinator', { caseId, purpose: 'treatment' });
    await send(r.tokens.coordinator, 'CERTIFICATE_ISSUED', { number: 'F-1', value: 500_000, validUntil: '2026-12-31' });
    await send(r.tokens.coordinator, 'CENTRE_CHOSEN', { centreOrganisationId: centre.id, choice: 'person' });
    await send(r.tokens.coordinator, 'CONTRACT_SIGNED', { signedOn: '2026-03-02', parties: { ngo: false, family: false } });
    await send(centreToken, 'ADMITTED', { date: '2026-03-02' });
    await send(centreToken, 'SERVICE_CLAIMED', { periodFrom: '2026-03-02', periodTo: '2026-03-02', amount: 1234 });
    const [claim] = await t.db
      .select({ id: caseEvents.id })
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, caseId), eq(caseEvents.type, 'SERVICE_CLAIMED')));
    await send(r.tokens.coordinator, 'CLAIM_DECIDED', { claimId: claim!.id, decision: 'approved' });
    await send(centreToken, 'COMPLETED', { date: '2026-03-02' });

    const year = await computeTable(t.db, 'centre-year', parsePeriod('centre-year', '2026')!, { threshold: null });
    for (const id of ['certificates_issued', 'certificates_redeemed', 'completions']) expect(row(year, id, centre.id).value, id).toBe(1);
    expect(row(year, 'drop_outs', centre.id).value).toBe(0);
    // The certificate named no currency: the service's default, the owner's country's.
    expect(row(year, 'money_approved_per_completion', centre.id)).toMatchObject({ numerator: 1234, denominator: 1, value: 1234, unit: 'KZT' });
  });
});
