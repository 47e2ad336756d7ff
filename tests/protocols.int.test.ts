import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, caseEvents, cases, deadlines } from '../db/schema.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

async function openCourtOrder(participantId: string) {
  const response = await r.courtOrder(participantId, { caseNumber: 'PAV-2026-001', orderDate: '2026-03-01', programme: 'outpatient', durationDays: 180 });
  expect(response.status, response.text).toBe(201);
  return response.json as { id: string; version: number };
}

describe('court-ordered treatment', () => {
  it('main path: ordered → in treatment → reports and tests → completion review → discharged, with deadlines moving', async () => {
    const person = await r.participant('court');
    const order = await openCourtOrder(person.id);
    expect(
      (await r.deadlinesOf(order.id))
        .filter((row) => row.status === 'open')
        .map((row) => row.rule)
        .sort(),
    ).toEqual(['intake_overdue', 'order_ending']);
    const intakeDue = (await r.deadlinesOf(order.id)).find((row) => row.rule === 'intake_overdue')!;
    // 14 days after the order date, 09:00 in Asia/Almaty (UTC+5).
    expect(intakeDue.dueAt.toISOString()).toBe('2026-03-15T04:00:00.000Z');
    expect(intakeDue.concerns.sort()).toEqual([r.orgs.court.id, r.orgs.probation.id].sort());

    const intake = await r.send('provider', order.id, 'INTAKE_RECORDED', { assessmentDate: '2026-03-05', rehabilitationPlan: 'Weekly sessions', consentToTreatment: true });
    expect(intake.status).toBe(201);
    expect(intake.json.case).toMatchObject({ state: 'in_treatment', data: { intakeDate: '2026-03-05', nextReportDue: '2026-04-04' } });
    const afterIntake = await r.deadlinesOf(order.id);
    expect(afterIntake.find((row) => row.rule === 'intake_overdue')?.status).toBe('void');
    expect(afterIntake.find((row) => row.rule === 'progress_report_reminder')?.dueAt.toISOString()).toBe('2026-04-01T04:00:00.000Z');

    expect((await r.send('provider', order.id, 'ATTENDANCE_RECORDED', { date: '2026-03-10', attended: true, kind: 'group' })).json.case.state).toBe('in_treatment');
    expect((await r.send('probation', order.id, 'DRUG_TEST_RECORDED', { date: '2026-03-10', result: 'negative' })).status).toBe(201);
    // The report of 3 April, sent that day (a report settles the period it falls in, never one after today's).
    t.clock.set('2026-04-03T06:00:00.000Z');
    const report = await r.send('probation', order.id, 'PROGRESS_REPORT_SUBMITTED', { date: '2026-04-03', summary: 'Attending' });
    t.clock.set('2026-03-02T06:00:00.000Z');
    expect(report.json.case.data.nextReportDue).toBe('2026-05-04');
    expect((await r.deadlinesOf(order.id)).find((row) => row.rule === 'progress_report_reminder' && row.status === 'open')?.dueAt.toISOString()).toBe('2026-05-01T04:00:00.000Z');

    expect((await r.send('provider', order.id, 'TREATMENT_COMPLETED', { date: '2026-08-20' })).json.case.state).toBe('completion_review');
    const discharged = await r.send('court', order.id, 'ORDER_DISCHARGED', { date: '2026-08-28' });
    expect(discharged.json.case).toMatchObject({ state: 'discharged', final: true });
    // No scheduled deadline is left; the court's notice of the completion waits for the next tick (DOMAIN.md, "Who is told").
    const left = (await r.deadlinesOf(order.id)).filter((row) => row.status === 'open');
    expect(left.filter((row) => row.kind !== 'alert')).toEqual([]);
    expect(left.map((row) => [row.rule, row.concerns])).toEqual([['treatment_completed', [r.orgs.court.id]]]);
  });

  it('alternative: a breach reviewed and continued returns to treatment; a refusal before intake can be revoked', async () => {
    const person = await r.participant('court');
    const order = await openCourtOrder(person.id);
    await r.send('provider', order.id, 'INTAKE_RECORDED', { assessmentDate: '2026-03-05', rehabilitationPlan: 'Plan', consentToTreatment: true });
    expect((await r.send('probation', order.id, 'BREACH_REPORTED', { reason: 'Missed three sessions' })).json.case.state).toBe('breach_review');
    expect((await r.send('court', order.id, 'BREACH_RULED', { outcome: 'continue' })).json.case.state).toBe('in_treatment');

    const other = await openCourtOrder((await r.participant('court')).id);
    expect((await r.send('probation', other.id, 'PERSON_REFUSED', { reason: 'Refuses' })).json.case.state).toBe('breach_review');
    const revoked = await r.send('court', other.id, 'BREACH_RULED', { outcome: 'revoke' });
    expect(revoked.json.case).toMatchObject({ state: 'revoked', final: true });
    const afterFinal = await r.send('court', other.id, 'BREACH_RULED', { outcome: 'continue' });
    expect(afterFinal.status).toBe(422);
    expect(afterFinal.json).toMatchObject({ code: 'EVENT_NOT_ALLOWED', allowedEvents: [] });
  });

  it('two positive or missed tests within 30 days alert probation at once', async () => {
    const order = await openCourtOrder((await r.participant('court')).id);
    await r.send('provider', order.id, 'INTAKE_RECORDED', { assessmentDate: '2026-03-05', rehabilitationPlan: 'Plan', consentToTreatment: true });
    await r.send('provider', order.id, 'DRUG_TEST_RECORDED', { date: '2026-03-10', result: 'positive' });
    expect((await r.deadlinesOf(order.id)).filter((row) => row.rule === 'possible_breach')).toEqual([]);
    await r.send('probation', order.id, 'DRUG_TEST_RECORDED', { date: '2026-03-25', result: 'missed' });
    expect((await r.deadlinesOf(order.id)).filter((row) => row.rule === 'possible_breach')).toEqual([expect.objectContaining({ kind: 'alert', concerns: [r.orgs.probation.id] })]);
    const queue = await t.request('GET', '/deadlines', { token: r.tokens.probation });
    expect(queue.json.items.map((item: { rule: string }) => item.rule)).toContain('possible_breach');
  });

  it('refusals: wrong part, wrong state, bad data, stale version — each 4xx, nothing written', async () => {
    const order = await openCourtOrder((await r.participant('court')).id);
    const before = { events: await t.count(caseEvents), deadlines: await t.count(deadlines) };

    const wrongPart = await r.send('probation', order.id, 'INTAKE_RECORDED', { assessmentDate: '2026-03-05', rehabilitationPlan: 'x', consentToTreatment: true });
    expect(wrongPart.status).toBe(422);
    expect(wrongPart.json).toMatchObject({ code: 'EVENT_NOT_ALLOWED', allowedEvents: ['PERSON_REFUSED'] });
    expect(wrongPart.json.detail).toMatch(/provider part/);

    const wrongState = await r.send('provider', order.id, 'TREATMENT_COMPLETED', { date: '2026-03-05' });
    expect(wrongState.status).toBe(422);
    expect(wrongState.json.detail).toMatch(/not allowed in state ordered/);

    const badData = await r.send('provider', order.id, 'INTAKE_RECORDED', { assessmentDate: 'yesterday', rehabilitationPlan: 'x', consentToTreatment: false, extra: 1 });
    expect(badData.status).toBe(422);
    expect(badData.json.code).toBe('VALIDATION_FAILED');
    expect(badData.json.errors.map((error: { path: string }) => error.path).sort()).toEqual(['body.data.assessmentDate', 'body.data.consentToTreatment', 'body.data.extra']);

    const unknownEvent = await r.send('provider', order.id, 'TELEPORTED', {});
    expect(unknownEvent.status).toBe(422);

    const stale = await t.request('POST', `/cases/${order.id}/events`, { token: r.tokens.provider, body: { type: 'PERSON_REFUSED', data: { reason: 'x' }, expectedVersion: 7 } });
    expect(stale.status).toBe(409);
    expect(stale.json.code).toBe('STALE_VERSION');

    expect({ events: await t.count(caseEvents), deadlines: await t.count(deadlines) }).toEqual(before);
    const [row] = await t.db.select().from(cases).where(eq(cases.id, order.id));
    expect(row).toMatchObject({ state: 'ordered', version: 1 });
  });

  it('an out-of-scope organisation gets 404 on read, history and events, audited, nothing written', async () => {
    const order = await openCourtOrder((await r.participant('court')).id);
    const eventsBefore = await t.count(caseEvents);
    for (const [method, path, body] of [
      ['GET', `/cases/${order.id}`, undefined],
      ['GET', `/cases/${order.id}/events`, undefined],
      ['POST', `/cases/${order.id}/events`, { type: 'BREACH_REPORTED', data: { reason: 'x' }, expectedVersion: 1 }],
    ] as const) {
      const response = await t.request(method, path, { token: r.tokens.ngo, body });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    expect(await t.count(caseEvents)).toBe(eventsBefore);
    const denials = await t.db.select().from(auditEvents).where(eq(auditEvents.subjectId, order.id));
    expect(denials.filter((row) => row.outcome === 'denied').map((row) => row.action)).toEqual(['case.read', 'case.history', 'case.event.BREACH_REPORTED']);
    const list = await t.request('GET', '/cases?protocol=court-ordered-treatment', { token: r.tokens.ngo });
    expect(list.json).toEqual({ items: [], nextCursor: null });
  });

  it('opening: only the opening role (403), parties by kind and certification (422), nothing written', async () => {
    const person = await r.participant('court');
    const before = await t.count(cases);
    const asProbation = await r.open('probation', 'court-ordered-treatment', person.id, [], { caseNumber: 'x', orderDate: '2026-03-01', programme: 'ost', durationDays: 30 });
    expect(asProbation.status).toBe(403);
    const lapsed = await t.organisation('treatment_provider', { certificationValidUntil: '2026-01-01' });
    const badParties = await r.open(
      'court',
      'court-ordered-treatment',
      person.id,
      [
        { part: 'probation', organisationId: r.orgs.ngo.id },
        { part: 'provider', organisationId: lapsed.id },
      ],
      { caseNumber: 'x', orderDate: '2026-03-01', programme: 'ost', durationDays: 30 },
    );
    expect(badParties.status).toBe(422);
    expect(badParties.json.errors.map((error: { message: string }) => error.message)).toEqual([
      expect.stringMatching(/ngo cannot fill the probation part/),
      expect.stringMatching(/provider must hold a valid certification/),
    ]);
    const unseen = await r.participant('prison');
    const notMine = await r.open('court', 'court-ordered-treatment', unseen.id, [], {});
    expect(notMine.status).toBe(422);
    expect(notMine.json.errors[0].path).toBe('body.participantId');
    expect(await t.count(cases)).toBe(before);
  });
});

describe('halfway house', () => {
  it('referred → accepted → not arrived, with the decision and arrival deadlines', async () => {
    const person = await r.participant('probation');
    const referral = await r.open('probation', 'halfway-house', person.id, [{ part: 'halfway_house', organisationId: r.orgs.house.id }], { expectedArrivalDate: '2026-03-20' });
    expect(referral.status, referral.text).toBe(201);
    expect(referral.json.data).toMatchObject({ referredOn: '2026-03-02', maxStayDays: 168 });
    const open = (await r.deadlinesOf(referral.json.id)).filter((row) => row.status === 'open');
    // Referred Monday 2 March: 3 working days → Thursday 5 March; 5 → Monday 9 March.
    expect(open.find((row) => row.rule === 'decision_reminder')?.dueAt.toISOString()).toBe('2026-03-05T04:00:00.000Z');
    expect(open.find((row) => row.rule === 'decision_overdue')).toMatchObject({
      dueAt: new Date('2026-03-09T04:00:00.000Z'),
      concerns: [r.orgs.coordinator.id, r.orgs.probation.id].sort(),
    });

    expect((await r.send('house', referral.json.id, 'ACCEPTED', {})).json.case.state).toBe('accepted');
    const arrival = (await r.deadlinesOf(referral.json.id)).find((row) => row.rule === 'arrival_missed' && row.status === 'open');
    expect(arrival?.dueAt.toISOString()).toBe('2026-03-21T04:00:00.000Z');
    expect((await r.send('house', referral.json.id, 'NOT_ARRIVED', {})).json.case.state).toBe('not_arrived');
  });

  it('a referral with an expected arrival date in the past is refused (422, naming the field), and nothing is written', async () => {
    const person = await r.participant('probation');
    const before = (await t.db.select().from(cases)).length;
    // The test clock is 2 March 2026 (Asia/Almaty): the day before is in the past, the day itself is not.
    const past = await r.open('probation', 'halfway-house', person.id, [{ part: 'halfway_house', organisationId: r.orgs.house.id }], { expectedArrivalDate: '2026-03-01' });
    expect(past.status).toBe(422);
    expect(past.json).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'body.data.expectedArrivalDate', message: 'The expected arrival date is in the past.' }] });
    expect((await t.db.select().from(cases)).length).toBe(before);
    const today = await r.open('probation', 'halfway-house', person.id, [{ part: 'halfway_house', organisationId: r.orgs.house.id }], { expectedArrivalDate: '2026-03-02' });
    expect(today.status, today.text).toBe(201);
  });

  it('the working-day deadlines follow the holiday calendar', async () => {
    const admin = await t.tokenFor(r.orgs.coordinator, 'admin');
    const put = await t.request('PUT', '/calendars/KZ', { token: admin, body: { holidays: [{ date: '2026-03-04', name: 'Test holiday' }] } });
    expect(put.status).toBe(200);
    const person = await r.participant('probation');
    const referral = await r.open('probation', 'halfway-house', person.id, [{ part: 'halfway_house', organisationId: r.orgs.house.id }], { expectedArrivalDate: '2026-04-20' });
    const reminder = (await r.deadlinesOf(referral.json.id)).find((row) => row.rule === 'decision_reminder');
    expect(reminder?.dueAt.toISOString()).toBe('2026-03-06T04:00:00.000Z');
    await t.request('PUT', '/calendars/KZ', { token: admin, body: { holidays: [] } });
    const moved = (await r.deadlinesOf(referral.json.id)).find((row) => row.rule === 'decision_reminder' && row.status === 'open');
    expect(moved?.dueAt.toISOString()).toBe('2026-03-05T04:00:00.000Z');
    expect((await t.request('PUT', '/calendars/KZ', { token: r.tokens.prison, body: { holidays: [] } })).status).toBe(403);
  });
});

