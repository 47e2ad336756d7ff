import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/migrate.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * NUL (U+0000) and unpaired UTF-16 surrogates cannot be stored by PostgreSQL (text and jsonb
 * refuse NUL, jsonb refuses a lone surrogate escape). Every text field of every write route,
 * free-form event and opening data and their keys included, and the text query and path
 * parameters, answer 422 VALIDATION_FAILED naming the field, and nothing is written.
 *
 * The bad characters travel as JSON escapes in the raw body text (`"\u0000"`, `"\ud800"`),
 * as a client would send them.
 */
const DATA_TABLES = [
  'organisations',
  'prison_units',
  'participants',
  'participant_notes',
  'cases',
  'case_parties',
  'case_events',
  'deadlines',
  'consents',
  'holidays',
  'outbox',
  'notifications',
  'break_glass_grants',
];
const BAD = { nul: '\\u0000', 'lone surrogate': '\\ud800', 'lone low surrogate': '\\udfff' } as const;
const MARK = '@@bad@@';

let t: TestContext;
let r: Region;
let admin: string;
let person: string;
let auditor: string;
let caseId: string;
let consentId: string;

async function fingerprint(): Promise<string> {
  const parts = DATA_TABLES.map(
    (table) => sql`select ${table}::text as t, count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from ${sql.identifier(table)} x`,
  );
  return JSON.stringify(rowsOf(await t.db.execute(sql.join(parts, sql` union all `))));
}

type Row = {
  route: string;
  method: string;
  path: () => string;
  token: () => string;
  body: () => Record<string, unknown>;
  /** free-form objects whose keys are client-chosen */ freeForm?: string[];
};

const rows: Row[] = [
  {
    route: 'register a person',
    method: 'POST',
    path: () => '/participants',
    token: () => r.tokens.prison,
    body: () => ({
      identity: { firstName: 'Aigerim', lastName: 'Nurlanova', patronymic: 'Sergeevna', dateOfBirth: '1990-01-01', nationalId: 'AB-1234' },
      contact: { phone: '+7 700 000 00 00', address: 'Street 1', releaseAddress: 'Street 2' },
      legal: { caseNumber: 'C-1', orderTerms: 'Terms', sentence: 'Two years' },
      compliance: { summary: 'Complies' },
      health: { diagnosis: 'Dx', treatment: 'Tx', ostPrescription: 'OST', artPrescription: 'ART', tbPrescription: 'TB' },
      social: { housing: 'H', work: 'W', education: 'E', family: 'F', benefits: 'B' },
      note: 'A first note',
    }),
  },
  {
    route: 'correct a person',
    method: 'PATCH',
    // The provider of the court-ordered case sees (so may correct) every class sent here.
    path: () => `/participants/${person}`,
    token: () => r.tokens.provider,
    body: () => ({
      identity: { firstName: 'Aigerim', patronymic: 'S' },
      contact: { address: 'Street 3' },
      legal: { orderTerms: 'New terms' },
      compliance: { summary: 'Still complies' },
      health: { diagnosis: 'Dx 2', treatment: 'Tx 2' },
      social: { housing: 'H 2' },
      note: 'A later note',
    }),
  },
  {
    route: 'record a consent',
    method: 'POST',
    path: () => `/participants/${person}/consents`,
    token: () => r.tokens.court,
    body: () => ({
      organisationId: r.orgs.provider.id,
      dataClasses: ['health'],
      purpose: 'treatment',
      validFrom: '2026-03-01',
      validUntil: '2027-03-01',
      signedMethod: 'written',
      witness: 'Dana Witness',
      textVersion: 'KZ-1',
    }),
  },
  { route: 'revoke a consent', method: 'POST', path: () => `/consents/${consentId}/revoke`, token: () => r.tokens.court, body: () => ({ reason: 'Asked to stop' }) },
  {
    route: 'open a case',
    method: 'POST',
    path: () => '/cases',
    token: () => r.tokens.court,
    body: () => ({
      protocol: 'court-ordered-treatment',
      participantId: person,
      parties: [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'provider', organisationId: r.orgs.provider.id },
      ],
      data: { caseNumber: 'T-2', orderDate: '2026-03-01', programme: 'ost', durationDays: 90 },
    }),
    freeForm: ['data'],
  },
  {
    route: 'send a case event',
    method: 'POST',
    path: () => `/cases/${caseId}/events`,
    token: () => r.tokens.provider,
    body: () => ({ type: 'INTAKE_RECORDED', data: { assessmentDate: '2026-03-05', rehabilitationPlan: 'The plan', consentToTreatment: true }, expectedVersion: 1 }),
    freeForm: ['data'],
  },
  {
    route: 'break the glass',
    method: 'POST',
    path: () => `/cases/${caseId}/break-glass`,
    token: () => r.tokens.coordinator,
    body: () => ({ reason: 'An overdose emergency at night' }),
  },
  {
    route: 'register an organisation',
    method: 'POST',
    path: () => '/organisations',
    token: () => admin,
    body: () => ({
      kind: 'ngo',
      name: 'New Hope',
      country: 'KZ',
      region: 'KZ-PAV',
      timeZone: 'Asia/Almaty',
      notificationEmails: ['hope@example.org'],
      certificationValidUntil: '2027-01-01',
    }),
  },
  {
    route: 'rename an organisation',
    method: 'PATCH',
    path: () => `/organisations/${r.orgs.ngo.id}`,
    token: () => admin,
    body: () => ({ name: 'Renamed NGO', notificationEmails: ['ngo@example.org'] }),
  },
  {
    route: 'add a prison unit',
    method: 'POST',
    path: () => `/organisations/${r.orgs.prison.id}/units`,
    token: () => r.tokens.prison,
    body: () => ({ kind: 'atlantis', name: 'Unit A', places: 10 }),
  },
  { route: 'set the holidays', method: 'PUT', path: () => '/calendars/KZ', token: () => admin, body: () => ({ holidays: [{ date: '2026-03-08', name: 'Women’s Day' }] }) },
];

