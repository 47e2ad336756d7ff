import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseEvents, cases } from '../db/schema.js';
import { PROTOCOLS } from '../protocols/index.js';
import { RECORD_OWNER_CLASSES, REGION_COORDINATOR_CLASSES, SHARING_TABLE } from '../src/access/sharing-table.js';
import { DATA_CLASSES, type DataClass } from '../src/domain.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * Redaction, row by row of DOMAIN.md's sharing table: for every protocol and part, the
 * classes returned through every endpoint that carries personal data are exactly the
 * allowed ones, before a consent, with it, and after its revocation.
 */
let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

type OrgKey = keyof Region['orgs'];
const STRUCTURED = DATA_CLASSES.filter((dataClass) => dataClass !== 'notes');
const FULL_RECORD = {
  identity: { firstName: 'Redacta', lastName: 'Tableva', dateOfBirth: '1987-04-04', nationalId: 'RED-0404' },
  contact: { phone: '+7 700 404 0404', address: 'Pavlodar, Estaya st. 4' },
  custody: { expectedReleaseDate: '2026-09-01' },
  legal: { caseNumber: 'L-404' },
  compliance: { summary: 'Attends' },
  health: { diagnosis: 'opioid use disorder', overdoseRisk: 'high' },
  social: { housing: 'none' },
  note: 'Owner note',
};
let registrations = 0;
/** The full record of a new person each time: the same national id twice would be a possible duplicate (409). */
const fullRecord = () => ({ ...FULL_RECORD, identity: { ...FULL_RECORD.identity, nationalId: `RED-0404-${(registrations += 1)}` } });

/** Each protocol with the organisation filling each part, the opener first (it registers the person). */
const SCENARIOS: { protocol: string; parts: Record<string, OrgKey>; data: Record<string, unknown>; events: [OrgKey, string, Record<string, unknown>][] }[] = [
  {
    protocol: 'court-ordered-treatment',
    parts: { court: 'court', probation: 'probation', provider: 'provider', ngo: 'ngo' },
    data: { caseNumber: 'C-404', orderDate: '2026-03-01', programme: 'ost', durationDays: 180 },
    events: [
      ['provider', 'INTAKE_RECORDED', { assessmentDate: '2026-03-02', rehabilitationPlan: 'OST daily', consentToTreatment: true }],
      ['probation', 'DRUG_TEST_RECORDED', { date: '2026-03-02', result: 'negative' }],
    ],
  },
  {
    protocol: 'unit-enrolment',
    parts: { prison: 'prison', ngo: 'ngo' },
    data: { expectedReleaseDate: '2027-01-01' },
    events: [['prison', 'SCREENED', { date: '2026-03-02', outcome: 'suitable' }]],
  },
  {
    protocol: 'pre-release',
    parts: { prison: 'prison', probation: 'probation', ngo: 'ngo', halfway_house: 'house', provider: 'provider' },
    data: { releaseDate: '2026-09-01' },
    events: [
      ['prison', 'PATHWAY_UPDATED', { pathway: 'health_continuity', status: 'in_progress', note: 'OST on release day' }],
      ['prison', 'PATHWAY_UPDATED', { pathway: 'family', status: 'in_progress', note: 'Sister in Ekibastuz' }],
    ],
  },
  {
    protocol: 'halfway-house',
    parts: { referrer: 'probation', halfway_house: 'house', ngo: 'ngo' },
    data: { expectedArrivalDate: '2026-04-01' },
    events: [['house', 'DECLINED', { reason: 'Too far from the family' }]],
  },
  {
    protocol: 'patronage',
    parts: { sender: 'prison', ngo: 'ngo' },
    data: { releasedAt: '2026-03-02T10:00:00+05:00', releaseAddressPlan: 'Shelter', continuityOfCare: 'OST 60mg', patronagePlan: 'Weekly', contactPhone: '+7 700 111 2222' },
    events: [['ngo', 'DECLINED', { reason: 'Caseload full' }]],
  },
];
// The halfway-house probation part shares its row with halfway_house and ngo, which are covered.

