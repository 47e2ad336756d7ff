import type { Country, Role } from '../../src/domain.js';
import type { OrganisationRow } from '../../src/organisations/service.js';
import type { TestContext } from './context.js';

/**
 * The test world (CONVENTIONS.md, "The test world is the real world's shape"): three regions
 * in two countries with different time zones, each with one organisation of every kind (two
 * NGOs and two prisons for hand-overs) and staff tokens for each. Tests act in the home
 * region; the others are decoys, created first, so that a lookup that takes "the first
 * coordinator" (or prison, or NGO) instead of the right one picks a decoy and fails.
 */
export type RegionSpec = { country: Country; region: string; timeZone?: string; /** false: a region without a coordinator organisation */ coordinator?: boolean };

export const HOME_REGION = { country: 'KZ', region: 'KZ-PAV' } as const satisfies RegionSpec;
/** Karaganda: same country and zone as home. Chüy (Kyrgyzstan): another country, Asia/Bishkek (UTC+6 against UTC+5). */
export const DECOY_REGIONS = [
  { country: 'KZ', region: 'KZ-KAR' },
  { country: 'KG', region: 'KG-C' },
] as const satisfies readonly RegionSpec[];

const ROLE_OF = {
  coordinator: 'coordinator',
  prison: 'prison_staff',
  prison2: 'prison_staff',
  court: 'judge',
  probation: 'probation_officer',
  provider: 'treatment_staff',
  ngo: 'ngo_worker',
  ngo2: 'ngo_worker',
  house: 'halfway_house_staff',
} as const satisfies Record<string, Role>;
export type OrgKey = keyof typeof ROLE_OF;

/** One region's organisations (every kind) and a staff token for each. */
export async function buildRegion(t: TestContext, spec: RegionSpec = HOME_REGION) {
  const where = { country: spec.country, region: spec.region, ...(spec.timeZone ? { timeZone: spec.timeZone } : {}) };
  const partial = {
    ...(spec.coordinator === false ? {} : { coordinator: await t.organisation('coordinator', where) }),
    prison: await t.organisation('prison', where),
    prison2: await t.organisation('prison', where),
    court: await t.organisation('court', where),
    probation: await t.organisation('probation', where),
    provider: await t.organisation('treatment_provider', where),
    ngo: await t.organisation('ngo', where),
    ngo2: await t.organisation('ngo', where),
    house: await t.organisation('halfway_house', { ...where, beds: 1 }),
  };
  const entries = Object.entries(partial) as [OrgKey, OrganisationRow][];
  const tokens = Object.fromEntries(await Promise.all(entries.map(async ([key, org]) => [key, await t.tokenFor(org, ROLE_OF[key])]))) as Record<OrgKey, string>;
  // The coordinator key is always present in the type: a region built without one has none at run time.
  const orgs = partial as Record<OrgKey, OrganisationRow>;
  return { spec, orgs, tokens, ...drivers(t, tokens, orgs) };
}
export type BuiltRegion = Awaited<ReturnType<typeof buildRegion>>;

