import { and, eq } from 'drizzle-orm';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { auditEvents } from '../../db/schema.js';
import { materialiseDue } from '../../notifications/outbox.js';
import { chromiumMissing, expectAccessible, browserWorld, screenshot, signIn } from './browser.js';

/**
 * The other roles' main tasks end to end in Chromium (probation, halfway house, coordinator),
 * the inbox, the sign-in page and keyboard use; axe and standards mode on every page visited.
 * One browser and one service for the file.
 */
/** One service and one Chromium for the file (browserWorld); each page starts signed out. */
const world = browserWorld();
const newPage = () => world.newPage();

/** Signs in, switches to English (the region's organisations are Russian by locale) and checks the home page. */
async function signInEnglish(page: Page, organisationId: string, role: string) {
  await signIn(page, world.web.base, organisationId, role);
  await expectAccessible(page); // the home page in the organisation's own language
  await page.goto(`${world.web.base}/app/lang/en?back=/app`);
  await expectAccessible(page);
}

const tableCaptioned = (page: Page, caption: string | RegExp): Locator => page.locator('table', { has: page.locator('caption', { hasText: caption }) });

async function submitEvent(page: Page, event: string, fill: (form: Locator) => Promise<void>) {
  const details = page.locator('details.action', { has: page.locator(`input[name=type][value=${event}]`) });
  if (!(await details.evaluate((element) => (element as unknown as { open: boolean }).open))) await details.locator('summary').click();
  const form = details.locator('form');
  await fill(form);
  await Promise.all([page.waitForURL(/\/app\/cases\/[^/]+(\?done=1)?$/), form.locator('button[type=submit]').click()]);
  await page.waitForLoadState('load');
}

async function historyOf(caseId: string, token: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  return (await world.web.t.request('GET', `/cases/${caseId}/events`, { token })).json.items;
}

