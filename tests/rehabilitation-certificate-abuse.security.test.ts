import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, caseEvents, cases } from '../db/schema.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { testScheduler } from './helpers/scheduler.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * docs/DOMAIN.md §6 against a hostile insider and another region: the centre part is the
 * person's choice only (never named at opening, never assigned), the money refuses what it
 * cannot be, and only the coordinator and the centre send what moves it.
 */
let t: TestContext;
let r: Region;
const PROTOCOL = 'rehabilitation-certificate';

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

async function expectSent(by: 'coordinator' | 'provider', caseId: string, type: string, data: Record<string, unknown> = {}) {
  const response = await r.send(by, caseId, type, data);
  expect(response.status, `${type}: ${response.text}`).toBe(201);
  return response.json;
}

async function opened(name: string) {
  const person = await r.participant('coordinator', name);
  await r.consent(person.id, r.orgs.ngo, 'coordinator');
  const response = await r.open('coordinator', PROTOCOL, person.id, [], {
    source: 'police',
    referredOn: '2026-03-01',
    ngoOrganisationId: r.orgs.ngo.id,
    referrerOrganisationId: r.orgs.prison.id,
  });
  expect(response.status, response.text).toBe(201);
  return { person, caseId: response.json.id as string };
}

async function certified(name: string, value = 100_000, validUntil = '2026-12-31') {
  const { person, caseId } = await opened(name);
  await expectSent('coordinator', caseId, 'DIAGNOSIS_RECORDED', { date: '2026-03-01', summary: 'Motivated' });
  await expectSent('coordinator', caseId, 'PROGRAMME_PREPARED', { goals: 'Abstinence', stages: ['detox'], plannedDays: 90 });
  await r.consent(person.id, r.orgs.provider, 'coordinator', { caseId, purpose: 'treatment' });
  await expectSent('coordinator', caseId, 'CERTIFICATE_ISSUED', { number: `RC-${name}`, value, validUntil });
  return { person, caseId };
}

async function admitted(name: string, value = 100_000, validUntil = '2026-12-31') {
  const { person, caseId } = await certified(name, value, validUntil);
  await expectSent('coordinator', caseId, 'CENTRE_CHOSEN', { centreOrganisationId: r.orgs.provider.id, choice: 'person' });
  await expectSent('coordinator', caseId, 'CONTRACT_SIGNED', { signedOn: '2026-03-01', parties: { ngo: true, family: false } });
  // Admitted yesterday (the test clock's today is 2026-03-02): a claim may bill 2026-03-01 and 2026-03-02.
  await expectSent('provider', caseId, 'ADMITTED', { date: '2026-03-01' });
  return { person, caseId };
}

const eventsOf = (caseId: string) => t.db.select().from(caseEvents).where(eq(caseEvents.caseId, caseId));