/** The dotted paths of every string in a body, array items and object values at any depth. */
function stringLeaves(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => stringLeaves(item, [...path, key]));
}

function withMark(body: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const copy = structuredClone(body);
  let node = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path.at(-1)!;
  node[last] = `${String(node[last])}${MARK}`;
  return copy;
}

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  admin = await t.tokenFor(r.orgs.coordinator, 'admin');
  auditor = await t.tokenFor(r.orgs.coordinator, 'auditor');
  person = (await r.participant('court', 'Text')).id;
  // The provider gets the consent the court order needs (the court owns the case, the prison the person).
  const opened = await r.courtOrder(person, { caseNumber: 'T-1', orderDate: '2026-03-01', programme: 'ost', durationDays: 90 });
  expect(opened.status, opened.text).toBe(201);
  caseId = opened.json.id;
  const consent = await t.request('POST', `/participants/${person}/consents`, {
    token: r.tokens.court,
    body: {
      organisationId: r.orgs.ngo.id,
      dataClasses: ['identity'],
      purpose: 'post_release_support',
      validFrom: '2026-03-01',
      validUntil: '2027-03-01',
      signedMethod: 'written',
      witness: 'W. Itness',
      textVersion: 'KZ-1',
    },
  });
  expect(consent.status, consent.text).toBe(201);
  consentId = consent.json.id;
});
afterAll(() => t?.close());

describe('unstorable text: NUL and unpaired surrogates are refused with 422 and the field path', () => {
  const cases = rows.flatMap((row) => Object.entries(BAD).map(([what, escape]) => ({ name: `${row.route} with a ${what}`, row, what, escape })));

  it.each(cases)('$name', async ({ row, escape }) => {
    const valid = row.body();
    const targets = stringLeaves(valid).map((path) => ({ path: `body.${path.join('.')}`, raw: JSON.stringify(withMark(valid, path)).replace(MARK, escape) }));
    // A client-chosen key of a free-form object (event or opening data).
    for (const field of row.freeForm ?? []) {
      const raw = JSON.stringify({ ...valid, [field]: { ...(valid[field] as object), [`note${MARK}`]: 'x' } }).replace(MARK, escape);
      targets.push({ path: `body.${field}.note\uFFFD`, raw });
    }
    expect(targets.length).toBeGreaterThan(0);
    const before = await fingerprint();
    for (const target of targets) {
      const response = await t.request(row.method, row.path(), { token: row.token(), rawBody: target.raw, headers: { 'content-type': 'application/json' } });
      expect(response.status, `${target.path}: ${response.text}`).toBe(422);
      expect(response.json.code).toBe('VALIDATION_FAILED');
      expect(
        response.json.errors.map((error: { path: string }) => error.path),
        target.path,
      ).toContain(target.path);
    }
    expect(await fingerprint(), 'a refused request changed data').toBe(before);
    // The same body without the bad character passes validation (so the 422s above are the character's).
    const clean = await t.request(row.method, row.path(), { token: row.token(), body: valid });
    expect(clean.status, clean.text).not.toBe(422);
    expect(clean.status, clean.text).toBeLessThan(500);
  });

  const parameters: Array<[string, string, () => string, string]> = [
    ['search by reference', '/participants?reference=P-%00AB-CDEF', () => r.tokens.prison, 'query.reference'],
    ['a page cursor', '/cases?cursor=%00', () => r.tokens.prison, 'query.cursor'],
    ['organisations by region', '/organisations?region=KZ-%00', () => r.tokens.prison, 'query.region'],
    ['the audit by action', '/audit?action=participant.%00read', () => auditor, 'query.action'],
    ['indicators of a period', '/indicators?period=2026-%00', () => '', 'query.period'],
    ['a protocol by id', '/protocols/patronage%00', () => r.tokens.prison, 'param.id'],
    ['a person by id', `/participants/00000000-0000-4000-8000-%0000000000`, () => r.tokens.prison, 'param.id'],
    ['a holiday calendar', '/calendars/K%00', () => admin, 'param.country'],
  ];

  it.each(parameters)('%s with a NUL (%s) is 422 naming the parameter', async (_name, url, token, path) => {
    const before = await fingerprint();
    const response = await t.request('GET', url, { token: token() || null });
    expect(response.status, response.text).toBe(422);
    expect(response.json.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(await fingerprint()).toBe(before);
  });
});