describe('patronage', () => {
  it('sent → declined → resent to another NGO → acknowledged → first contact → completed', async () => {
    const person = await r.participant('prison');
    await r.consent(person.id, r.orgs.ngo);
    const handover = await r.handover(person.id);
    expect(handover.status, handover.text).toBe(201);
    expect(handover.json.parties).toEqual(
      expect.arrayContaining([
        { part: 'sender', organisationId: r.orgs.prison.id },
        { part: 'ngo', organisationId: r.orgs.ngo.id },
        { part: 'coordinator', organisationId: r.orgs.coordinator.id },
      ]),
    );
    const escalation = (await r.deadlinesOf(handover.json.id)).find((row) => row.rule === 'acknowledgement_overdue');
    expect(escalation).toMatchObject({ dueAt: new Date('2026-03-04T06:00:00.000Z'), concerns: [r.orgs.coordinator.id] });

    expect((await r.send('ngo', handover.json.id, 'DECLINED', { reason: 'No capacity' })).json.case.state).toBe('declined');
    const withoutConsent = await r.send('prison', handover.json.id, 'RESENT', { ngoOrganisationId: r.orgs.ngo2.id });
    expect(withoutConsent.status).toBe(422);
    expect(withoutConsent.json).toMatchObject({ code: 'EVENT_NOT_ALLOWED', guard: 'anotherNgoWithConsent' });
    await r.consent(person.id, r.orgs.ngo2);
    const resent = await r.send('prison', handover.json.id, 'RESENT', { ngoOrganisationId: r.orgs.ngo2.id });
    expect(resent.json.case.state).toBe('sent');
    expect(resent.json.case.parties).toContainEqual({ part: 'ngo', organisationId: r.orgs.ngo2.id });
    // The first NGO is no longer a party: the case is gone for it.
    expect((await t.request('GET', `/cases/${handover.json.id}`, { token: r.tokens.ngo })).status).toBe(404);

    expect((await r.send('ngo2', handover.json.id, 'ACKNOWLEDGED', { caseworker: 'A. Worker', plannedFirstContact: '2026-03-04' })).json.case.state).toBe('acknowledged');
    t.clock.set('2026-03-04T08:00:00Z');
    const contact = await r.send('ngo2', handover.json.id, 'FIRST_CONTACT_MADE', { at: '2026-03-04T12:00:00+05:00', how: 'in_person' });
    expect(contact.json.case).toMatchObject({ state: 'active', data: { nextContactDue: '2026-03-11' } });
    const followUp = (await r.deadlinesOf(handover.json.id)).find((row) => row.rule === 'follow_up_3_months' && row.status === 'open');
    expect(followUp?.dueAt.toISOString()).toBe('2026-06-02T04:00:00.000Z');
    await r.send('ngo2', handover.json.id, 'CONTACT_RECORDED', { date: '2026-03-10', kind: 'phone', outcome: 'Fine' });
    expect((await r.send('ngo2', handover.json.id, 'COMPLETED', {})).json.case.state).toBe('completed');
    t.clock.set('2026-03-02T06:00:00.000Z');
  });
});