describe('rehabilitation-certificate against a hostile insider', () => {
  it('the centre is the person’s choice only: never named at opening (parties), never by PARTY_ASSIGNED', async () => {
    const person = await r.participant('coordinator', 'Bypass');
    const before = await t.db.select().from(cases).where(eq(cases.participantId, person.id));
    const named = await r.open('coordinator', PROTOCOL, person.id, [{ part: 'centre', organisationId: r.orgs.provider.id }], { source: 'self', referredOn: '2026-03-01' });
    expect(named.status, named.text).toBe(422);
    expect(named.headers.get('content-type')).toContain('application/problem+json');
    expect(named.json.errors).toEqual([{ path: 'body.parties', message: expect.stringContaining('CENTRE_CHOSEN') }]);
    expect(await t.db.select().from(cases).where(eq(cases.participantId, person.id))).toHaveLength(before.length);

    const { caseId } = await certified('Assigner');
    const count = (await eventsOf(caseId)).length;
    const assigned = await r.send('coordinator', caseId, 'PARTY_ASSIGNED', { part: 'centre', organisationId: r.orgs.provider.id });
    expect(assigned.status, assigned.text).toBe(422);
    expect(assigned.json.guard).toBe('partyAssignable');
    expect(await eventsOf(caseId)).toHaveLength(count);
    expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.provider })).status).toBe(404);
  });

  it('the money refuses what it cannot be: bad amounts, foreign or decided claims, a former centre, a second certificate', async () => {
    const { caseId } = await admitted('Money', 50_000);
    const count = (await eventsOf(caseId)).length;
    for (const amount of [0, -1, 1.5, '100', 1e13, null]) {
      const bad = await r.send('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-01', periodTo: '2026-03-02', amount });
      expect(bad.status, String(amount)).toBe(422);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await r.send('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-02', periodTo: '2026-03-01', amount: 1 })).status).toBe(422);
    expect((await r.send('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-01', periodTo: '2026-03-02', amount: 1, extra: 1 })).status).toBe(422);
    // A second certificate on the same case: not an event of this state.
    expect((await r.send('coordinator', caseId, 'CERTIFICATE_ISSUED', { number: 'RC-again', value: 10, validUntil: '2026-12-31' })).status).toBe(422);
    expect(await eventsOf(caseId)).toHaveLength(count);

    // Another case's claim, a non-claim event, a random id: unknown claims; the centre cannot decide its own.
    const { caseId: other } = await admitted('Other', 50_000);
    const foreign = await expectSent('provider', other, 'SERVICE_CLAIMED', { periodFrom: '2026-03-01', periodTo: '2026-03-02', amount: 1_000 });
    const own = await expectSent('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-01', periodTo: '2026-03-02', amount: 1_000 });
    const [admission] = (await eventsOf(caseId)).filter((event) => event.type === 'ADMITTED');
    for (const claimId of [foreign.event.id, admission!.id, '7f1b7c3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f']) {
      const decided = await r.send('coordinator', caseId, 'CLAIM_DECIDED', { claimId, decision: 'approved' });
      expect(decided.status, claimId).toBe(422);
    }
    expect((await r.send('provider', caseId, 'CLAIM_DECIDED', { claimId: own.event.id, decision: 'approved' })).status).toBe(422);
    expect((await t.request('GET', `/cases/${other}`, { token: r.tokens.coordinator })).json.data.claims[0].status).toBe('pending');
    await expectSent('coordinator', caseId, 'CLAIM_DECIDED', { claimId: own.event.id, decision: 'approved' });
    expect((await r.send('coordinator', caseId, 'CLAIM_DECIDED', { claimId: own.event.id, decision: 'rejected', reason: 'again' })).status).toBe(422);

    // A former centre (after CENTRE_CHANGED) cannot claim: it is no longer a party.
    const centre2 = r.decoys[0]!.orgs.provider;
    await expectSent('coordinator', caseId, 'CENTRE_CHANGED', { centreOrganisationId: centre2.id, reason: 'Moved' });
    const former = await t.request('POST', `/cases/${caseId}/events`, {
      token: r.tokens.provider,
      body: { type: 'SERVICE_CLAIMED', data: { periodFrom: '2026-03-01', periodTo: '2026-03-02', amount: 1 }, expectedVersion: 99 },
    });
    expect(former.status).toBe(404);
  });

  it('a day is billed once, only from the admission, by the certificate’s end and today: 422 naming the conflict, nothing written', async () => {
    const { person, caseId } = await admitted('Twice', 50_000, '2026-03-10');
    const billed = await expectSent('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-02', periodTo: '2026-03-02', amount: 1_000 });
    const before = await t.request('GET', `/cases/${caseId}`, { token: r.tokens.coordinator });
    const count = (await eventsOf(caseId)).length;
    const refusals = [
      [{ periodFrom: '2026-03-01', periodTo: '2026-03-02' }, 'periodFrom', /pending claim for 2026-03-02 to 2026-03-02/],
      [{ periodFrom: '2026-02-28', periodTo: '2026-03-01' }, 'periodFrom', /before the admission to this centre \(2026-03-01\)/],
      [{ periodFrom: '2026-03-01', periodTo: '2026-03-03' }, 'periodTo', /future/],
    ] as const;
    for (const [period, field, reason] of refusals) {
      const refused = await r.send('provider', caseId, 'SERVICE_CLAIMED', { ...period, amount: 1 });
      expect(refused.status, refused.text).toBe(422);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.json.errors).toEqual([{ path: `body.data.${field}`, message: expect.stringMatching(reason) }]);
      expect(refused.text).not.toContain(person.id);
      expect(refused.text).not.toContain('Twice');
    }
    // After the certificate's end: a month on, the days after 2026-03-10 are refused; the ones up to it are not.
    const month = 30 * 86_400_000;
    t.clock.advance(month);
    try {
      const late = await r.send('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-03', periodTo: '2026-03-11', amount: 1 });
      expect(late.json).toMatchObject({ status: 422, errors: [{ path: 'body.data.periodTo', message: expect.stringContaining('certificate’s end (2026-03-10)') }] });
      const after = await t.request('GET', `/cases/${caseId}`, { token: r.tokens.coordinator });
      expect(after.json.version).toBe(before.json.version);
      expect(after.json.data.claims).toEqual(before.json.data.claims);
      expect(await eventsOf(caseId)).toHaveLength(count);
      // A rejected claim frees its days; the adjacent day after a claim is free.
      await expectSent('coordinator', caseId, 'CLAIM_DECIDED', { claimId: billed.event.id, decision: 'rejected', reason: 'Not attended' });
      await expectSent('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-01', periodTo: '2026-03-02', amount: 1_000 });
      await expectSent('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-03', periodTo: '2026-03-10', amount: 1_000 });
    } finally {
      t.clock.advance(-month);
    }
  });

  it('the NGO and the referrer send nothing that moves the case or its money; their refusals are audited', async () => {
    const { person, caseId } = await admitted('Sender', 50_000);
    const before = (await eventsOf(caseId)).length;
    for (const [type, data] of [
      ['SERVICE_CLAIMED', { periodFrom: '2026-03-01', periodTo: '2026-03-02', amount: 1 }],
      ['COMPLETED', { date: '2026-03-02' }],
      ['DROPPED_OUT', { date: '2026-03-02', reason: 'x' }],
      ['PARTY_ASSIGNED', { part: 'ngo', organisationId: r.orgs.ngo2.id }],
    ] as const) {
      for (const key of ['ngo', 'prison'] as const) {
        const read = await t.request('GET', `/cases/${caseId}`, { token: r.tokens[key] });
        expect(read.status, key).toBe(200);
        expect(read.json.data.certificate).toBeUndefined();
        const sent = await t.request('POST', `/cases/${caseId}/events`, { token: r.tokens[key], body: { type, data, expectedVersion: read.json.version } });
        expect([403, 422], `${key} ${type}: ${sent.text}`).toContain(sent.status);
      }
    }
    expect(await eventsOf(caseId)).toHaveLength(before);
    const denials = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, caseId), eq(auditEvents.outcome, 'denied')));
    expect(denials.length).toBeGreaterThanOrEqual(8);
    expect(denials.every((row) => row.participantId === person.id)).toBe(true);
  });

  it('the picker lists only treatment providers certified that day, whatever kind is asked; bad parameters are 422', async () => {
    const lapsed = await t.organisation('treatment_provider', { certificationValidUntil: '2026-03-01' });
    for (const query of ['certifiedOn=2026-03-02&kind=treatment_provider', 'certifiedOn=2026-03-02']) {
      const picker = await t.request('GET', `/organisations?${query}&limit=200`, { token: r.tokens.coordinator });
      expect(picker.status).toBe(200);
      expect(picker.json.items.map((item: { id: string }) => item.id)).not.toContain(lapsed.id);
      expect(picker.json.items.every((item: { certified: boolean }) => item.certified)).toBe(true);
    }
    for (const query of ['certifiedOn=2026-02-30', 'certifiedOn=2026-3-2', 'kind=spaceship', 'certifiedOn=', 'limit=-1']) {
      const bad = await t.request('GET', `/organisations?${query}`, { token: r.tokens.ngo });
      expect(bad.status, query).toBe(422);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('the balance the expiry records stays the coordinator’s and the centre’s: the NGO and the referrer see the event, not the money', async () => {
    const scheduler = testScheduler(t);
    const { caseId } = await admitted('Lapsing', 40_000, '2026-03-05');
    await expectSent('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-01', periodTo: '2026-03-02', amount: 1_000 });
    const days = 4 * 86_400_000;
    t.clock.advance(days);
    try {
      await scheduler.tick();
      expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.coordinator })).json.state).toBe('expired');
      const expiryOf = async (token: string) => {
        const history = await t.request('GET', `/cases/${caseId}/events?limit=100`, { token });
        expect(history.status).toBe(200);
        return history.json.items.find((item: { type: string }) => item.type === 'CERTIFICATE_EXPIRED');
      };
      expect((await expiryOf(r.tokens.coordinator)).data.certificate).toMatchObject({ value: 40_000, remaining: 40_000 });
      for (const key of ['ngo', 'prison'] as const) {
        const expiry = await expiryOf(r.tokens[key]);
        expect(expiry, key).toBeDefined();
        expect(expiry.data.certificate, key).toBeUndefined();
        expect(expiry.dataWithheld, key).toBe(true);
      }
    } finally {
      t.clock.advance(-days);
    }
  });

  it('the certificate needs a confirmed consent with this case; a person of a region without a coordinator gets no case from another region', async () => {
    const { caseId } = await opened('Proposer');
    await expectSent('coordinator', caseId, 'DIAGNOSIS_RECORDED', { date: '2026-03-01', summary: 'Motivated' });
    await expectSent('coordinator', caseId, 'PROGRAMME_PREPARED', { goals: 'Abstinence', stages: ['detox'], plannedDays: 90 });
    const { person: other } = await opened('Elsewhere');
    // The named NGO proposes a consent naming itself with this case: pending, it counts for nothing.
    const person = (await t.db.select().from(cases).where(eq(cases.id, caseId)))[0]!.participantId;
    const proposed = await r.consent(person, r.orgs.ngo, 'ngo', { caseId, purpose: 'treatment' });
    expect(proposed.id).toBeDefined();
    const refused = await r.send('coordinator', caseId, 'CERTIFICATE_ISSUED', { number: 'RC-P', value: 10_000, validUntil: '2026-12-31' });
    expect(refused.json).toMatchObject({ status: 422, guard: 'informedConsentRecorded' });
    // Another person's consent, whatever case it names, does not count either.
    const foreign = await t.request('POST', `/participants/${other.id}/consents`, {
      token: r.tokens.coordinator,
      body: { organisationId: r.orgs.provider.id, dataClasses: ['identity'], purpose: 'treatment', validFrom: '2026-01-01', signedMethod: 'written', textVersion: 'v1', caseId },
    });
    expect(foreign.status, foreign.text).toBe(422);
    expect((await r.send('coordinator', caseId, 'CERTIFICATE_ISSUED', { number: 'RC-P', value: 10_000, validUntil: '2026-12-31' })).status).toBe(422);

    const lonely = await t.organisation('prison', { country: 'KZ', region: 'KZ-AKM' });
    const registered = await t.request('POST', '/participants', {
      token: await t.tokenFor(lonely, 'prison_staff'),
      body: { identity: { firstName: 'Lonely', lastName: 'Person', dateOfBirth: '1990-01-01' } },
    });
    expect(registered.status, registered.text).toBe(201);
    for (const region of r.regions) {
      const open = await region.open('coordinator', PROTOCOL, registered.json.id, [], { source: 'self', referredOn: '2026-03-01' });
      expect([404, 422], `${region.spec.region}: ${open.text}`).toContain(open.status);
    }
    expect(await t.db.select().from(cases).where(eq(cases.participantId, registered.json.id))).toHaveLength(0);
  });
});
