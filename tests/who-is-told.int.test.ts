import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer, type Mailer } from '../notifications/mailer.js';
import { dispatchDue, materialiseDue } from '../notifications/outbox.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';
import { startSmtpServer } from './helpers/smtp.js';
import { whoIsTold } from './helpers/told.js';

/**
 * docs/DOMAIN.md, "Who is told". Each row's notice reaches exactly the parties it
 * names, in the inbox, the work queue and by e-mail, and no other organisation of any of the
 * three regions; the deadlines the table adds reach exactly theirs when they fall due.
 */

let t: TestContext;
let r: Region;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let mailer: Mailer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  mailer = createSmtpMailer(smtp.url);
  t = await createTestContext({ mailer });
  r = await createRegion(t);
});
afterAll(async () => {
  await mailer.close();
  await smtp.close();
  await t.close();
});

const tick = async () => {
  await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });
  for (;;) {
    const result = await dispatchDue(t.db, mailer, { now: t.clock.now(), from: 'CADAP <no-reply@cadap.test>', baseBackoffMs: 1000 });
    if (result.claimed === 0) break;
  }
};

/**
 * An alert: in the named work queues at once; at the tick, in their inboxes and mailboxes too; it
 * leaves each organisation's queue when that organisation marks it read, and no one else's.
 */
async function expectAlert(caseId: string, rule: string, told: string[]) {
  expect(await whoIsTold(t, r, smtp.received, { caseId, rule }), `${rule} before the tick`).toEqual({ inbox: [], queue: told, email: [] });
  await tick();
  expect(await whoIsTold(t, r, smtp.received, { caseId, rule }), `${rule} after the tick`).toEqual({ inbox: told, queue: told, email: told });
  const [first, ...others] = told;
  const token = r.tokens[first as keyof typeof r.tokens];
  const inbox = await t.request('GET', '/notifications?limit=200', { token });
  const notice = inbox.json.items.find((item: { caseId: string; rule: string }) => item.caseId === caseId && item.rule === rule);
  expect((await t.request('POST', `/notifications/${notice.id}/read`, { token })).status).toBe(200);
  expect((await whoIsTold(t, r, smtp.received, { caseId, rule })).queue, `${rule} after ${first} read it`).toEqual(others);
}
/** A deadline: in no inbox before it falls due; in the named queues, inboxes and mailboxes after. */
async function expectDeadline(caseId: string, rule: string, dueAfter: string, told: string[]) {
  await tick();
  expect((await whoIsTold(t, r, smtp.received, { caseId, rule })).inbox, `${rule} before it is due`).toEqual([]);
  t.clock.set(dueAfter);
  await tick();
  expect(await whoIsTold(t, r, smtp.received, { caseId, rule }), `${rule} when due`).toEqual({ inbox: told, queue: told, email: told });
}

async function courtOrder(name: string) {
  const person = await r.participant('court', name);
  const opened = await r.open(
    'court',
    'court-ordered-treatment',
    person.id,
    [
      { part: 'probation', organisationId: r.orgs.probation.id },
      { part: 'provider', organisationId: r.orgs.provider.id },
    ],
    { caseNumber: `W-${name}`, orderDate: '2026-03-02', programme: 'ost', durationDays: 365 },
  );
  expect(opened.status).toBe(201);
  return opened.json.id as string;
}

