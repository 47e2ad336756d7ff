import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, expectAccessible, launchBrowser, screenshot, seriousViolations, signIn } from './browser.js';
import { createWebContext, type WebContext } from './web-context.js';

/** Each role's main task, end to end in Chromium, with axe on every page visited. */
let web: WebContext;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  if (chromiumMissing) return;
  web = await createWebContext();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
});

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  await browser.context.clearCookies();
  return page;
}

async function openCase(page: Page, reference: string) {
  await page.getByRole('link', { name: reference }).first().click();
  await page.waitForURL(/\/app\/cases\//);
  await expectAccessible(page);
}

async function submitEvent(page: Page, event: string, fill: (form: ReturnType<Page['locator']>) => Promise<void>) {
  const details = page.locator('details.action', { has: page.locator(`input[name=type][value=${event}]`) });
  if (!(await details.evaluate((element) => (element as unknown as { open: boolean }).open))) await details.locator('summary').click();
  const form = details.locator('form');
  await fill(form);
  await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
  await page.waitForLoadState('load');
}

describe.skipIf(chromiumMissing)('web workspace in Chromium', { timeout: 120_000 }, () => {
  it('the accessibility check does catch a violation (an unlabelled field)', async () => {
    const page = await newPage();
    await page.setContent('<!doctype html><html lang="en"><head><title>x</title></head><body><main><input type="text"></main></body></html>');
    expect((await seriousViolations(page)).map((violation) => violation.id)).toContain('label');
  });

  it('prison staff admit to a full unit and see the waitlist; a refused admission changes nothing', async () => {
    const { t, region } = web;
    const unit = await t.request('POST', `/organisations/${region.orgs.prison.id}/units`, { token: region.tokens.prison, body: { kind: 'atlantis', name: 'Atlantis One', places: 1 } });
    expect(unit.status).toBe(201);
    const enrol = async (name: string) => {
      const person = await region.participant('prison', name);
      const opened = await region.open('prison', 'unit-enrolment', person.id, [], { unitId: unit.json.id, expectedReleaseDate: '2027-01-15' });
      expect(opened.status).toBe(201);
      expect((await region.send('prison', opened.json.id, 'SCREENED', { date: '2026-03-01', outcome: 'suitable' })).status).toBe(201);
      return { person, caseId: opened.json.id as string };
    };
    const first = await enrol('First');
    expect((await region.send('prison', first.caseId, 'ADMITTED', { date: '2026-03-01', consentToTreatment: true, unitAgreementSigned: true })).json.case.state).toBe('enrolled');
    const second = await enrol('Second');

    const page = await newPage();
    await signIn(page, web.base, region.orgs.prison.id, 'prison_staff');
    expect(await page.locator('html').getAttribute('lang')).toBe('ru'); // the prison's locale
    await expectAccessible(page);
    await page.goto(`${web.base}/app/lang/en?back=/app`);
    await openCase(page, second.person.referenceCode);
    // Without the signed unit agreement the API refuses; the form comes back with its words.
    await submitEvent(page, 'ADMITTED', async (form) => {
      await form.locator('input[type=date]').fill('2026-03-02');
    });
    expect(await page.locator('.notice.error').isVisible()).toBe(true);
    expect((await t.request('GET', `/cases/${second.caseId}`, { token: region.tokens.prison })).json.state).toBe('screened');
    await expectAccessible(page);
    await submitEvent(page, 'ADMITTED', async (form) => {
      await form.locator('input[type=date]').fill('2026-03-02');
      await form.locator('input[name="data.consentToTreatment"]').check();
      await form.locator('input[name="data.unitAgreementSigned"]').check();
    });
    expect(await page.locator('.notice[role=status]').isVisible()).toBe(true);
    expect((await t.request('GET', `/cases/${second.caseId}`, { token: region.tokens.prison })).json.state).toBe('waitlisted');
    await page.goto(`${web.base}/app`);
    const waitlist = page.locator('table', { has: page.locator('caption', { hasText: 'Waitlist' }) });
    expect(await waitlist.innerText()).toContain(second.person.referenceCode);
    expect(await page.locator('table', { has: page.locator('caption', { hasText: /^Units$/ }) }).innerText()).toContain('Atlantis One');
    await expectAccessible(page);
    await screenshot(page, 'prison-roster');
  });

  it('an NGO acknowledges a handover and records a first contact', async () => {
    const { t, region } = web;
    const person = await region.participant('prison', 'Handover');
    await region.consent(person.id, region.orgs.ngo);
    const opened = await region.open('prison', 'patronage', person.id, [{ part: 'ngo', organisationId: region.orgs.ngo.id }], {
      releasedAt: '2026-03-01T09:00:00+05:00',
      releaseAddressPlan: 'Pavlodar, Lenina 1',
      patronagePlan: 'Weekly meetings',
    });
    expect(opened.status).toBe(201);

    const page = await newPage();
    await signIn(page, web.base, region.orgs.ngo.id, 'ngo_worker');
    await page.goto(`${web.base}/app/lang/en?back=/app`);
    const incoming = page.locator('table', { has: page.locator('caption', { hasText: 'Incoming handovers' }) });
    expect(await incoming.innerText()).toContain(person.referenceCode);
    await expectAccessible(page);
    await screenshot(page, 'ngo-handovers');
    await openCase(page, person.referenceCode);
    await submitEvent(page, 'ACKNOWLEDGED', async (form) => {
      await form.getByLabel('Caseworker').fill('Aliya');
      await form.getByLabel('Planned first contact').fill('2026-03-03');
    });
    expect(await page.locator('dl.facts').first().innerText()).toContain('Acknowledged');
    await expectAccessible(page);
    await submitEvent(page, 'FIRST_CONTACT_MADE', async (form) => {
      await form.getByLabel('When').fill('2026-03-02T10:30');
      await form.getByLabel('How').selectOption('in_person');
    });
    const after = await t.request('GET', `/cases/${opened.json.id}`, { token: region.tokens.ngo });
    expect(after.json.state).toBe('active');
    const history = await t.request('GET', `/cases/${opened.json.id}/events`, { token: region.tokens.ngo });
    const contact = history.json.items.find((event: { type: string }) => event.type === 'FIRST_CONTACT_MADE');
    expect(contact.data).toEqual({ at: '2026-03-02T10:30:00+05:00', how: 'in_person' }); // read in the organisation's time zone
    expect(await page.locator('dl.facts').first().innerText()).toContain('Active');
    await expectAccessible(page);
  });

  it('a judge sees a breach awaiting a ruling and rules on it', async () => {
    const { t, region } = web;
    const person = await region.participant('court', 'Order');
    const opened = await region.open('court', 'court-ordered-treatment', person.id, [
      { part: 'probation', organisationId: region.orgs.probation.id },
      { part: 'provider', organisationId: region.orgs.provider.id },
    ], { caseNumber: 'CR-2026-17', orderDate: '2026-02-20', programme: 'outpatient', durationDays: 180 });
    expect(opened.status, opened.text).toBe(201);
    expect((await region.send('provider', opened.json.id, 'INTAKE_RECORDED', { assessmentDate: '2026-02-25', rehabilitationPlan: 'Weekly sessions', consentToTreatment: true })).status).toBe(201);
    expect((await region.send('probation', opened.json.id, 'BREACH_REPORTED', { reason: 'Missed three appointments' })).status).toBe(201);

    const page = await newPage();
    await signIn(page, web.base, region.orgs.court.id, 'judge');
    await page.goto(`${web.base}/app/lang/en?back=/app`);
    const awaiting = page.locator('table', { has: page.locator('caption', { hasText: 'Breaches awaiting a ruling' }) });
    expect(await awaiting.innerText()).toContain(person.referenceCode);
    await expectAccessible(page);
    await awaiting.getByRole('link', { name: person.referenceCode }).click();
    await page.waitForURL(/\/app\/cases\//);
    await expectAccessible(page);
    await submitEvent(page, 'BREACH_RULED', async (form) => {
      await form.getByLabel('Outcome').selectOption('continue');
    });
    expect((await t.request('GET', `/cases/${opened.json.id}`, { token: region.tokens.court })).json.state).toBe('in_treatment');
    await page.goto(`${web.base}/app`);
    expect(await page.locator('table', { has: page.locator('caption', { hasText: 'Breaches awaiting a ruling' }) }).innerText()).not.toContain(person.referenceCode);
  });

  it('the public indicators have charts and a CSV download, in English and Russian', async () => {
    const page = await newPage();
    await page.goto(`${web.base}/app/indicators?table=country-quarter&period=2026-Q1`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('figure.chart svg').first().isVisible()).toBe(true);
    await expectAccessible(page);
    await screenshot(page, 'public-indicators', { fullPage: false });
    const csvHref = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const csv = await fetch(`${web.base}${csvHref}`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    await page.getByRole('link', { name: 'Русский' }).click();
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    expect(await page.locator('h1').innerText()).toBe('Открытые показатели');
    await expectAccessible(page);
  });
});
