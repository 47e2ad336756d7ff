import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { auditEvents, caseEvents, cases } from '../db/schema.js';
import type { Actor } from '../src/auth/authenticator.js';
import { engineActorOf } from '../src/cases/facts.js';
import { applyEventTx } from '../src/cases/transitions.js';
import type { OrganisationRow } from '../src/organisations/service.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { testScheduler } from './helpers/scheduler.js';
import { createRegion, type OrgKey, type Region } from './helpers/region.js';

/**
 * docs/DOMAIN.md §6, `rehabilitation-certificate`: the region's coordinator opens and owns the
 * case, the person chooses a certified centre, the centre claims against the certificate's
 * balance and the coordinator decides each claim; completion hands the person over to the NGO.
 * Money that cannot be misused: a claim above the balance is 422 and writes nothing; two
 * racing claims for the last of the balance cannot both succeed.
 */
let t: TestContext;
let r: Region;
let centre2: OrganisationRow;
let centre2Token: string;
let lapsed: OrganisationRow;

const PROTOCOL = 'rehabilitation-certificate';

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  centre2 = await t.organisation('treatment_provider');
  centre2Token = await t.tokenFor(centre2, 'treatment_staff');
  // A treatment provider whose certification ended before today (2026-03-02): not in the registry's choice.
  lapsed = await t.organisation('treatment_provider', { certificationValidUntil: '2026-03-01' });
});
afterAll(() => t.close());

const tokenOf = (by: OrgKey | 'centre2') => (by === 'centre2' ? centre2Token : r.tokens[by]);

async function send(by: OrgKey | 'centre2', caseId: string, type: string, data: Record<string, unknown> = {}) {
  const current = await t.request('GET', `/cases/${caseId}`, { token: tokenOf(by) });
  if (current.status !== 200) throw new Error(`read before ${type}: ${current.status} ${current.text}`);
  return t.request('POST', `/cases/${caseId}/events`, { token: tokenOf(by), body: { type, data, expectedVersion: current.json.version } });
}

async function expectSent(by: OrgKey | 'centre2', caseId: string, type: string, data: Record<string, unknown> = {}) {
  const response = await send(by, caseId, type, data);
  expect(response.status, `${type}: ${response.text}`).toBe(201);
  return response.json;
}

/** A self-referral registered and opened by the home coordinator, with the NGO named (a consent naming it first). */
async function selfReferral(name: string, extra: Record<string, unknown> = {}) {
  const person = await r.participant('coordinator', name);
  await r.consent(person.id, r.orgs.ngo, 'coordinator');
  const opened = await r.open('coordinator', PROTOCOL, person.id, [], { source: 'self', referredOn: '2026-03-01', ngoOrganisationId: r.orgs.ngo.id, ...extra });
  expect(opened.status, opened.text).toBe(201);
  return { person, caseId: opened.json.id as string, opened: opened.json };
}

/** Through diagnosis, programme, the informed consent and the certificate, to a centre admitted. */
async function admitted(name: string, value = 100_000, validUntil = '2026-12-31') {
  const { person, caseId } = await selfReferral(name);
  await expectSent('coordinator', caseId, 'DIAGNOSIS_RECORDED', { date: '2026-03-01', summary: 'Motivated; opioid use' });
  await expectSent('coordinator', caseId, 'PROGRAMME_PREPARED', { goals: 'Abstinence', stages: ['detox', 'rehabilitation'], plannedDays: 120 });
  await r.consent(person.id, r.orgs.provider, 'coordinator', { caseId, purpose: 'treatment' });
  await expectSent('coordinator', caseId, 'CERTIFICATE_ISSUED', { number: `RC-${name}`, value, validUntil });
  await expectSent('coordinator', caseId, 'CENTRE_CHOSEN', { centreOrganisationId: r.orgs.provider.id, choice: 'person' });
  await expectSent('coordinator', caseId, 'CONTRACT_SIGNED', { signedOn: '2026-03-01', parties: { ngo: true, family: false } });
  // Admitted yesterday (the test clock's today is 2026-03-02): a claim may bill 2026-03-01 and 2026-03-02, once each.
  await expectSent('provider', caseId, 'ADMITTED', { date: '2026-03-01' });
  return { person, caseId };
}