describe('consents', () => {
  it('every element is required; revocation applies to the very next request', async () => {
    const person = await r.participant('prison');
    const missing = await t.request('POST', `/participants/${person.id}/consents`, {
      token: r.tokens.prison,
      body: { organisationId: r.orgs.ngo.id, dataClasses: ['identity'], purpose: 'housing' },
    });
    expect(missing.status).toBe(422);
    expect(missing.json.errors.map((error: { path: string }) => error.path)).toEqual(
      expect.arrayContaining(['body.validFrom', 'body.signedMethod', 'body.witness', 'body.textVersion']),
    );
    const consent = await r.consent(person.id, r.orgs.ngo);
    const handover = await r.open('prison', 'unit-enrolment', person.id, [{ part: 'ngo', organisationId: r.orgs.ngo.id }], {
      unitId: '00000000-0000-0000-0000-000000000000',
      expectedReleaseDate: '2027-01-01',
    });
    expect(handover.status).toBe(422);
    const revoke = await t.request('POST', `/consents/${consent.id}/revoke`, { token: r.tokens.prison, body: { reason: 'Person asked' } });
    expect(revoke.status).toBe(200);
    expect(revoke.json).toMatchObject({ validNow: false, revocationReason: 'Person asked' });
    const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, { token: r.tokens.prison, body: { kind: 'clean_zone', name: 'CZ consents', places: 5 } });
    const refused = await r.open('prison', 'unit-enrolment', person.id, [{ part: 'ngo', organisationId: r.orgs.ngo.id }], {
      unitId: unit.json.id,
      expectedReleaseDate: '2027-01-01',
    });
    expect(refused.status).toBe(422);
    expect(refused.json.errors[0].message).toMatch(/consent/);
    const again = await t.request('POST', `/consents/${consent.id}/revoke`, { token: r.tokens.prison, body: { reason: 'Twice' } });
    expect(again.status).toBe(409);
  });

  it('a criminal-justice consent cannot be revoked before the order ends (409)', async () => {
    const person = await r.participant('court');
    const order = await openCourtOrder(person.id);
    const consent = await r.consent(person.id, r.orgs.ngo, 'court', { caseId: order.id, purpose: 'court_supervision' });
    const response = await t.request('POST', `/consents/${consent.id}/revoke`, { token: r.tokens.court, body: { reason: 'Asked' } });
    expect(response.status).toBe(409);
    expect(response.json).toMatchObject({ code: 'CONFLICT', detail: expect.stringMatching(/before the court order ends/) });
    const list = await t.request('GET', `/participants/${person.id}/consents`, { token: r.tokens.court });
    expect(list.json.items).toEqual([expect.objectContaining({ id: consent.id, criminalJustice: true, validNow: true, revokedAt: null })]);
  });

  it('an organisation with no part in the person’s cases gets 404, audited', async () => {
    const person = await r.participant('prison');
    const response = await t.request('GET', `/participants/${person.id}/consents`, { token: r.tokens.ngo2 });
    expect(response.status).toBe(404);
    const recorded = await t.request('POST', `/participants/${person.id}/consents`, {
      token: r.tokens.ngo2,
      body: {
        organisationId: r.orgs.ngo2.id,
        dataClasses: ['identity'],
        purpose: 'housing',
        validFrom: '2026-01-01',
        validUntil: '2026-12-31',
        signedMethod: 'written',
        witness: 'Me',
        textVersion: 'v1',
      },
    });
    expect(recorded.status).toBe(404);
  });
});