describe('who is told, and of which deadline', () => {
  it('BREACH_REPORTED tells the court; the ruling is due in 10 working days: the court reminded at 7, the coordinator told when overdue', async () => {
    t.clock.set('2026-03-02T05:00:00Z');
    const caseId = await courtOrder('Breachova');
    expect((await r.send('provider', caseId, 'INTAKE_RECORDED', { assessmentDate: '2026-03-02', rehabilitationPlan: 'Plan', consentToTreatment: true })).status).toBe(201);
    expect((await r.send('probation', caseId, 'BREACH_REPORTED', { reason: 'Missed three sessions' })).status).toBe(201);
    await expectAlert(caseId, 'breach_reported', ['court']);
    // Monday 2 March + 7 working days = Wednesday 11 March; + 10 = Monday 16 March (09:00 Almaty, 04:00 UTC).
    await expectDeadline(caseId, 'ruling_reminder', '2026-03-11T04:00:00Z', ['court']);
    // The overdue rule waits in the coordinator's work queue (upcoming work), told to no one yet.
    expect(await whoIsTold(t, r, smtp.received, { caseId, rule: 'ruling_overdue' })).toEqual({ inbox: [], queue: ['coordinator'], email: [] });
    await expectDeadline(caseId, 'ruling_overdue', '2026-03-16T04:00:00Z', ['coordinator']);
    // The ruling settles both.
    expect((await r.send('court', caseId, 'BREACH_RULED', { outcome: 'continue' })).status).toBe(201);
    const open = (await r.deadlinesOf(caseId)).filter((row) => ['ruling_reminder', 'ruling_overdue'].includes(row.rule) && ['open', 'fired'].includes(row.status));
    expect(open).toEqual([]);
  });

  it('PERSON_REFUSED tells the court; TREATMENT_COMPLETED tells the court, with the discharge due in 10 working days', async () => {
    t.clock.set('2026-04-01T05:00:00Z');
    const refusal = await courtOrder('Refusova');
    expect((await r.send('provider', refusal, 'PERSON_REFUSED', { reason: 'Declines the programme' })).status).toBe(201);
    await expectAlert(refusal, 'person_refused', ['court']);

    const completion = await courtOrder('Completova');
    expect((await r.send('provider', completion, 'INTAKE_RECORDED', { assessmentDate: '2026-04-01', rehabilitationPlan: 'Plan', consentToTreatment: true })).status).toBe(201);
    expect((await r.send('provider', completion, 'TREATMENT_COMPLETED', { date: '2026-04-01' })).status).toBe(201);
    await expectAlert(completion, 'treatment_completed', ['court']);
    // Wednesday 1 April + 7 working days = Friday 10 April; + 10 = Wednesday 15 April.
    await expectDeadline(completion, 'discharge_reminder', '2026-04-10T04:00:00Z', ['court']);
    await expectDeadline(completion, 'discharge_overdue', '2026-04-15T04:00:00Z', ['coordinator']);
  });

  it('patronage DECLINED tells the sender; resend or close is due in 2 working days, then the coordinator is told', async () => {
    t.clock.set('2026-05-04T05:00:00Z');
    const person = await r.participant('prison', 'Declinova');
    await r.consent(person.id, r.orgs.ngo, 'prison');
    const handover = await r.open('prison', 'patronage', person.id, [{ part: 'ngo', organisationId: r.orgs.ngo.id }], {
      releasedAt: '2026-05-04T10:00:00+05:00',
      releaseAddressPlan: 'Shelter',
      patronagePlan: 'Weekly meetings',
    });
    expect(handover.status).toBe(201);
    expect((await r.send('ngo', handover.json.id, 'DECLINED', { reason: 'No caseworker free' })).status).toBe(201);
    await expectAlert(handover.json.id, 'handover_declined', ['prison']);
    // Monday 4 May + 2 working days = Wednesday 6 May (no Kazakh holiday between).
    await expectDeadline(handover.json.id, 'resend_overdue', '2026-05-06T04:00:00Z', ['coordinator']);
    expect((await r.send('prison', handover.json.id, 'CLOSED', { reason: 'The person moved abroad' })).status).toBe(201);
  });

  it('halfway-house DECLINED tells the referrer; NOT_ARRIVED tells the referrer, the NGO and probation', async () => {
    t.clock.set('2026-06-01T05:00:00Z');
    const person = await r.participant('prison', 'Housova');
    await r.consent(person.id, r.orgs.ngo, 'prison');
    const parties = [
      { part: 'halfway_house', organisationId: r.orgs.house.id },
      { part: 'ngo', organisationId: r.orgs.ngo.id },
      { part: 'probation', organisationId: r.orgs.probation.id },
    ];
    const declined = await r.open('prison', 'halfway-house', person.id, parties, { expectedArrivalDate: '2026-06-10' });
    expect((await r.send('house', declined.json.id, 'DECLINED', { reason: 'No women’s beds' })).status).toBe(201);
    await expectAlert(declined.json.id, 'referral_declined', ['prison']);

    const missing = await r.open('prison', 'halfway-house', person.id, parties, { expectedArrivalDate: '2026-06-10' });
    expect((await r.send('house', missing.json.id, 'ACCEPTED', {})).status).toBe(201);
    expect((await r.send('house', missing.json.id, 'NOT_ARRIVED', {})).status).toBe(201);
    await expectAlert(missing.json.id, 'not_arrived', ['ngo', 'prison', 'probation']);
  });

  it('OWNER_TRANSFERRED tells the receiving prison, not the one that sent the plan', async () => {
    t.clock.set('2026-06-15T05:00:00Z');
    const person = await r.participant('prison', 'Movedova');
    const plan = await r.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-12-01' });
    expect(plan.status).toBe(201);
    expect((await r.send('prison', plan.json.id, 'OWNER_TRANSFERRED', { toOrganisationId: r.orgs.prison2.id, reason: 'Moved' })).status).toBe(201);
    await expectAlert(plan.json.id, 'plan_transferred', ['prison2']);
  });
});
