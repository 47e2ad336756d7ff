import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, caseEvents, cases } from '../db/schema.js';
import { createSmtpMailer, type Mailer } from '../notifications/mailer.js';
import { createScheduler } from '../src/scheduler.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';
import { startSmtpServer } from './helpers/smtp.js';
import { whoIsTold } from './helpers/told.js';

/**
 * docs/DOMAIN.md, "Motivation after a refusal". After patronage `WITHDRAWN` the
 * case stays open in `withdrawn` for 90 days: the motivational reminders reach the NGO (not the
 * sender), the NGO records motivational contacts, and `RE_ENGAGED` brings the case back to
 * `active`; otherwise the scheduler's tick closes it, once, however many instances tick.
 */

let t: TestContext;
let r: Region;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let mailer: Mailer;
const schedulers: ReturnType<typeof createScheduler>[] = [];

beforeAll(async () => {
  smtp = await startSmtpServer();
  mailer = createSmtpMailer(smtp.url);
  t = await createTestContext({ mailer });
  r = await createRegion(t);
  // Two instances' schedulers on the one database, as a scaled-out deployment ticks.
  for (let i = 0; i < 2; i += 1) {
    schedulers.push(
      createScheduler({ db: t.db, mailer, clock: t.clock, logger: t.logger, publicUrl: 'https://cadap.test', from: 'CADAP <no-reply@cadap.test>', cron: '* * * * *' }),
    );
  }
});
afterAll(async () => {
  await mailer.close();
  await smtp.close();
  await t.close();
});

const tick = () => schedulers[0]!.tick();
const ok = (response: { status: number; text: string }) => expect(response.status, response.text).toBe(201);

/** A patronage case in `active`, then withdrawn (at the clock's time). */
async function withdrawnCase(name: string, releasedAt: string) {
  const person = await r.participant('prison', name);
  await r.consent(person.id, r.orgs.ngo, 'prison');
  const opened = await r.open('prison', 'patronage', person.id, [{ part: 'ngo', organisationId: r.orgs.ngo.id }], {
    releasedAt,
    releaseAddressPlan: 'Shelter',
    patronagePlan: 'Weekly meetings',
  });
  ok(opened);
  const caseId = opened.json.id as string;
  ok(await r.send('ngo', caseId, 'ACKNOWLEDGED', { caseworker: 'Aliya', plannedFirstContact: releasedAt.slice(0, 10) }));
  ok(await r.send('ngo', caseId, 'FIRST_CONTACT_MADE', { at: releasedAt, how: 'in_person' }));
  const withdrawn = await r.send('ngo', caseId, 'WITHDRAWN', { reason: 'Does not want support now' });
  ok(withdrawn);
  expect(withdrawn.json.case).toMatchObject({ state: 'withdrawn', final: false });
  return { caseId, person };
}

const live = async (caseId: string) =>
  (await r.deadlinesOf(caseId))
    .filter((row) => row.status === 'open' || row.status === 'fired')
    .map((row) => [row.rule, row.kind, row.dueAt.toISOString()])
    .sort();

