import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * A lifecycle across protocols, as the README walks it through:
 * unit enrolment → pre-release with a halfway-house referral → release →
 * patronage acknowledged → pre-release closed.
 */
let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

const PATHWAYS = ['accommodation', 'identity_documents', 'health_continuity', 'employment_education', 'family', 'finance_benefits', 'patronage'];

describe('a person’s way from a prison unit to patronage', () => {
  it('runs green across the five-protocol chain', async () => {
    const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, { token: r.tokens.prison, body: { kind: 'atlantis', name: 'Atlantis L', places: 10 } });
    const person = await r.participant('prison', 'Lifecycle');

    // 1. Unit enrolment; release expected within 180 days, so the planning reminder is due at once.
    const enrolment = await r.open('prison', 'unit-enrolment', person.id, [], { unitId: unit.json.id, expectedReleaseDate: '2026-06-01' });
    await r.send('prison', enrolment.json.id, 'SCREENED', { date: '2026-03-02', outcome: 'suitable' });
    expect((await r.send('prison', enrolment.json.id, 'ADMITTED', { date: '2026-03-02', consentToTreatment: true, unitAgreementSigned: true })).json.case.state).toBe('enrolled');
    const planning = (await r.deadlinesOf(enrolment.json.id)).find((row) => row.rule === 'pre_release_planning');
    expect(planning).toMatchObject({ status: 'open', dueAt: new Date('2025-12-03T04:00:00.000Z') });

    // 2. Pre-release opens; the unit's planning reminder is void.
    const plan = await r.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-06-01' });
    expect(plan.status, plan.text).toBe(201);
    expect(plan.json.data.pathways.accommodation).toEqual({ status: 'not_started' });
    expect((await r.deadlinesOf(enrolment.json.id)).find((row) => row.rule === 'pre_release_planning')?.status).toBe('void');
    const planDeadlines = (await r.deadlinesOf(plan.json.id))
      .filter((row) => row.status === 'open')
      .map((row) => row.rule)
      .sort();
    expect(planDeadlines).toEqual(['pathways_not_started', 'planning_escalation', 'release_day', 'release_in_14_days', 'release_in_30_days', 'release_in_7_days']);

    // Without an NGO and with pathways open, the plan cannot be agreed; the refusal names the guard.
    const early = await r.send('prison', plan.json.id, 'PLAN_AGREED', {});
    expect(early.status).toBe(422);
    expect(early.json).toMatchObject({ code: 'EVENT_NOT_ALLOWED', guard: 'allPathwaysSettled' });

    // Naming the NGO needs its consent.
    const noConsent = await r.send('prison', plan.json.id, 'PARTY_ASSIGNED', { part: 'ngo', organisationId: r.orgs.ngo.id });
    expect(noConsent.json.guard).toBe('partyAssignable');
    await r.consent(person.id, r.orgs.ngo);
    expect((await r.send('prison', plan.json.id, 'PARTY_ASSIGNED', { part: 'ngo', organisationId: r.orgs.ngo.id })).status).toBe(201);

    // Pathways: the NGO acts on its own; the 56-day "nothing started" deadline goes.
    expect((await r.send('ngo', plan.json.id, 'PATHWAY_UPDATED', { pathway: 'patronage', status: 'done', organisationId: r.orgs.ngo.id, note: 'Weekly meetings' })).status).toBe(
      201,
    );
    expect((await r.deadlinesOf(plan.json.id)).find((row) => row.rule === 'pathways_not_started')?.status).toBe('void');
    for (const pathway of PATHWAYS.filter((name) => name !== 'patronage')) {
      const status = pathway === 'employment_education' ? 'not_needed' : 'done';
      expect((await r.send('prison', plan.json.id, 'PATHWAY_UPDATED', { pathway, status })).status).toBe(201);
    }

    // 3. A halfway-house referral opens a linked case, arriving on the release date.
    expect((await r.send('prison', plan.json.id, 'HALFWAY_HOUSE_REFERRED', { halfwayHouseOrganisationId: r.orgs.house.id })).status).toBe(201);
    const houseCases = await t.request('GET', '/cases?protocol=halfway-house', { token: r.tokens.house });
    const referral = houseCases.json.items.find((item: { parentCaseId: string }) => item.parentCaseId === plan.json.id);
    expect(referral).toMatchObject({ state: 'referred', data: { expectedArrivalDate: '2026-06-01' }, ownerOrganisationId: r.orgs.prison.id });
    expect((await r.send('house', referral.id, 'ACCEPTED', {})).json.case.state).toBe('accepted');

    // The release date moves: the plan's and the linked referral's deadlines move with it.
    await r.send('prison', plan.json.id, 'RELEASE_DATE_CHANGED', { releaseDate: '2026-06-15', reason: 'Court decision' });
    expect((await r.deadlinesOf(plan.json.id)).find((row) => row.rule === 'release_day' && row.status === 'open')?.dueAt.toISOString()).toBe('2026-06-15T04:00:00.000Z');
    const moved = await t.request('GET', `/cases/${referral.id}`, { token: r.tokens.house });
    expect(moved.json.data.expectedArrivalDate).toBe('2026-06-15');
    expect((await r.deadlinesOf(referral.id)).find((row) => row.rule === 'arrival_missed' && row.status === 'open')?.dueAt.toISOString()).toBe('2026-06-16T04:00:00.000Z');

    expect((await r.send('prison', plan.json.id, 'PLAN_AGREED', {})).json.case.state).toBe('plan_agreed');

    // 4. Release opens the patronage case for the NGO, with the region's coordinator added.
    const released = await r.send('prison', plan.json.id, 'RELEASED', { releasedAt: '2026-06-15T09:30:00+05:00', releaseAddress: 'Pavlodar, Satpaev st.' });
    expect(released.json.case.state).toBe('released');
    const handovers = await t.request('GET', '/cases?protocol=patronage', { token: r.tokens.ngo });
    const patronage = handovers.json.items.find((item: { parentCaseId: string }) => item.parentCaseId === plan.json.id);
    expect(patronage).toMatchObject({ state: 'sent', allowedEvents: ['ACKNOWLEDGED', 'DECLINED'] });
    expect(patronage.parties).toContainEqual({ part: 'coordinator', organisationId: r.orgs.coordinator.id });
    // The handover package holds only what the NGO may see: its consent names identity, contact and health, not social.
    expect(patronage.data).toMatchObject({ releaseAddressPlan: 'Pavlodar, Satpaev st.', probationOrganisationId: r.orgs.probation.id });
    expect(patronage.data).not.toHaveProperty('patronagePlan');
    expect(patronage.dataWithheld).toBe(true);
    const senderView = await t.request('GET', `/cases/${patronage.id}`, { token: r.tokens.prison });
    expect(senderView.json.data).toMatchObject({ patronagePlan: 'Weekly meetings' });

    // 5. The NGO acknowledges: the pre-release case closes itself.
    expect((await r.send('ngo', patronage.id, 'ACKNOWLEDGED', { caseworker: 'Aliya', plannedFirstContact: '2026-06-16' })).json.case.state).toBe('acknowledged');
    const closed = await t.request('GET', `/cases/${plan.json.id}`, { token: r.tokens.prison });
    expect(closed.json).toMatchObject({ state: 'closed', final: true });
    const history = await t.request('GET', `/cases/${plan.json.id}/events`, { token: r.tokens.prison });
    expect(history.json.items.at(-1)).toMatchObject({ type: 'PATRONAGE_ACKNOWLEDGED', part: 'system', organisationId: null });

    // The release reached the unit case: the service ended it as released, on release day (DOMAIN.md, "Release propagates").
    const unitCase = await t.request('GET', `/cases/${enrolment.json.id}`, { token: r.tokens.prison });
    expect(unitCase.json).toMatchObject({ state: 'released', final: true });
    const unitHistory = await t.request('GET', `/cases/${enrolment.json.id}/events`, { token: r.tokens.prison });
    expect(unitHistory.json.items.at(-1)).toMatchObject({ type: 'RELEASED', part: 'system', organisationId: null, data: { date: '2026-06-15' } });
  });

  it('an early release reaches every linked case: the unit case ends, the house expects the person that day, the custody record and the waiter are told', async () => {
    const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, { token: r.tokens.prison, body: { kind: 'clean_zone', name: 'Clean Zone E', places: 1 } });
    expect(unit.status, unit.text).toBe(201);
    const person = await r.participant('prison', 'Earlyova');
    const waiter = await r.participant('prison', 'Waitova');
    const enrol = async (who: string) => {
      const opened = await r.open('prison', 'unit-enrolment', who, [], { unitId: unit.json.id, expectedReleaseDate: '2026-06-01' });
      await r.send('prison', opened.json.id, 'SCREENED', { date: '2026-03-02', outcome: 'suitable' });
      await r.send('prison', opened.json.id, 'ADMITTED', { date: '2026-03-02', consentToTreatment: true, unitAgreementSigned: true });
      return opened.json.id as string;
    };
    const enrolment = await enrol(person.id);
    const waiting = await enrol(waiter.id);
    expect((await t.request('GET', `/cases/${waiting}`, { token: r.tokens.prison })).json.state).toBe('waitlisted');

    await r.consent(person.id, r.orgs.ngo);
    const plan = await r.open(
      'prison',
      'pre-release',
      person.id,
      [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'ngo', organisationId: r.orgs.ngo.id },
      ],
      { releaseDate: '2026-06-01' },
    );
    expect(plan.status, plan.text).toBe(201);
    // The referral fills the plan's halfway-house part and carries its note to the house's case.
    const referred = await r.send('prison', plan.json.id, 'HALFWAY_HOUSE_REFERRED', { halfwayHouseOrganisationId: r.orgs.house.id, note: 'Needs a ground-floor room' });
    expect(referred.status, referred.text).toBe(201);
    expect(referred.json.case.parties).toContainEqual({ part: 'halfway_house', organisationId: r.orgs.house.id });
    const houseCases = await t.request('GET', '/cases?protocol=halfway-house', { token: r.tokens.prison });
    const referral = houseCases.json.items.find((item: { parentCaseId: string }) => item.parentCaseId === plan.json.id);
    expect(referral.data).toMatchObject({ expectedArrivalDate: '2026-06-01', referralNote: 'Needs a ground-floor room' });
    expect((await r.send('house', referral.id, 'ACCEPTED', {})).status).toBe(201);

    // Released two and a half months early, without an agreed plan.
    const releasedAt = '2026-03-17T10:00:00+05:00';
    const released = await r.send('prison', plan.json.id, 'RELEASED_WITHOUT_PLAN', { releasedAt, reason: 'Amnesty' });
    expect(released.status, released.text).toBe(201);

    // The unit case ended as released by the service; the place it freed is offered for the waiter.
    expect((await t.request('GET', `/cases/${enrolment}`, { token: r.tokens.prison })).json).toMatchObject({ state: 'released', final: true });
    expect((await r.deadlinesOf(waiting)).filter((row) => row.rule === 'place_freed').map((row) => [row.status, row.concerns])).toEqual([['open', [r.orgs.prison.id]]]);
    // The house expects the person on the actual release day, and its "not arrived" deadline moved with it.
    const house = await t.request('GET', `/cases/${referral.id}`, { token: r.tokens.prison });
    expect(house.json.data.expectedArrivalDate).toBe('2026-03-17');
    expect((await r.deadlinesOf(referral.id)).find((row) => row.rule === 'arrival_missed' && row.status === 'open')?.dueAt.toISOString()).toBe('2026-03-18T04:00:00.000Z');
    // The house, which keeps a bed from the new date, is told.
    expect((await r.deadlinesOf(referral.id)).filter((row) => row.rule === 'arrival_date_changed').map((row) => row.concerns)).toEqual([[r.orgs.house.id]]);
    // The custody record holds the actual release time.
    const record = await t.request('GET', `/participants/${person.id}`, { token: r.tokens.prison });
    expect(record.json.custody).toMatchObject({ actualReleaseAt: releasedAt });
    // Written as a new version of the record, and audited as the release's change to it.
    expect(record.json.version).toBeGreaterThan(1);
    const { auditEvents } = await import('../db/schema.js');
    const { and, eq } = await import('drizzle-orm');
    const written = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, person.id), eq(auditEvents.action, 'participant.record.custody')));
    expect(written).toHaveLength(1);

    // Once the waiter is admitted, the "place freed" notice about them is settled.
    expect((await r.send('prison', waiting, 'ADMITTED', { date: '2026-03-18', consentToTreatment: true, unitAgreementSigned: true })).json.case.state).toBe('enrolled');
    expect((await r.deadlinesOf(waiting)).filter((row) => row.rule === 'place_freed').map((row) => row.status)).toEqual(['void']);
  });

  it('a withdrawal followed by re-engagement', async () => {
    const person = await r.participant('prison', 'Returning');
    await r.consent(person.id, r.orgs.ngo);
    const handover = await r.open('prison', 'patronage', person.id, [{ part: 'ngo', organisationId: r.orgs.ngo.id }], {
      releasedAt: '2026-03-02T09:00:00+05:00',
      releaseAddressPlan: 'Pavlodar, Satpaev st.',
      patronagePlan: 'Weekly meetings',
    });
    expect(handover.status, handover.text).toBe(201);
    const id = handover.json.id as string;
    expect((await r.send('ngo', id, 'ACKNOWLEDGED', { caseworker: 'Aliya', plannedFirstContact: '2026-03-02' })).json.case.state).toBe('acknowledged');
    expect((await r.send('ngo', id, 'FIRST_CONTACT_MADE', { at: '2026-03-02T12:00:00+05:00', how: 'in_person' })).json.case.state).toBe('active');

    // The person declines: the case stays open for the motivational window, and the NGO (not the sender) is reminded.
    const withdrawn = await r.send('ngo', id, 'WITHDRAWN', { reason: 'Does not want support now' });
    expect(withdrawn.json.case).toMatchObject({ state: 'withdrawn', final: false, allowedEvents: ['MOTIVATIONAL_CONTACT_RECORDED', 'RE_ENGAGED'] });
    const queued = async (key: 'ngo' | 'prison') =>
      (await t.request('GET', '/deadlines?limit=200', { token: r.tokens[key] })).json.items
        .filter((item: { caseId: string }) => item.caseId === id)
        .map((item: { rule: string }) => item.rule);
    expect(await queued('ngo')).toEqual(['motivational_follow_up_1', 'motivational_follow_up_2', 'motivational_follow_up_3']);
    expect(await queued('prison')).toEqual([]);
    expect((await t.request('GET', `/cases/${id}`, { token: r.tokens.prison })).json.allowedEvents).toEqual(['PARTY_ASSIGNED']);

    // A motivational contact, then the person comes back: active again, with weekly contacts from the re-engagement.
    expect((await r.send('ngo', id, 'MOTIVATIONAL_CONTACT_RECORDED', { date: '2026-03-02', outcome: 'Talked it over' })).json.case.state).toBe('withdrawn');
    const back = await r.send('ngo', id, 'RE_ENGAGED', { date: '2026-03-02', note: 'Agreed to meet weekly' });
    expect(back.json.case).toMatchObject({ state: 'active', data: { reEngagedOn: '2026-03-02', nextContactDue: '2026-03-09' } });
    expect(await queued('ngo')).toEqual(['contact_due', 'follow_up_3_months', 'follow_up_6_months', 'follow_up_12_months']);
    const contact = await r.send('ngo', id, 'CONTACT_RECORDED', { date: '2026-03-02', kind: 'phone', outcome: 'Fine' });
    expect(contact.json.case.data.nextContactDue).toBe('2026-03-09');
    expect((await r.send('ngo', id, 'COMPLETED', {})).json.case).toMatchObject({ state: 'completed', final: true });

    const history = await t.request('GET', `/cases/${id}/events`, { token: r.tokens.ngo });
    expect(history.json.items.map((item: { type: string }) => item.type)).toEqual([
      'CASE_OPENED',
      'ACKNOWLEDGED',
      'FIRST_CONTACT_MADE',
      'WITHDRAWN',
      'MOTIVATIONAL_CONTACT_RECORDED',
      'RE_ENGAGED',
      'CONTACT_RECORDED',
      'COMPLETED',
    ]);
  });

  it('a release ends an application not yet screened; a declined handover closed by the sender closes the plan', async () => {
    const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, { token: r.tokens.prison, body: { kind: 'atlantis', name: 'Atlantis D', places: 5 } });
    const person = await r.participant('prison', 'Declinedova');
    const application = await r.open('prison', 'unit-enrolment', person.id, [], { unitId: unit.json.id, expectedReleaseDate: '2026-09-01' });
    expect(application.json.state).toBe('applied');
    await r.consent(person.id, r.orgs.ngo);
    const plan = await r.open(
      'prison',
      'pre-release',
      person.id,
      [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'ngo', organisationId: r.orgs.ngo.id },
      ],
      { releaseDate: '2026-09-01' },
    );
    const released = await r.send('prison', plan.json.id, 'RELEASED_WITHOUT_PLAN', { releasedAt: '2026-03-20T10:00:00+05:00', reason: 'Court decision' });
    expect(released.status, released.text).toBe(201);
    expect((await t.request('GET', `/cases/${application.json.id}`, { token: r.tokens.prison })).json).toMatchObject({ state: 'released', final: true });

    const handovers = await t.request('GET', `/cases?protocol=patronage&participantId=${person.id}`, { token: r.tokens.prison });
    const handover = handovers.json.items.find((item: { parentCaseId: string }) => item.parentCaseId === plan.json.id);
    expect((await r.send('ngo', handover.id, 'DECLINED', { reason: 'No caseworker free' })).status).toBe(201);
    expect((await t.request('GET', `/cases/${plan.json.id}`, { token: r.tokens.prison })).json.state).toBe('released');
    expect((await r.send('prison', handover.id, 'CLOSED', { reason: 'The person moved to another region' })).status).toBe(201);
    const closed = await t.request('GET', `/cases/${plan.json.id}`, { token: r.tokens.prison });
    expect(closed.json).toMatchObject({ state: 'closed', final: true });
    const history = await t.request('GET', `/cases/${plan.json.id}/events`, { token: r.tokens.prison });
    expect(history.json.items.at(-1)).toMatchObject({ type: 'PATRONAGE_ENDED', part: 'system', organisationId: null });
  });

  it('a release date moved away after a reminder fired, and back, brings that reminder back as already told (no key clash)', async () => {
    const { materialiseDue } = await import('../notifications/outbox.js');
    t.clock.set('2026-03-02T06:00:00Z');
    const person = await r.participant('prison', 'Movedbackova');
    const plan = await r.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-03-20' });
    // The 14-day reminder (6 March) falls due and is told.
    t.clock.set('2026-03-06T05:00:00Z');
    await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });
    const fired = (await r.deadlinesOf(plan.json.id)).find((row) => row.rule === 'release_in_14_days');
    expect(fired?.status).toBe('fired');
    expect((await r.send('prison', plan.json.id, 'RELEASE_DATE_CHANGED', { releaseDate: '2026-04-20', reason: 'Appeal' })).status).toBe(201);
    const back = await r.send('prison', plan.json.id, 'RELEASE_DATE_CHANGED', { releaseDate: '2026-03-20', reason: 'Appeal withdrawn' });
    expect(back.status, back.text).toBe(201);
    const rows = (await r.deadlinesOf(plan.json.id)).filter((row) => row.rule === 'release_in_14_days');
    // One row per due time: the 6 March one is live again (already told), the 6 April one is void.
    expect(rows.map((row) => [row.dueAt.toISOString(), row.status]).sort()).toEqual([
      ['2026-03-06T04:00:00.000Z', 'fired'],
      ['2026-04-06T04:00:00.000Z', 'void'],
    ]);
    t.clock.set('2026-03-02T06:00:00Z');
  });

  it('the owner transfers the plan to another prison, which then owns it', async () => {
    const person = await r.participant('prison', 'Transferred');
    const plan = await r.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-09-01' });
    const transferred = await r.send('prison', plan.json.id, 'OWNER_TRANSFERRED', { toOrganisationId: r.orgs.prison2.id });
    expect(transferred.status, transferred.text).toBe(201);
    expect(transferred.json.case.ownerOrganisationId).toBe(r.orgs.prison2.id);
    expect((await t.request('GET', `/cases/${plan.json.id}`, { token: r.tokens.prison })).status).toBe(404);
    expect((await t.request('GET', `/cases/${plan.json.id}`, { token: r.tokens.prison2 })).json.yourParts).toEqual(['prison']);
    // The person's custody record names the new facility (read by the prison now holding the plan).
    const record = await t.request('GET', `/participants/${person.id}`, { token: r.tokens.prison2 });
    expect(record.json.custody, record.text).toMatchObject({ facilityOrganisationId: r.orgs.prison2.id });
  });

  it('released without a plan: escalated to the coordinator, patronage only when an NGO is named', async () => {
    const person = await r.participant('prison', 'Unplanned');
    const plan = await r.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-03-10' });
    const released = await r.send('prison', plan.json.id, 'RELEASED_WITHOUT_PLAN', { releasedAt: '2026-03-03T09:00:00+05:00', reason: 'Early release by court' });
    expect(released.json.case.state).toBe('released');
    expect((await r.deadlinesOf(plan.json.id)).filter((row) => row.kind === 'alert')).toEqual([
      expect.objectContaining({ rule: 'released_without_plan', concerns: [r.orgs.coordinator.id] }),
    ]);
    const patronage = await t.request('GET', `/cases?participantId=${person.id}&protocol=patronage`, { token: r.tokens.prison });
    expect(patronage.json.items).toEqual([]);
  });
});
