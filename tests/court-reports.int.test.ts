import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebContext, fetchSession, type WebContext } from './web/web-context.js';

/**
 * docs/DOMAIN.md, "Court-ordered reports". Progress reports fall due at intake +
 * k × interval (k = 1, 2, …) and never after the order's end; a report settles the period it
 * falls in, not later ones. The judge's page shows no next report for an order that is over.
 */
let web: WebContext;

beforeAll(async () => {
  web = await createWebContext();
});
afterAll(async () => web?.close());

const REPORT_RULES = ['progress_report_reminder', 'progress_report_overdue'];

/** The open progress-report deadlines of a case: rule → due instant. */
async function reportDeadlines(caseId: string) {
  const rows = await web.region.deadlinesOf(caseId);
  return Object.fromEntries(rows.filter((row) => REPORT_RULES.includes(row.rule) && row.status === 'open').map((row) => [row.rule, row.dueAt.toISOString()]));
}

async function order(name: string, durationDays: number) {
  const r = web.region;
  const person = await r.participant('court', name);
  const opened = await r.open(
    'court',
    'court-ordered-treatment',
    person.id,
    [
      { part: 'probation', organisationId: r.orgs.probation.id },
      { part: 'provider', organisationId: r.orgs.provider.id },
    ],
    { caseNumber: `R-${name}`, orderDate: '2026-03-02', programme: 'outpatient', durationDays },
  );
  expect(opened.status, opened.text).toBe(201);
  const intake = await r.send('provider', opened.json.id, 'INTAKE_RECORDED', { assessmentDate: '2026-03-02', rehabilitationPlan: 'Plan', consentToTreatment: true });
  expect(intake.status, intake.text).toBe(201);
  return { id: opened.json.id as string, referenceCode: person.referenceCode };
}

const report = (caseId: string, date: string) => web.region.send('probation', caseId, 'PROGRESS_REPORT_SUBMITTED', { date, summary: `Report of ${date}` });
const caseData = async (caseId: string) => (await web.t.request('GET', `/cases/${caseId}`, { token: web.region.tokens.court })).json.data as Record<string, unknown>;

describe('court-ordered progress reports', () => {
  it('three reports on one day settle one period: the next report stays at intake + 2 × interval, deadlines with it', async () => {
    web.t.clock.set('2026-03-20T05:00:00Z');
    // Order of 2 March for 75 days: it ends on 16 May. Intake on 2 March, every 30 days: reports due 1 April and 1 May; 31 May is after the end.
    const { id } = await order('Tretyakova', 75);
    expect(await caseData(id)).toMatchObject({ orderEndDate: '2026-05-16', intakeDate: '2026-03-02', nextReportDue: '2026-04-01' });
    expect(await reportDeadlines(id)).toEqual({ progress_report_reminder: '2026-03-29T04:00:00.000Z', progress_report_overdue: '2026-04-02T04:00:00.000Z' });

    for (let i = 0; i < 3; i += 1) expect((await report(id, '2026-03-20')).status).toBe(201);
    // The report of 20 March settles the period ending 1 April, and only that one.
    expect((await caseData(id)).nextReportDue).toBe('2026-05-01');
    expect(await reportDeadlines(id)).toEqual({ progress_report_reminder: '2026-04-28T04:00:00.000Z', progress_report_overdue: '2026-05-02T04:00:00.000Z' });

    // A report in the second period settles it; the third would fall after the order's end: no report is due any more.
    web.t.clock.set('2026-04-10T05:00:00Z');
    expect((await report(id, '2026-04-10')).status).toBe(201);
    expect((await caseData(id)).nextReportDue).toBeNull();
    expect(await reportDeadlines(id)).toEqual({});
    // More reports change nothing.
    expect((await report(id, '2026-04-10')).status).toBe(201);
    expect((await caseData(id)).nextReportDue).toBeNull();
  });

  it('a report dated in a settled period moves nothing; one dated ahead of today settles today’s period only', async () => {
    web.t.clock.set('2026-03-10T05:00:00Z');
    const { id } = await order('Nazadova', 365);
    expect((await report(id, '2026-03-10')).status).toBe(201);
    expect((await caseData(id)).nextReportDue).toBe('2026-05-01');
    web.t.clock.set('2026-04-10T05:00:00Z');
    // Dated 20 March (the first period, already settled): nothing moves.
    expect((await report(id, '2026-03-20')).status).toBe(201);
    expect((await caseData(id)).nextReportDue).toBe('2026-05-01');
    // Dated in August: it cannot settle a period that has not begun; it counts as today's (the period ending 1 May), not August's.
    expect((await report(id, '2026-08-20')).status).toBe(201);
    expect((await caseData(id)).nextReportDue).toBe('2026-05-31');
    expect(await reportDeadlines(id)).toEqual({ progress_report_reminder: '2026-05-28T04:00:00.000Z', progress_report_overdue: '2026-06-01T04:00:00.000Z' });
  });

  it('an order shorter than one interval has no report due at all', async () => {
    web.t.clock.set('2026-03-02T05:00:00Z');
    const { id } = await order('Korotkova', 20);
    expect((await caseData(id)).nextReportDue).toBeNull();
    expect(await reportDeadlines(id)).toEqual({});
  });

  it('a revoked or discharged order shows no next report on the judge’s page, nor in its data', async () => {
    web.t.clock.set('2026-03-02T05:00:00Z');
    const r = web.region;
    const revoked = await order('Otmenova', 365);
    const running = await order('Idushchaya', 365);
    expect((await r.send('probation', revoked.id, 'BREACH_REPORTED', { reason: 'Absent from three sessions' })).status).toBe(201);
    expect((await r.send('court', revoked.id, 'BREACH_RULED', { outcome: 'revoke' })).json.case.state).toBe('revoked');
    expect((await caseData(revoked.id)).nextReportDue).toBeNull();
    const discharged = await order('Zavershina', 365);
    expect((await r.send('provider', discharged.id, 'TREATMENT_COMPLETED', { date: '2026-03-02' })).status).toBe(201);
    expect((await r.send('court', discharged.id, 'ORDER_DISCHARGED', { date: '2026-03-02' })).json.case.state).toBe('discharged');
    expect((await caseData(discharged.id)).nextReportDue).toBeNull();

    // An order revoked before this rule keeps its last due date in its data: the page still shows none.
    const legacy = await order('Starova', 365);
    expect((await r.send('probation', legacy.id, 'BREACH_REPORTED', { reason: 'Absent from three sessions' })).status).toBe(201);
    expect((await r.send('court', legacy.id, 'BREACH_RULED', { outcome: 'revoke' })).status).toBe(201);
    await web.t.db.execute(sql`update cases set data = jsonb_set(data, '{nextReportDue}', '"2026-04-01"') where id = ${legacy.id}`);
    expect((await caseData(legacy.id)).nextReportDue).toBe('2026-04-01');

    const judge = await fetchSession(web.base, r.orgs.court.id, 'judge');
    const home = await judge.request('/app');
    expect(home.status).toBe(200);
    const rowsOf = (referenceCode: string) => [...home.text.matchAll(/<tr>(.*?)<\/tr>/gs)].map((match) => match[1]!).filter((row) => row.includes(referenceCode));
    // The running order: its next report (1 April) with "on time".
    expect(rowsOf(running.referenceCode).join('')).toContain('в срок');
    for (const over of [revoked, discharged, legacy]) {
      const rows = rowsOf(over.referenceCode);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row).not.toContain('в срок');
        expect(row).not.toContain('просрочен');
      }
    }
  });
});