describe.skipIf(chromiumMissing)('web workspace in Chromium: probation, halfway house, coordinator, inbox', { timeout: 120_000 }, () => {
  it('the sign-in page: accessible in both languages, keyboard first reaches the skip link, and focus is visible', async () => {
    const page = await newPage();
    await page.goto(`${world.web.base}/app/sign-in`);
    await expectAccessible(page);
    expect(await page.locator('h1').innerText()).toBe('Sign in'); // Accept-Language en-GB, no organisation yet
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = (globalThis as unknown as { document: { activeElement: { className: string; getAttribute(name: string): string | null } } }).document.activeElement;
      const style = (globalThis as unknown as { getComputedStyle(element: unknown): { outlineStyle: string; outlineWidth: string } }).getComputedStyle(element);
      return { className: element.className, href: element.getAttribute('href'), outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth };
    });
    expect(focused.className).toBe('skip');
    expect(focused.href).toBe('#main');
    expect(focused.outlineStyle).not.toBe('none');
    expect(focused.outlineWidth).not.toBe('0px');
    expect(await page.locator('a.skip').boundingBox()).toMatchObject({ x: 0 }); // on screen once focused
    // The skip link takes keyboard focus to the main content.
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).toBe('main');
    // Keyboard alone signs in: Tab to the choice, pick with the keyboard, Enter on the button.
    const choice = page.locator('#choice');
    await choice.focus();
    expect(
      await choice.evaluate((element) => (globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string } }).getComputedStyle(element).outlineStyle),
    ).not.toBe('none');
    await page.getByRole('link', { name: 'Русский' }).click();
    expect(await page.locator('h1').innerText()).toBe('Вход');
    await expectAccessible(page);
    await page.goto(`${world.web.base}/app/sign-in?expired=1`);
    expect(await page.locator('.notice.error').innerText()).toContain('Сеанс завершён');
    await expectAccessible(page);
  });

  it('a probation officer sees the caseload and this week’s report, records a drug test and submits the report', async () => {
    const { t, region } = world.web;
    const person = await region.participant('court', 'Saule');
    const opened = await region.open(
      'court',
      'court-ordered-treatment',
      person.id,
      [
        { part: 'probation', organisationId: region.orgs.probation.id },
        { part: 'provider', organisationId: region.orgs.provider.id },
      ],
      { caseNumber: 'CR-2026-31', orderDate: '2026-02-01', programme: 'outpatient', durationDays: 180 },
    );
    expect(opened.status, opened.text).toBe(201);
    // Intake on 5 February: the first report is due on 7 March, its reminder on 4 March (this week).
    expect(
      (await region.send('provider', opened.json.id, 'INTAKE_RECORDED', { assessmentDate: '2026-02-05', rehabilitationPlan: 'Weekly sessions', consentToTreatment: true })).status,
    ).toBe(201);

    const page = await newPage();
    await signInEnglish(page, region.orgs.probation.id, 'probation_officer');
    expect(await tableCaptioned(page, /^Caseload$/).innerText()).toContain(person.referenceCode);
    const reportsDue = tableCaptioned(page, 'Reports due this week');
    expect(await reportsDue.innerText()).toContain(person.referenceCode);
    await reportsDue.getByRole('link', { name: person.referenceCode }).first().click();
    await page.waitForURL(/\/app\/cases\//);
    await expectAccessible(page);

    await submitEvent(page, 'DRUG_TEST_RECORDED', async (form) => {
      await form.getByLabel('Date').fill('2026-03-02');
      await form.getByLabel('Result').selectOption('negative');
    });
    expect(await page.locator('.notice[role=status]').innerText()).toBe('Saved.');
    await expectAccessible(page);
    await submitEvent(page, 'PROGRESS_REPORT_SUBMITTED', async (form) => {
      await form.getByLabel('Date').fill('2026-03-02');
      await form.getByLabel('Summary').fill('Attends every session; tests negative.');
      await form.getByLabel(/^Recommendation/).selectOption('continue');
    });
    expect(await page.locator('.notice[role=status]').innerText()).toBe('Saved.');
    await expectAccessible(page);

    const history = await historyOf(opened.json.id, region.tokens.probation);
    expect(history.find((event) => event.type === 'DRUG_TEST_RECORDED')?.data).toMatchObject({ date: '2026-03-02', result: 'negative' });
    expect(history.find((event) => event.type === 'PROGRESS_REPORT_SUBMITTED')?.data).toMatchObject({
      summary: 'Attends every session; tests negative.',
      recommendation: 'continue',
    });
    expect((await t.request('GET', `/cases/${opened.json.id}`, { token: region.tokens.court })).json.data.nextReportDue).toBe('2026-04-06');
    // The report is in: it is no longer due this week.
    await page.goto(`${world.web.base}/app`);
    expect(await tableCaptioned(page, 'Reports due this week').innerText()).not.toContain(person.referenceCode);
    await expectAccessible(page);
  });

  it('halfway-house staff see a referral with its decision deadline, accept it, and record arrival and departure on the bed board', async () => {
    const { t, region } = world.web;
    const person = await region.participant('prison', 'Yerlan');
    const opened = await region.open('prison', 'halfway-house', person.id, [{ part: 'halfway_house', organisationId: region.orgs.house.id }], {
      expectedArrivalDate: '2026-03-05',
      maxStayDays: 90,
    });
    expect(opened.status, opened.text).toBe(201);

    const page = await newPage();
    await signInEnglish(page, region.orgs.house.id, 'halfway_house_staff');
    const referrals = tableCaptioned(page, 'Referrals awaiting a decision');
    const row = referrals.locator('tr', { has: page.getByRole('link', { name: person.referenceCode }) });
    // Referred on Monday 2 March: five working days later is Monday 9 March; arrival on 5 March.
    expect(await row.innerText()).toContain('9 Mar 2026');
    expect(await row.innerText()).toContain('5 Mar 2026');
    const beds = page.getByRole('list', { name: 'Bed board' });
    expect(await beds.locator('li').allInnerTexts()).toEqual(['Bed 1: Free']);
    await screenshot(page, 'house-referrals');
    await row.getByRole('link', { name: person.referenceCode }).click();
    await page.waitForURL(/\/app\/cases\//);
    await expectAccessible(page);

    await submitEvent(page, 'ACCEPTED', async () => {});
    expect((await t.request('GET', `/cases/${opened.json.id}`, { token: region.tokens.house })).json.state).toBe('accepted');
    await expectAccessible(page);
    // Accepted, not yet arrived: listed as expected, not as a resident (DOMAIN.md, "Halfway house").
    await page.goto(`${world.web.base}/app`);
    expect(await tableCaptioned(page, 'Accepted, not yet arrived').innerText()).toContain(person.referenceCode);
    expect(await tableCaptioned(page, 'Residents').innerText()).not.toContain(person.referenceCode);
    await expectAccessible(page);
    await page.goto(`${world.web.base}/app/cases/${opened.json.id}`);
    await submitEvent(page, 'ARRIVED', async (form) => {
      await form.getByLabel('Arrived at').fill('2026-03-02T15:00');
    });
    const resident = (await t.request('GET', `/cases/${opened.json.id}`, { token: region.tokens.house })).json;
    expect(resident.state).toBe('resident');
    expect(resident.data.stayEndDate).toBe('2026-05-31');
    await expectAccessible(page);

    await page.goto(`${world.web.base}/app`);
    expect(await tableCaptioned(page, 'Referrals awaiting a decision').innerText()).not.toContain(person.referenceCode);
    const residentRow = tableCaptioned(page, 'Residents').locator('tr', { has: page.getByRole('link', { name: person.referenceCode }) });
    expect(await residentRow.innerText()).toContain('31 May 2026'); // the stay's end date
    expect(await page.getByRole('list', { name: 'Bed board' }).locator('li').allInnerTexts()).toEqual(['Bed 1: Used']);
    await expectAccessible(page);

    await residentRow.getByRole('link', { name: person.referenceCode }).click();
    await page.waitForURL(/\/app\/cases\//);
    await submitEvent(page, 'DEPARTED', async (form) => {
      await form.getByLabel('Date').fill('2026-03-02');
      await form.getByLabel('Reason').selectOption('moved_on_stable_housing');
    });
    const departed = (await t.request('GET', `/cases/${opened.json.id}`, { token: region.tokens.house })).json;
    expect(departed.state).toBe('departed');
    expect((await historyOf(opened.json.id, region.tokens.house)).find((event) => event.type === 'DEPARTED')?.data).toMatchObject({ reason: 'moved_on_stable_housing' });
    await expectAccessible(page);
    await page.goto(`${world.web.base}/app`);
    expect(await page.getByRole('list', { name: 'Bed board' }).locator('li').allInnerTexts()).toEqual(['Bed 1: Free']);
  });

  it('a coordinator sees escalations and expiring certifications, and break-glass with a reason opens a case, audited; the owner’s inbox is told and can mark it read', async () => {
    const { t, region } = world.web;
    const expiring = await t.organisation('ngo', { name: 'Expiring Patrons', certificationValidUntil: '2026-04-15' });
    const elsewhere = await t.organisation('ngo', { name: 'Far Region Patrons', region: 'KZ-AKM', certificationValidUntil: '2026-04-15' });
    // A handover not acknowledged within 48 hours escalates to the region's coordinator.
    const handed = await region.participant('prison', 'Dariga');
    await region.consent(handed.id, region.orgs.ngo);
    const handover = await region.open('prison', 'patronage', handed.id, [{ part: 'ngo', organisationId: region.orgs.ngo.id }], {
      releasedAt: '2026-03-01T09:00:00+05:00',
      releaseAddressPlan: 'Pavlodar',
      patronagePlan: 'Weekly meetings',
    });
    expect(handover.status, handover.text).toBe(201);
    // A unit case the coordinator is no party to, with health data only break-glass may show it.
    const registered = await t.request('POST', '/participants', {
      token: region.tokens.prison,
      body: { identity: { firstName: 'Aigerim', lastName: 'Person', dateOfBirth: '1990-01-01' }, health: { diagnosis: 'Overdose-risk-BG7-marker' } },
    });
    expect(registered.status).toBe(201);
    const unit = await t.request('POST', `/organisations/${region.orgs.prison.id}/units`, {
      token: region.tokens.prison,
      body: { kind: 'clean_zone', name: 'Clean Zone Two', places: 5 },
    });
    const enrolment = await region.open('prison', 'unit-enrolment', registered.json.id, [], { unitId: unit.json.id, expectedReleaseDate: '2027-02-01' });
    expect(enrolment.status, enrolment.text).toBe(201);
    const caseId = enrolment.json.id as string;

    const page = await newPage();
    await signInEnglish(page, region.orgs.coordinator.id, 'coordinator');
    const escalations = tableCaptioned(page, 'Escalations and overdue deadlines');
    expect(await escalations.innerText()).toContain(handed.referenceCode);
    expect(await escalations.locator('tr', { hasText: handed.referenceCode }).innerText()).toContain('escalation');
    const certifications = await tableCaptioned(page, 'Certifications expiring').innerText();
    expect(certifications).toContain(expiring.name);
    expect(certifications).toContain('15 Apr 2026');
    expect(certifications).not.toContain(elsewhere.name); // another region's
    expect(certifications).not.toContain(region.orgs.ngo.name); // valid until 2027
    await screenshot(page, 'coordinator');

    // Not a party: the case page offers break-glass on that case (the API still answers 404).
    await page.goto(`${world.web.base}/app/cases/${caseId}`);
    expect(await page.locator('h1').innerText()).toBe('Break-glass access');
    await expectAccessible(page);

    // Break-glass with too short a reason is refused by the API, and nothing is granted.
    const reasonField = page.getByLabel(/Reason for emergency access/);
    await reasonField.fill('urgent');
    await reasonField.evaluate((element) => (element as unknown as { removeAttribute(name: string): void }).removeAttribute('minlength'));
    await page.getByRole('button', { name: 'Grant access' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.notice.error').isVisible()).toBe(true);
    await expectAccessible(page);
    expect((await t.request('GET', `/cases/${caseId}`, { token: region.tokens.coordinator })).status).toBe(404);

    const reason = 'Overdose reported by the NGO; checking the treatment history';
    await page.getByLabel(/Reason for emergency access/).fill(reason);
    await Promise.all([page.waitForURL(`${world.web.base}/app/cases/${caseId}?done=1`), page.getByRole('button', { name: 'Grant access' }).click()]);
    expect(
      await page
        .locator('#participant ~ *')
        .allInnerTexts()
        .then((texts) => texts.join(' ')),
    ).toContain('Overdose-risk-BG7-marker');
    await expectAccessible(page);
    const audited = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'case.break_glass'), eq(auditEvents.subjectId, caseId), eq(auditEvents.outcome, 'success')));
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ purpose: reason, basis: 'break_glass', organisationId: region.orgs.coordinator.id });

    // The owner (the prison) is told at the next tick, in its inbox, and marks the notice read.
    await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });
    const inboxPage = await newPage();
    await signInEnglish(inboxPage, region.orgs.prison.id, 'prison_staff');
    await inboxPage.getByRole('link', { name: 'Inbox' }).click();
    await inboxPage.waitForURL(`${world.web.base}/app/inbox`);
    await expectAccessible(inboxPage);
    const notice = inboxPage.locator('tbody tr', { hasText: registered.json.referenceCode });
    expect(await notice.count()).toBe(1);
    const markRead = notice.getByRole('button', { name: /^Mark read/ });
    await Promise.all([inboxPage.waitForURL(`${world.web.base}/app/inbox?done=1`), markRead.click()]);
    expect(await inboxPage.locator('tbody tr', { hasText: registered.json.referenceCode }).innerText()).toContain('Read');
    expect(await inboxPage.locator('tbody tr', { hasText: registered.json.referenceCode }).getByRole('button').count()).toBe(0);
    await expectAccessible(inboxPage);
    const notifications = (await t.request('GET', '/notifications', { token: region.tokens.prison })).json.items as { participantReference: string; readAt: string | null }[];
    expect(notifications.find((item) => item.participantReference === registered.json.referenceCode)?.readAt).toBeTruthy();
    await inboxPage.close();
  });

  it('treatment staff see their caseload; a form from elsewhere is refused on an accessible page', async () => {
    const { region } = world.web;
    const person = await region.participant('court', 'Timur');
    const opened = await region.open(
      'court',
      'court-ordered-treatment',
      person.id,
      [
        { part: 'probation', organisationId: region.orgs.probation.id },
        { part: 'provider', organisationId: region.orgs.provider.id },
      ],
      { caseNumber: 'CR-2026-44', orderDate: '2026-02-20', programme: 'ost', durationDays: 90 },
    );
    expect(opened.status, opened.text).toBe(201);
    const page = await newPage();
    await signInEnglish(page, region.orgs.provider.id, 'treatment_staff');
    expect(await tableCaptioned(page, 'Caseload').innerText()).toContain(person.referenceCode);
    // A sign-out form with a forged CSRF token: the service refuses it with its own page.
    await page.evaluate(() => {
      const document = (globalThis as unknown as { document: { querySelector(selector: string): { value: string; form: { submit(): void } } } }).document;
      const field = document.querySelector('form[action="/app/sign-out"] input[name=_csrf]');
      field.value = 'forged';
      field.form.submit();
    });
    await page.waitForURL(`${world.web.base}/app/sign-out`);
    expect(await page.locator('.notice.error').innerText()).toContain('did not come from this service');
    await expectAccessible(page);
    await page.goto(`${world.web.base}/app`);
    expect(page.url()).toBe(`${world.web.base}/app`); // still signed in: nothing happened
  });
});