describe('motivation after a refusal', () => {
  it('a case not re-engaged closes itself 90 days after the refusal: the tick sends the event once, though two instances tick at once', async () => {
    t.clock.set('2026-03-02T06:00:00Z');
    const { caseId } = await withdrawnCase('Closova', '2026-03-01T10:00:00+05:00');
    // Re-engaged and withdrawn again the same day: the window's rows come back, due as before.
    ok(await r.send('ngo', caseId, 'RE_ENGAGED', { date: '2026-03-02' }));
    ok(await r.send('ngo', caseId, 'WITHDRAWN', { reason: 'Changed their mind again' }));
    // Monday 2 March + 90 days = Sunday 31 May, 09:00 in Pavlodar (04:00 UTC).
    expect((await live(caseId)).find(([rule]) => rule === 'withdrawal_window_ends')).toEqual(['withdrawal_window_ends', 'timeout', '2026-05-31T04:00:00.000Z']);

    t.clock.set('2026-05-31T03:59:00Z');
    await tick();
    expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.prison })).json).toMatchObject({ state: 'withdrawn', final: false });

    t.clock.set('2026-05-31T04:00:00Z');
    await Promise.all(schedulers.map((scheduler) => scheduler.tick()));
    await tick();
    const closed = await t.request('GET', `/cases/${caseId}`, { token: r.tokens.prison });
    expect(closed.json).toMatchObject({ state: 'closed_after_refusal', final: true, allowedEvents: [] });
    const expiries = await t.db
      .select()
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, caseId), eq(caseEvents.type, 'WITHDRAWAL_EXPIRED')));
    expect(expiries).toHaveLength(1);
    expect(expiries[0]).toMatchObject({ part: 'system', actorSub: 'system', organisationId: null, fromState: 'withdrawn', toState: 'closed_after_refusal' });
    // Audited as the service itself, in the event's transaction.
    const audited = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, caseId), eq(auditEvents.action, 'case.event.WITHDRAWAL_EXPIRED')));
    expect(audited).toEqual([expect.objectContaining({ actorSub: 'system', organisationId: null, roles: [], outcome: 'success', requestId: expect.stringMatching(/^timeout:/) })]);
    // The window's rows are settled: nothing of the refusal is left to fire.
    expect(await live(caseId)).toEqual([]);
    // The NGO's own history shows the case closing itself.
    const history = await t.request('GET', `/cases/${caseId}/events`, { token: r.tokens.ngo });
    expect(history.json.items.at(-1)).toMatchObject({ type: 'WITHDRAWAL_EXPIRED', part: 'system', organisationId: null });
  });

  it('a timeout that fails unexpectedly is tried again an hour later, and the same tick still sends the other notices', async () => {
    t.clock.set('2026-03-04T06:00:00Z');
    const { caseId } = await withdrawnCase('Faultova', '2026-03-03T10:00:00+05:00');
    const [window] = (await r.deadlinesOf(caseId)).filter((row) => row.rule === 'withdrawal_window_ends');
    // The case's data is broken behind the service's back (the date its reminders run from): deciding the event throws.
    const [row] = await t.db.select().from(cases).where(eq(cases.id, caseId));
    await t.db
      .update(cases)
      .set({ data: { ...row!.data, withdrawnOn: 'not a date' } })
      .where(eq(cases.id, caseId));
    // Another organisation's notice falls due before the same tick: a court order with no intake.
    const order = await r.open(
      'court',
      'court-ordered-treatment',
      (await r.participant('court', 'Bystanderova')).id,
      [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'provider', organisationId: r.orgs.provider.id },
      ],
      { caseNumber: 'F-1', orderDate: '2026-05-01', programme: 'ost', durationDays: 365 },
    );
    ok(order);
    t.clock.set(window!.dueAt.toISOString());
    await tick();
    const [retried] = (await r.deadlinesOf(caseId)).filter((item) => item.rule === 'withdrawal_window_ends');
    expect(retried).toMatchObject({ status: 'open', dueAt: new Date(window!.dueAt.getTime() + 3_600_000) });
    expect(
      await t.db
        .select()
        .from(caseEvents)
        .where(and(eq(caseEvents.caseId, caseId), eq(caseEvents.type, 'WITHDRAWAL_EXPIRED'))),
    ).toEqual([]);
    expect((await r.deadlinesOf(order.json.id)).find((item) => item.rule === 'intake_overdue')?.status).toBe('fired');

    // Repaired, the next try an hour later closes the case.
    await t.db.update(cases).set({ data: row!.data }).where(eq(cases.id, caseId));
    t.clock.set(new Date(window!.dueAt.getTime() + 3_600_000).toISOString());
    await tick();
    expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.prison })).json).toMatchObject({ state: 'closed_after_refusal', final: true });
  });

  it('after WITHDRAWN the reminders reach the NGO, not the sender; a motivational contact is recorded; RE_ENGAGED returns the case to active', async () => {
    t.clock.set('2026-03-03T06:00:00Z');
    const { caseId } = await withdrawnCase('Motivova', '2026-03-02T10:00:00+05:00');
    expect(await live(caseId)).toEqual([
      ['motivational_follow_up_1', 'reminder', '2026-03-31T04:00:00.000Z'],
      ['motivational_follow_up_2', 'reminder', '2026-04-28T04:00:00.000Z'],
      ['motivational_follow_up_3', 'reminder', '2026-05-26T04:00:00.000Z'],
      ['withdrawal_window_ends', 'timeout', '2026-06-01T04:00:00.000Z'],
    ]);

    // Before it is due: in the NGO's work queue only, told to no one.
    await tick();
    expect(await whoIsTold(t, r, smtp.received, { caseId, rule: 'motivational_follow_up_1' })).toEqual({ inbox: [], queue: ['ngo'], email: [] });
    t.clock.set('2026-03-31T04:00:00Z');
    await tick();
    expect(await whoIsTold(t, r, smtp.received, { caseId, rule: 'motivational_follow_up_1' })).toEqual({ inbox: ['ngo'], queue: ['ngo'], email: ['ngo'] });

    // The NGO records a motivational contact: an observation, the case stays withdrawn.
    const contact = await r.send('ngo', caseId, 'MOTIVATIONAL_CONTACT_RECORDED', { date: '2026-03-31', outcome: 'Talked about coming back to the programme' });
    ok(contact);
    expect(contact.json.case).toMatchObject({ state: 'withdrawn', allowedEvents: ['MOTIVATIONAL_CONTACT_RECORDED', 'RE_ENGAGED'] });
    // The sender may not record one, nor may anyone end the window by hand.
    expect((await r.send('prison', caseId, 'MOTIVATIONAL_CONTACT_RECORDED', { date: '2026-03-31', outcome: 'x' })).status).toBe(422);
    expect((await r.send('ngo', caseId, 'WITHDRAWAL_EXPIRED', {})).status).toBe(422);

    t.clock.set('2026-04-02T06:00:00Z');
    const back = await r.send('ngo', caseId, 'RE_ENGAGED', { date: '2026-04-02', note: 'Agreed to weekly meetings again' });
    ok(back);
    expect(back.json.case).toMatchObject({ state: 'active', final: false, data: { reEngagedOn: '2026-04-02', nextContactDue: '2026-04-09' } });
    // The contact schedule resumes weekly; the refusal's reminders and window are settled.
    expect((await live(caseId)).filter(([, kind]) => kind !== 'alert')).toEqual([
      ['contact_due', 'reminder', '2026-04-09T04:00:00.000Z'],
      ['follow_up_12_months', 'reminder', '2027-03-02T04:00:00.000Z'],
      ['follow_up_3_months', 'reminder', '2026-06-02T04:00:00.000Z'],
      ['follow_up_6_months', 'reminder', '2026-09-02T04:00:00.000Z'],
    ]);
    // The second reminder is never sent, and the re-engaged case never closes itself.
    t.clock.set('2026-06-02T05:00:00Z');
    await tick();
    expect(await whoIsTold(t, r, smtp.received, { caseId, rule: 'motivational_follow_up_2' })).toEqual({ inbox: [], queue: [], email: [] });
    expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.ngo })).json.state).toBe('active');

    // Declined and re-engaged once more: still one person re-engaged in the quarter.
    t.clock.set('2026-06-03T06:00:00Z');
    ok(await r.send('ngo', caseId, 'WITHDRAWN', { reason: 'Moving away' }));
    ok(await r.send('ngo', caseId, 'RE_ENGAGED', { date: '2026-06-03' }));
  });

  it('the indicators count each re-engaged person once, in the quarter of the re-engagement, and the open table suppresses the small cell', async () => {
    const reEngaged = async (period: string) => {
      const detail = await t.request('GET', `/indicators/detail?period=${period}`, { token: r.tokens.coordinator });
      expect(detail.status, detail.text).toBe(200);
      const indicator = detail.json.indicators.find((item: { id: string }) => item.id === 're_engaged_after_refusal');
      return { total: indicator.total.value, prison: indicator.rows.find((row: { group: string }) => row.group === r.orgs.prison.id)?.value };
    };
    // Closova re-engaged (and declined again) in the first quarter; Motivova twice in the second.
    expect(await reEngaged('2026-Q1')).toEqual({ total: 1, prison: 1 });
    expect(await reEngaged('2026-Q2')).toEqual({ total: 1, prison: 1 });
    const open = await t.request('GET', '/indicators?table=region-quarter&period=2026-Q2');
    const published = open.json.indicators.find((item: { id: string }) => item.id === 're_engaged_after_refusal');
    expect(published.total).toMatchObject({ value: null, suppressed: true });
    expect(published.title).toEqual({ en: 'Re-engaged in patronage after refusing it', ru: 'Вернулись к патронажу после отказа' });
  });
});
