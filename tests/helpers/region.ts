import type { Role } from '../../src/domain.js';
import type { OrganisationRow } from '../../src/organisations/service.js';
import type { TestContext } from './context.js';

/**
 * A region with one organisation of each kind (two NGOs and two prisons for hand-overs),
 * staff tokens for each, and helpers that drive cases through the HTTP API.
 */
export async function createRegion(t: TestContext) {
  const orgs = {
    coordinator: await t.organisation('coordinator'),
    prison: await t.organisation('prison'),
    prison2: await t.organisation('prison'),
    court: await t.organisation('court'),
    probation: await t.organisation('probation'),
    provider: await t.organisation('treatment_provider'),
    ngo: await t.organisation('ngo'),
    ngo2: await t.organisation('ngo'),
    house: await t.organisation('halfway_house', { beds: 1 }),
  };
  const roleOf: Record<keyof typeof orgs, Role> = {
    coordinator: 'coordinator',
    prison: 'prison_staff',
    prison2: 'prison_staff',
    court: 'judge',
    probation: 'probation_officer',
    provider: 'treatment_staff',
    ngo: 'ngo_worker',
    ngo2: 'ngo_worker',
    house: 'halfway_house_staff',
  };
  const tokens = Object.fromEntries(await Promise.all(Object.entries(orgs).map(async ([key, org]) => [key, await t.tokenFor(org, roleOf[key as keyof typeof orgs])]))) as Record<
    keyof typeof orgs,
    string
  >;

  async function participant(owner: keyof typeof orgs = 'prison', name = 'Test') {
    const response = await t.request('POST', '/participants', { token: tokens[owner], body: { identity: { firstName: name, lastName: 'Person', dateOfBirth: '1990-01-01' } } });
    if (response.status !== 201) throw new Error(`participant: ${response.status} ${response.text}`);
    return response.json as { id: string; referenceCode: string };
  }

  async function consent(participantId: string, organisation: OrganisationRow, by: keyof typeof orgs = 'prison', extra: Record<string, unknown> = {}) {
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

  async function open(by: keyof typeof orgs, protocol: string, participantId: string, parties: { part: string; organisationId: string }[], data: Record<string, unknown>) {
    return t.request('POST', '/cases', { token: tokens[by], body: { protocol, participantId, parties, data } });
  }

  /** Sends an event at the case's current version; returns the response. */
  async function send(by: keyof typeof orgs, caseId: string, type: string, data: Record<string, unknown> = {}) {
    const current = await t.request('GET', `/cases/${caseId}`, { token: tokens[by] });
    if (current.status !== 200) throw new Error(`read before ${type}: ${current.status} ${current.text}`);
    return t.request('POST', `/cases/${caseId}/events`, { token: tokens[by], body: { type, data, expectedVersion: current.json.version } });
  }

  async function deadlinesOf(caseId: string) {
    const { deadlines } = await import('../../db/schema.js');
    const { eq } = await import('drizzle-orm');
    return t.db.select().from(deadlines).where(eq(deadlines.caseId, caseId));
  }

  return { orgs, tokens, participant, consent, open, send, deadlinesOf };
}
export type Region = Awaited<ReturnType<typeof createRegion>>;