describe('published protocols', () => {
  it('lists the six protocols and serves each as data with a Mermaid diagram', async () => {
    const list = await t.request('GET', '/protocols', { token: r.tokens.ngo });
    expect(list.json.items.map((item: { id: string }) => item.id).sort()).toEqual([
      'court-ordered-treatment',
      'halfway-house',
      'patronage',
      'pre-release',
      'rehabilitation-certificate',
      'unit-enrolment',
    ]);
    const certificate = await t.request('GET', '/protocols/rehabilitation-certificate', { token: r.tokens.coordinator });
    expect(certificate.json.diagram).toContain('in_rehabilitation --> centre_chosen: CENTRE_CHANGED (coordinator)');
    expect(certificate.json.states.in_rehabilitation.on.SERVICE_CLAIMED.guards).toEqual(['claimWithinBalance', 'claimPeriodAllowed']);
    const one = await t.request('GET', '/protocols/pre-release', { token: r.tokens.ngo });
    expect(one.status).toBe(200);
    expect(one.json.diagram).toMatch(/^stateDiagram-v2/);
    expect(one.json.diagram).toContain('plan_agreed --> released: RELEASED (prison)');
    expect(one.json.states.planning.on.PLAN_AGREED.guards).toEqual(['allPathwaysSettled', 'ngoPartWithConsent']);
    expect((await t.request('GET', '/protocols/nope', { token: r.tokens.ngo })).status).toBe(404);
  });
});