const caseOf = async (caseId: string, by: OrgKey | 'centre2' = 'coordinator') => (await t.request('GET', `/cases/${caseId}`, { token: tokenOf(by) })).json;

describe('rehabilitation-certificate', () => {
  it('walks a self-referral from diagnosis to the patronage handover, its money in the case and its history', async () => {
    const { person, caseId, opened } = await selfReferral('Aigerim');
    expect(opened).toMatchObject({ state: 'referred', ownerOrganisationId: r.orgs.coordinator.id });
    expect(opened.parties).toEqual(
      expect.arrayContaining([
        { part: 'coordinator', organisationId: r.orgs.coordinator.id },
        { part: 'ngo', organisationId: r.orgs.ngo.id },
      ]),
    );
    expect(opened.parties.some((party: { part: string }) => party.part === 'referrer' || party.part === 'centre')).toBe(false);

    await expectSent('coordinator', caseId, 'DIAGNOSIS_RECORDED', { date: '2026-03-01', summary: 'Motivated; opioid use' });
    await expectSent('coordinator', caseId, 'PROGRAMME_PREPARED', { goals: 'Abstinence, housing', stages: ['detox', 'rehabilitation', 'resocialisation'], plannedDays: 180 });

    // The certificate needs the person's informed consent recorded with this case.
    const unconsented = await send('coordinator', caseId, 'CERTIFICATE_ISSUED', { number: 'RC-1', value: 100_000, validUntil: '2026-12-31' });
    expect(unconsented.json).toMatchObject({ status: 422, code: 'EVENT_NOT_ALLOWED', guard: 'informedConsentRecorded' });
    await r.consent(person.id, r.orgs.provider, 'coordinator', { caseId, purpose: 'treatment' });
    const past = await send('coordinator', caseId, 'CERTIFICATE_ISSUED', { number: 'RC-1', value: 100_000, validUntil: '2026-03-02' });
    expect(past.status).toBe(422);
    const issued = await expectSent('coordinator', caseId, 'CERTIFICATE_ISSUED', { number: 'RC-1', value: 100_000, validUntil: '2026-12-31' });
    expect(issued.case.data.certificate).toMatchObject({ number: 'RC-1', value: 100_000, currency: 'KZT', approved: 0, pending: 0, remaining: 100_000 });
    const rules = Object.fromEntries((await r.deadlinesOf(caseId)).map((row) => [row.rule, row]));
    // No centre 14 days after the certificate: remind the coordinator; 30 days before its end: coordinator (and the centre, once chosen); at its end: the timeout.
    expect(rules.centre_not_chosen).toMatchObject({ status: 'open', concerns: [r.orgs.coordinator.id] });
    expect(rules.centre_not_chosen!.dueAt.toISOString().slice(0, 10)).toBe('2026-03-16');
    expect(rules.certificate_ending).toMatchObject({ status: 'open', concerns: [r.orgs.coordinator.id] });
    expect(rules.certificate_ending!.dueAt.toISOString().slice(0, 10)).toBe('2026-12-01');
    expect(rules.certificate_expires).toMatchObject({ status: 'open', kind: 'timeout' });
    expect(rules.certificate_expires!.dueAt.toISOString().slice(0, 10)).toBe('2026-12-31');

    // The person's choice: only a treatment provider certified on that day.
    const uncertified = await send('coordinator', caseId, 'CENTRE_CHOSEN', { centreOrganisationId: lapsed.id, choice: 'person' });
    expect(uncertified.status).toBe(422);
    expect(uncertified.json.errors).toEqual([{ path: 'body.data.centreOrganisationId', message: expect.stringContaining('certification') }]);
    const notACentre = await send('coordinator', caseId, 'CENTRE_CHOSEN', { centreOrganisationId: r.orgs.house.id, choice: 'person' });
    expect(notACentre.status).toBe(422);
    const chosen = await expectSent('coordinator', caseId, 'CENTRE_CHOSEN', { centreOrganisationId: r.orgs.provider.id, choice: 'person' });
    expect(chosen.case.parties).toContainEqual({ part: 'centre', organisationId: r.orgs.provider.id });
    expect(chosen.case.data.centreChoices).toEqual([{ centreOrganisationId: r.orgs.provider.id, on: '2026-03-02', choice: 'person' }]);

    await expectSent('coordinator', caseId, 'CONTRACT_SIGNED', { signedOn: '2026-03-02', parties: { ngo: true, family: true } });
    expect((await r.deadlinesOf(caseId)).find((row) => row.rule === 'admission_overdue')).toMatchObject({
      status: 'open',
      concerns: [r.orgs.coordinator.id, r.orgs.ngo.id].sort(),
    });
    // The centre sees identity, contact, compliance and health; not the social class.
    const centreView = await caseOf(caseId, 'provider');
    expect(centreView.data.programme).toMatchObject({ goals: 'Abstinence, housing' });
    expect(centreView.data.centreChoices).toBeUndefined();
    await expectSent('provider', caseId, 'ADMITTED', { date: '2026-03-02' });

    // The person changes centre: the new centre fills the part; the old one is no longer a party (404).
    const changed = await expectSent('coordinator', caseId, 'CENTRE_CHANGED', { centreOrganisationId: centre2.id, reason: 'Closer to family' });
    expect(changed.case.state).toBe('centre_chosen');
    expect(changed.case.parties).toContainEqual({ part: 'centre', organisationId: centre2.id });
    expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.provider })).status).toBe(404);
    await expectSent('coordinator', caseId, 'CONTRACT_SIGNED', { signedOn: '2026-03-02', parties: { ngo: true, family: true } });
    await expectSent('centre2', caseId, 'ADMITTED', { date: '2026-03-02' });
    await expectSent('centre2', caseId, 'STAGE_COMPLETED', { stage: 'detox', date: '2026-03-02' });

    // A month on (2026-04-01), the centre claims its days since the admission (no day after today may be claimed).
    const month = 30 * 86_400_000;
    t.clock.advance(month);
    onTestFinished(() => t.clock.advance(-month));

    // A claim above the balance: 422, nothing written.
    const before = await caseOf(caseId);
    const eventsBefore = await t.db.select().from(caseEvents).where(eq(caseEvents.caseId, caseId));
    const tooMuch = await send('centre2', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-02', periodTo: '2026-03-31', amount: 100_001 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.headers.get('content-type')).toContain('application/problem+json');
    expect(tooMuch.json.errors).toEqual([{ path: 'body.data.amount', message: expect.stringMatching(/100000 left .*\(minor units of KZT\)/) }]);
    expect((await caseOf(caseId)).version).toBe(before.version);
    expect(await t.db.select().from(caseEvents).where(eq(caseEvents.caseId, caseId))).toHaveLength(eventsBefore.length);
    const backwards = await send('centre2', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-31', periodTo: '2026-03-02', amount: 10 });
    expect(backwards.status).toBe(422);

    const first = await expectSent('centre2', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-02', periodTo: '2026-03-15', amount: 30_000 });
    const second = await expectSent('centre2', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-16', periodTo: '2026-03-31', amount: 50_000 });
    expect(second.case.data.certificate).toMatchObject({ approved: 0, pending: 80_000, remaining: 20_000 });
    // Pending claims count against the balance: 20 001 more is refused.
    expect((await send('centre2', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-04-01', periodTo: '2026-04-01', amount: 20_001 })).status).toBe(422);
    // The centre cannot decide its own claims; the coordinator can, a rejection needs a reason.
    expect((await send('centre2', caseId, 'CLAIM_DECIDED', { claimId: first.event.id, decision: 'approved' })).json).toMatchObject({ status: 422, code: 'EVENT_NOT_ALLOWED' });
    expect((await send('coordinator', caseId, 'CLAIM_DECIDED', { claimId: first.event.id, decision: 'rejected' })).status).toBe(422);
    expect((await send('coordinator', caseId, 'CLAIM_DECIDED', { claimId: caseId, decision: 'approved' })).status).toBe(422);
    const rejected = await expectSent('coordinator', caseId, 'CLAIM_DECIDED', { claimId: first.event.id, decision: 'rejected', reason: 'Days not attended' });
    expect(rejected.case.data.certificate).toMatchObject({ approved: 0, pending: 50_000, remaining: 50_000 });
    const again = await send('coordinator', caseId, 'CLAIM_DECIDED', { claimId: first.event.id, decision: 'approved' });
    expect(again.json).toMatchObject({ status: 422, code: 'EVENT_NOT_ALLOWED', guard: 'claimPending' });
    // Completion waits for the claims to be decided.
    expect((await send('centre2', caseId, 'COMPLETED', { date: '2026-03-02' })).json).toMatchObject({ status: 422, guard: 'noPendingClaims' });
    const approved = await expectSent('coordinator', caseId, 'CLAIM_DECIDED', { claimId: second.event.id, decision: 'approved' });
    expect(approved.case.data.certificate).toMatchObject({ value: 100_000, approved: 50_000, pending: 0, remaining: 50_000 });
    expect(approved.case.data.claims).toEqual([
      expect.objectContaining({ id: first.event.id, amount: 30_000, status: 'rejected', reason: 'Days not attended', centreOrganisationId: centre2.id }),
      expect.objectContaining({ id: second.event.id, amount: 50_000, status: 'approved', periodFrom: '2026-03-16', periodTo: '2026-03-31' }),
    ]);

    // The NGO sees identity and contact; the money is not its business without a consent for it.
    const ngoView = await caseOf(caseId, 'ngo');
    expect(ngoView.data.certificate).toBeUndefined();
    expect(ngoView.data.claims).toBeUndefined();
    // Nor with a consent naming compliance: the money is the coordinator's and the centre's only; the contract is shown.
    await r.consent(person.id, r.orgs.ngo, 'coordinator', { dataClasses: ['identity', 'contact', 'compliance'], purpose: 'treatment' });
    const consentedView = await caseOf(caseId, 'ngo');
    expect(consentedView.data.contract).toMatchObject({ signedOn: '2026-03-02' });
    expect(consentedView.data.certificate).toBeUndefined();
    expect(consentedView.data.claims).toBeUndefined();
    const ngoHistory = await t.request('GET', `/cases/${caseId}/events?limit=100`, { token: r.tokens.ngo });
    const ngoClaims = ngoHistory.json.items.filter((item: { type: string }) => item.type === 'SERVICE_CLAIMED');
    expect(ngoClaims).toHaveLength(2);
    expect(ngoClaims.every((item: { data: object; dataWithheld: boolean }) => Object.keys(item.data).length === 0 && item.dataWithheld)).toBe(true);
    expect(ngoHistory.json.items.find((item: { type: string }) => item.type === 'CONTRACT_SIGNED').data).toMatchObject({ signedOn: '2026-03-02' });

    // Completion hands the person over to the NGO (stage V): a patronage case sent by the coordinator.
    const completed = await expectSent('centre2', caseId, 'COMPLETED', { date: '2026-03-02', note: 'Weekly group at the NGO' });
    expect(completed.case).toMatchObject({ state: 'completed', final: true });
    const [patronage] = await t.db.select().from(cases).where(eq(cases.parentCaseId, caseId));
    expect(patronage).toMatchObject({ protocol: 'patronage', state: 'sent', ownerOrganisationId: r.orgs.coordinator.id });
    expect(patronage!.data).toMatchObject({ patronagePlan: 'Weekly group at the NGO', continuityOfCare: 'Abstinence, housing' });
    const ngoPatronage = await t.request('GET', `/cases/${patronage!.id}`, { token: r.tokens.ngo });
    expect(ngoPatronage.status).toBe(200);
    expect(ngoPatronage.json.allowedEvents).toEqual(expect.arrayContaining(['ACKNOWLEDGED', 'DECLINED']));

    // Every claim and decision is in the history, with its amount.
    const history = await t.request('GET', `/cases/${caseId}/events?limit=100`, { token: r.tokens.coordinator });
    const money = history.json.items.filter((item: { type: string }) => item.type === 'SERVICE_CLAIMED' || item.type === 'CLAIM_DECIDED');
    expect(money.map((item: { type: string; data: Record<string, unknown> }) => [item.type, item.data.amount ?? item.data.decision])).toEqual([
      ['SERVICE_CLAIMED', 30_000],
      ['SERVICE_CLAIMED', 50_000],
      ['CLAIM_DECIDED', 'rejected'],
      ['CLAIM_DECIDED', 'approved'],
    ]);
    // Each records the balance it left.
    expect(money.map((item: { data: { certificate: { remaining: number } } }) => item.data.certificate.remaining)).toEqual([70_000, 20_000, 50_000, 50_000]);
  });

  it('two racing claims for the last of the balance, and two racing approvals, cannot both succeed', async () => {
    const { caseId } = await admitted('Racer', 60_000);
    const version = (await caseOf(caseId, 'provider')).version;
    const claim = (amount: number) =>
      t.request('POST', `/cases/${caseId}/events`, {
        token: r.tokens.provider,
        body: { type: 'SERVICE_CLAIMED', data: { periodFrom: '2026-03-01', periodTo: '2026-03-01', amount }, expectedVersion: version },
      });
    const claims = await Promise.all([claim(40_000), claim(40_000)]);
    expect(claims.map((response) => response.status).sort()).toEqual([201, 409]);
    expect((await caseOf(caseId)).data.certificate).toMatchObject({ pending: 40_000, remaining: 20_000 });

    // Sent each at the version it read after the other: the row lock serialises them, and the balance refuses the second.
    const read = await caseOf(caseId, 'provider');
    const late = await Promise.all([0, 1].map(() => send('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-02', periodTo: '2026-03-02', amount: 20_000 })));
    expect(late.filter((response) => response.status === 201)).toHaveLength(1);
    const after = await caseOf(caseId);
    expect(after.version).toBe(read.version + 1);
    expect(after.data.certificate).toMatchObject({ value: 60_000, pending: 60_000, remaining: 0 });

    // Beneath the API's version check: two transactions each lock the case row and decide; the second waits for the
    // first, sees its claim, and the balance refuses it (on PostgreSQL these run on two connections at once).
    const { caseId: lockedCase } = await admitted('Locker', 50_000);
    const provider = r.orgs.provider;
    const actor: Actor = {
      sub: 'race',
      name: undefined,
      organisation: { id: provider.id, kind: 'treatment_provider', name: provider.name, country: 'KZ', region: 'KZ-PAV' },
      roles: ['treatment_staff'],
      expiresAt: new Date('2100-01-01T00:00:00Z'),
    };
    const underLock = () =>
      t.db
        .transaction(async (tx) => {
          const [locked] = await tx.select().from(cases).where(eq(cases.id, lockedCase)).for('update');
          const event = { type: 'SERVICE_CLAIMED', data: { periodFrom: '2026-03-01', periodTo: '2026-03-02', amount: 30_000 } };
          await applyEventTx(tx, locked!, event, {
            engine: engineActorOf(actor),
            sub: actor.sub,
            organisationId: provider.id,
            request: { actor, requestId: undefined, now: t.clock.now() },
          });
        })
        .then(
          () => 'accepted',
          (error: unknown) => (error as { code?: string }).code ?? String(error),
        );
    expect((await Promise.all([underLock(), underLock()])).sort()).toEqual(['VALIDATION_FAILED', 'accepted']);
    expect((await caseOf(lockedCase)).data.certificate).toMatchObject({ value: 50_000, pending: 30_000, remaining: 20_000 });

    const pendingId = after.data.claims[0].id as string;
    const decideVersion = after.version;
    const approve = () =>
      t.request('POST', `/cases/${caseId}/events`, {
        token: r.tokens.coordinator,
        body: { type: 'CLAIM_DECIDED', data: { claimId: pendingId, decision: 'approved' }, expectedVersion: decideVersion },
      });
    const approvals = await Promise.all([approve(), approve()]);
    expect(approvals.map((response) => response.status).sort()).toEqual([201, 409]);
    const decided = await caseOf(caseId);
    expect(decided.data.certificate).toMatchObject({ approved: 40_000, pending: 20_000, remaining: 0 });
    const decisions = await t.db
      .select()
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, caseId), eq(caseEvents.type, 'CLAIM_DECIDED')));
    expect(decisions).toHaveLength(1);
  });

  it('another region’s coordinator and centre get 404, audited; the picker lists certified centres, the person’s region first', async () => {
    const { caseId } = await admitted('Outsider');
    for (const decoy of r.decoys) {
      for (const key of ['coordinator', 'provider'] as const) {
        const read = await t.request('GET', `/cases/${caseId}`, { token: decoy.tokens[key] });
        expect(read.status, `${decoy.spec.region} ${key}`).toBe(404);
        const event = await t.request('POST', `/cases/${caseId}/events`, {
          token: decoy.tokens[key],
          body: { type: 'SERVICE_CLAIMED', data: { periodFrom: '2026-03-01', periodTo: '2026-03-02', amount: 1 }, expectedVersion: 1 },
        });
        expect(event.status).toBe(404);
        const denials = await t.db
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.organisationId, decoy.orgs[key].id), eq(auditEvents.subjectId, caseId)));
        expect(denials.map((row) => row.outcome)).toEqual(['denied', 'denied']);
      }
      // Nor may it open a case for a person of another region.
      const person = await r.participant('coordinator', 'Elsewhere');
      const open = await decoy.open('coordinator', PROTOCOL, person.id, [], { source: 'self', referredOn: '2026-03-01' });
      expect(open.status).toBe(422);
    }

    // The picker: certified on the day, the home region first, then the others.
    const picker = await t.request('GET', '/organisations?certifiedOn=2026-03-02&kind=treatment_provider&regionFirst=KZ-PAV&limit=200', { token: r.tokens.coordinator });
    expect(picker.status).toBe(200);
    const ids = picker.json.items.map((item: { id: string }) => item.id);
    expect(ids).not.toContain(lapsed.id);
    expect(ids).toEqual(expect.arrayContaining([r.orgs.provider.id, centre2.id, ...r.decoys.map((decoy) => decoy.orgs.provider.id)]));
    const regions = picker.json.items.map((item: { region: string }) => item.region);
    expect(regions.slice(0, regions.lastIndexOf('KZ-PAV') + 1).every((region: string) => region === 'KZ-PAV')).toBe(true);
    expect(regions.at(-1)).not.toBe('KZ-PAV');
    expect(picker.json.items.every((item: { kind: string; certified: boolean }) => item.kind === 'treatment_provider' && item.certified)).toBe(true);
    // Paged by one, the cursor keeps the order.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof t.request>> = await t.request(
        'GET',
        `/organisations?certifiedOn=2026-03-02&kind=treatment_provider&regionFirst=KZ-PAV&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        { token: r.tokens.coordinator },
      );
      expect(page.status).toBe(200);
      paged.push(...page.json.items.map((item: { id: string }) => item.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(paged).toEqual(ids);
    // On a later day the lapsed one is still out, and a day after everyone's certification nobody is in.
    expect((await t.request('GET', '/organisations?certifiedOn=2028-01-01&kind=treatment_provider', { token: r.tokens.coordinator })).json.items).toEqual([]);
    const early = await t.request('GET', '/organisations?certifiedOn=2026-02-01&kind=treatment_provider', { token: r.tokens.coordinator });
    expect(early.json.items.map((item: { id: string }) => item.id)).toContain(lapsed.id);
    // Bad input: 422 problem+json.
    for (const query of ['certifiedOn=2026-13-01', 'certifiedOn=yesterday', 'regionFirst=pavlodar', 'regionFirst=KZ-PAV&cursor=bm9wZQ']) {
      const bad = await t.request('GET', `/organisations?${query}`, { token: r.tokens.coordinator });
      expect(bad.status, query).toBe(422);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
    }
  });
  it('expires at the certificate’s end date: the system sends CERTIFICATE_EXPIRED, a pending claim lapses as rejected', async () => {
    const scheduler = testScheduler(t);
    const { caseId } = await admitted('Expiring', 30_000, '2026-03-20');
    await expectSent('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: '2026-03-01', periodTo: '2026-03-02', amount: 10_000 });
    await scheduler.tick();
    expect((await caseOf(caseId)).state).toBe('in_rehabilitation');
    const days = 19 * 86_400_000;
    t.clock.advance(days);
    try {
      await scheduler.tick();
      const expired = await caseOf(caseId);
      expect(expired).toMatchObject({ state: 'expired', final: true });
      expect(expired.data.claims).toEqual([expect.objectContaining({ amount: 10_000, status: 'rejected', reason: 'The certificate expired' })]);
      expect(expired.data.certificate).toMatchObject({ approved: 0, pending: 0, remaining: 30_000 });
      const [event] = await t.db
        .select()
        .from(caseEvents)
        .where(and(eq(caseEvents.caseId, caseId), eq(caseEvents.type, 'CERTIFICATE_EXPIRED')));
      expect(event).toMatchObject({ part: 'system', actorSub: 'system', toState: 'expired' });
    } finally {
      t.clock.advance(-days);
    }
  });
});