function expectedClasses(protocol: string, part: string, org: OrgKey, owner: OrgKey, consented: boolean): Set<DataClass> {
  const out = new Set<DataClass>();
  for (const [dataClass, grant] of Object.entries(SHARING_TABLE[protocol]![part]!) as [DataClass, string][]) {
    if (grant !== 'consent' || consented) out.add(dataClass);
  }
  if (org === owner) for (const dataClass of RECORD_OWNER_CLASSES) out.add(dataClass);
  if (org === 'coordinator') for (const dataClass of REGION_COORDINATOR_CLASSES) out.add(dataClass);
  return out;
}

function classOfField(protocol: string, field: string): DataClass | null | 'nested' | undefined {
  const rule = PROTOCOLS[protocol]!.fieldClasses[field];
  if (rule === undefined) return undefined;
  return rule === null || typeof rule === 'string' ? rule : 'nested';
}

async function checkEverywhere(protocol: string, caseId: string, participantId: string, reference: string, org: OrgKey, expected: Set<DataClass>) {
  const token = r.tokens[org];
  const label = `${protocol}/${org}`;
  // The participant, read and searched.
  for (const response of [await t.request('GET', `/participants/${participantId}`, { token }), await t.request('GET', `/participants?reference=${reference}`, { token })]) {
    const body = response.json.items ? response.json.items[0] : response.json;
    expect(body, label).toBeDefined();
    expect(new Set(body.disclosed.map((entry: { dataClass: string }) => entry.dataClass)), label).toEqual(expected);
    expect(
      STRUCTURED.filter((dataClass) => dataClass in body),
      label,
    ).toEqual(STRUCTURED.filter((dataClass) => expected.has(dataClass)));
    const othersNotes = body.notes.filter((note: { organisationId: string }) => note.organisationId !== r.orgs[org].id);
    expect(othersNotes.length > 0, `${label} others' notes`).toBe(expected.has('notes'));
  }
  // The case.
  const [row] = await t.db.select().from(cases).where(eq(cases.id, caseId));
  const caseView = await t.request('GET', `/cases/${caseId}`, { token });
  expect(caseView.status, label).toBe(200);
  for (const field of Object.keys(row!.data)) {
    const dataClass = classOfField(protocol, field);
    const shouldShow = dataClass === null || dataClass === 'nested' || (dataClass !== undefined && expected.has(dataClass));
    expect(field in caseView.json.data, `${label} case field ${field}`).toBe(shouldShow);
  }
  if (protocol === 'pre-release') {
    expect('health_continuity' in caseView.json.data.pathways, label).toBe(expected.has('health'));
    expect('family' in caseView.json.data.pathways, label).toBe(expected.has('social'));
  }
  // The history.
  const history = await t.request('GET', `/cases/${caseId}/events`, { token });
  const stored = await t.db.select().from(caseEvents).where(eq(caseEvents.caseId, caseId));
  for (const event of history.json.items as { type: string; version: number; data: Record<string, unknown> }[]) {
    const original = stored.find((candidate) => candidate.version === event.version)!;
    if (event.type === 'CASE_OPENED') continue;
    const rule = PROTOCOLS[protocol]!.eventClasses[event.type];
    const dataClass = rule === null || rule === undefined || typeof rule === 'string' ? rule : (rule.values[String(original.data[rule.field])] ?? rule.otherwise);
    // DOMAIN.md, "Authorship": an organisation always sees the data of the events it recorded.
    const authored = original.organisationId === r.orgs[org].id;
    const shouldShow = authored || dataClass === null || (dataClass !== undefined && expected.has(dataClass));
    expect(event.data, `${label} ${event.type}`).toEqual(shouldShow ? original.data : {});
  }
}