/** Helpers that drive cases through the HTTP API as a region's staff. */
function drivers(t: TestContext, tokens: Record<OrgKey, string>, orgs: Record<OrgKey, OrganisationRow>) {
  async function participant(owner: OrgKey = 'prison', name = 'Test') {
    const response = await t.request('POST', '/participants', { token: tokens[owner], body: { identity: { firstName: name, lastName: 'Person', dateOfBirth: '1990-01-01' } } });
    if (response.status !== 201) throw new Error(`participant: ${response.status} ${response.text}`);
    return response.json as { id: string; referenceCode: string };
  }

  async function consent(participantId: string, organisation: OrganisationRow, by: OrgKey = 'prison', extra: Record<string, unknown> = {}) {
    const response = await t.request('POST', `/participants/${participantId}/consents`, {
      token: tokens[by],
      body: {
        organisationId: organisation.id,
        dataClasses: ['identity', 'contact', 'health'],
        purpose: 'post_release_support',
        validFrom: '2026-01-01',
        validUntil: '2027-12-31',
        signedMethod: 'written',
        witness: 'Officer Test',
        textVersion: 'v1',
        ...extra,
      },
    });
    if (response.status !== 201) throw new Error(`consent: ${response.status} ${response.text}`);
    return response.json as { id: string };
  }

  async function open(by: OrgKey, protocol: string, participantId: string, parties: { part: string; organisationId: string }[], data: Record<string, unknown>) {
    return t.request('POST', '/cases', { token: tokens[by], body: { protocol, participantId, parties, data } });
  }

  /** A court order opened by the court, with the region's probation service and treatment provider as its parties. */
  async function courtOrder(participantId: string, data: Record<string, unknown>) {
    return open(
      'court',
      'court-ordered-treatment',
      participantId,
      [
        { part: 'probation', organisationId: orgs.probation.id },
        { part: 'provider', organisationId: orgs.provider.id },
      ],
      data,
    );
  }

  /** A patronage handover sent by the prison to the region's NGO, naming its probation service (not a party) in the data. */
  async function handover(participantId: string, data: Record<string, unknown> = {}) {
    return open('prison', 'patronage', participantId, [{ part: 'ngo', organisationId: orgs.ngo.id }], {
      releasedAt: '2026-03-02T10:00:00+05:00',
      releaseAddressPlan: 'Shelter, Pavlodar',
      patronagePlan: 'Weekly meetings',
      probationOrganisationId: orgs.probation.id,
      ...data,
    });
  }

  /** Sends an event at the case's current version; returns the response. */
  async function send(by: OrgKey, caseId: string, type: string, data: Record<string, unknown> = {}) {
    const current = await t.request('GET', `/cases/${caseId}`, { token: tokens[by] });
    if (current.status !== 200) throw new Error(`read before ${type}: ${current.status} ${current.text}`);
    return t.request('POST', `/cases/${caseId}/events`, { token: tokens[by], body: { type, data, expectedVersion: current.json.version } });
  }

  /** A prisoner enrolled in a new Atlantis unit of the prison (screened, then admitted): the enrolment's id and version. */
  async function enrolled(name: string) {
    const unit = await t.request('POST', `/organisations/${orgs.prison.id}/units`, {
      token: tokens.prison,
      body: { kind: 'atlantis', name: `Unit ${name} ${Math.random()}`, places: 10 },
    });
    const person = await participant('prison', name);
    const enrolment = await open('prison', 'unit-enrolment', person.id, [], { unitId: unit.json.id, expectedReleaseDate: '2026-06-01' });
    await send('prison', enrolment.json.id, 'SCREENED', { date: '2026-03-02', outcome: 'suitable' });
    const admitted = await send('prison', enrolment.json.id, 'ADMITTED', { date: '2026-03-02', consentToTreatment: true, unitAgreementSigned: true });
    if (admitted.json.case?.state !== 'enrolled') throw new Error(`enrolment not admitted: ${admitted.status} ${admitted.text}`);
    return { id: enrolment.json.id as string, version: admitted.json.case.version as number };
  }

  /** The prison records a drug test on an enrolment at the version given (the bench's event). */
  function drugTest(caseId: string, version: number, result = 'negative') {
    return t.request('POST', `/cases/${caseId}/events`, {
      token: tokens.prison,
      body: { type: 'DRUG_TEST_RECORDED', data: { date: '2026-03-02', result }, expectedVersion: version },
    });
  }

  async function deadlinesOf(caseId: string) {
    const { deadlines } = await import('../../db/schema.js');
    const { eq } = await import('drizzle-orm');
    return t.db.select().from(deadlines).where(eq(deadlines.caseId, caseId));
  }

  return { participant, consent, open, courtOrder, handover, send, enrolled, drugTest, deadlinesOf };
}

/**
 * The shared world: the decoy regions first (their coordinators before the home one), then
 * the home region. `orgs`, `tokens` and the drivers act in the home region, as before.
 */
export async function createRegion(t: TestContext, options: { home?: RegionSpec; decoys?: readonly RegionSpec[] } = {}) {
  const decoys: BuiltRegion[] = [];
  for (const spec of options.decoys ?? DECOY_REGIONS) decoys.push(await buildRegion(t, spec));
  const home = await buildRegion(t, options.home ?? HOME_REGION);
  return { ...home, decoys, regions: [...decoys, home] };
}
export type Region = Awaited<ReturnType<typeof createRegion>>;