describe('redaction by DOMAIN.md’s table, through every endpoint carrying personal data', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.protocol}: every part sees exactly its classes, before a consent, with it, after revocation`, async () => {
      const [ownerPart, owner] = Object.entries(scenario.parts)[0]!;
      const registered = await t.request('POST', '/participants', { token: r.tokens[owner], body: fullRecord() });
      const person = registered.json as { id: string; referenceCode: string };
      // A narrow consent (identity only) lets the NGO be named without widening anything.
      if (Object.values(scenario.parts).includes('ngo')) await r.consent(person.id, r.orgs.ngo, owner, { dataClasses: ['identity'] });
      const parties = Object.entries(scenario.parts)
        .filter(([part]) => part !== ownerPart)
        .map(([part, org]) => ({ part, organisationId: r.orgs[org].id }));
      const data =
        scenario.protocol === 'unit-enrolment'
          ? {
              ...scenario.data,
              unitId: (
                await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, {
                  token: r.tokens.prison,
                  body: { kind: 'atlantis', name: `Sharing ${Math.random()}`, places: 5 },
                })
              ).json.id,
            }
          : scenario.data;
      const opened = await r.open(owner, scenario.protocol, person.id, parties, data);
      expect(opened.status, opened.text).toBe(201);
      for (const [by, type, eventData] of scenario.events) expect((await r.send(by, opened.json.id, type, eventData)).status, type).toBe(201);
      // Each other party writes a note of its own.
      for (const org of Object.values(scenario.parts)) await t.request('PATCH', `/participants/${person.id}`, { token: r.tokens[org], body: { note: `Note by ${org}` } });

      for (const [part, org] of Object.entries(scenario.parts)) {
        await checkEverywhere(scenario.protocol, opened.json.id, person.id, person.referenceCode, org, expectedClasses(scenario.protocol, part, org, owner, false));
        const consentClasses = Object.entries(SHARING_TABLE[scenario.protocol]![part]!)
          .filter(([, grant]) => grant === 'consent')
          .map(([dataClass]) => dataClass);
        if (consentClasses.length === 0) continue;
        // Recorded by the owner, or by another party when it names the owner (an organisation never attests its own consent).
        const recorder = org === owner ? Object.values(scenario.parts).find((other) => other !== owner)! : owner;
        const consent = await r.consent(person.id, r.orgs[org], recorder, { dataClasses: consentClasses });
        await checkEverywhere(scenario.protocol, opened.json.id, person.id, person.referenceCode, org, expectedClasses(scenario.protocol, part, org, owner, true));
        expect((await t.request('POST', `/consents/${consent.id}/revoke`, { token: r.tokens[owner], body: { reason: 'Withdrawn by the person' } })).status).toBe(200);
        await checkEverywhere(scenario.protocol, opened.json.id, person.id, person.referenceCode, org, expectedClasses(scenario.protocol, part, org, owner, false));
      }
    });
  }

  it('the patronage coordinator part and the region’s coordinator see identity, custody, legal and compliance', async () => {
    const person = (await t.request('POST', '/participants', { token: r.tokens.prison, body: fullRecord() })).json;
    const response = await t.request('GET', `/participants/${person.id}`, { token: r.tokens.coordinator });
    expect(new Set(response.json.disclosed.map((entry: { dataClass: string }) => entry.dataClass))).toEqual(new Set(REGION_COORDINATOR_CLASSES));
    expect(response.json.disclosed.every((entry: { basis: string }) => entry.basis === 'region_coordinator')).toBe(true);
  });

  it('auditors and admins see no personal data at all', async () => {
    const person = (await t.request('POST', '/participants', { token: r.tokens.prison, body: fullRecord() })).json;
    for (const role of ['auditor', 'admin'] as const) {
      const token = await t.tokenFor(r.orgs.prison, role);
      expect((await t.request('GET', `/participants/${person.id}`, { token })).status).toBe(403);
      expect((await t.request('GET', '/cases', { token })).status).toBe(403);
    }
    const auditor = await t.tokenFor(r.orgs.coordinator, 'auditor');
    const trail = await t.request('GET', '/audit?limit=200', { token: auditor });
    expect(trail.status).toBe(200);
    expect(trail.json.items.length).toBeGreaterThan(0);
    expect(trail.json.items.every((item: { participantId: string | null }) => item.participantId === null)).toBe(true);
    expect(trail.text).not.toContain(person.id);
  });
});
