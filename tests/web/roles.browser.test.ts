import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, expectAccessible, browserWorld, screenshot, seriousViolations, signIn } from './browser.js';

/** Each role's main task, end to end in Chromium, with axe on every page visited. */
/** One service and one Chromium for the file (browserWorld); each page starts signed out. */
const world = browserWorld();
const newPage = () => world.newPage();

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
    const { t, region } = world.web;
    const unit = await t.request('POST', `/organisations/${region.orgs.prison.id}/units`, {
      token: region.tokens.prison,
      body: { kind: 'atlantis', name: 'Atlantis One', places: 1 },
    });
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
    await signIn(page, world.web.base, region.orgs.prison.id, 'prison_staff');
    expect(await page.locator('html').getAttribute('lang')).toBe('ru'); // the prison's locale
    await expectAccessible(page);
    await page.goto(`${world.web.base}/app/lang/en?back=/app`);
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
    await page.goto(`${world.web.base}/app`);
    const waitlist = page.locator('table', { has: page.locator('caption', { hasText: 'Waitlist' }) });
    expect(await waitlist.innerText()).toContain(second.person.referenceCode);
    expect(await page.locator('table', { has: page.locator('caption', { hasText: /^Units$/ }) }).innerText()).toContain('Atlantis One');
    await expectAccessible(page);
    await screenshot(page, 'prison-roster');
  });

  it('an NGO acknowledges a handover and records a first contact', async () => {
    const { t, region } = world.web;
    const person = await region.participant('prison', 'Handover');
    await region.consent(person.id, region.orgs.ngo);
    const opened = await region.open('prison', 'patronage', person.id, [{ part: 'ngo', organisationId: region.orgs.ngo.id }], {
      releasedAt: '2026-03-01T09:00:00+05:00',
      releaseAddressPlan: 'Pavlodar, Lenina 1',
      patronagePlan: 'Weekly meetings',
    });
    expect(opened.status).toBe(201);

    const page = await newPage();
    await signIn(page, world.web.base, region.orgs.ngo.id, 'ngo_worker');
    await page.goto(`${world.web.base}/app/lang/en?back=/app`);
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
    // The caseload with the next contact due (a week after the first), and the follow-ups at 3, 6 and 12 months after release.
    await page.goto(`${world.web.base}/app`);
    const caseload = page.locator('table', { has: page.locator('caption', { hasText: /^Caseload$/ }) });
    expect(await caseload.locator('tr', { hasText: person.referenceCode }).innerText()).toContain('9 Mar 2026');
    const followUps = page.locator('table', { has: page.locator('caption', { hasText: 'Follow-ups due' }) }).locator('tr', { hasText: person.referenceCode });
    expect((await followUps.allInnerTexts()).map((text) => /\d+ \w+ 2026|\d+ \w+ 2027/.exec(text)?.[0])).toEqual(['1 Jun 2026', '1 Sept 2026', '1 Mar 2027']);
    await expectAccessible(page);
  });

  it('a judge sees compliance at a glance and a breach awaiting a ruling, rules on it, and discharges the order', async () => {
    const { t, region } = world.web;
    const person = await region.participant('court', 'Order');
    const opened = await region.open(
      'court',
      'court-ordered-treatment',
      person.id,
      [
        { part: 'probation', organisationId: region.orgs.probation.id },
        { part: 'provider', organisationId: region.orgs.provider.id },
      ],
      { caseNumber: 'CR-2026-17', orderDate: '2026-02-20', programme: 'outpatient', durationDays: 180 },
    );
    expect(opened.status, opened.text).toBe(201);
    expect(
      (await region.send('provider', opened.json.id, 'INTAKE_RECORDED', { assessmentDate: '2026-02-25', rehabilitationPlan: 'Weekly sessions', consentToTreatment: true })).status,
    ).toBe(201);
    expect((await region.send('probation', opened.json.id, 'DRUG_TEST_RECORDED', { date: '2026-02-27', result: 'positive' })).status).toBe(201);
    expect((await region.send('probation', opened.json.id, 'BREACH_REPORTED', { reason: 'Missed three appointments' })).status).toBe(201);

    const page = await newPage();
    await signIn(page, world.web.base, region.orgs.court.id, 'judge');
    await page.goto(`${world.web.base}/app/lang/en?back=/app`);
    const awaiting = page.locator('table', { has: page.locator('caption', { hasText: 'Breaches awaiting a ruling' }) });
    expect(await awaiting.innerText()).toContain(person.referenceCode);
    // Compliance at a glance: one adverse test, the first report due 27 March (intake + 30 days), on time.
    const glance = await awaiting.locator('tr', { hasText: person.referenceCode }).locator('td').allInnerTexts();
    expect(glance).toEqual(['CR-2026-17', 'Outpatient', 'Breach under review', '1', '27 Mar 2026 on time']);
    await expectAccessible(page);
    await awaiting.getByRole('link', { name: person.referenceCode }).click();
    await page.waitForURL(/\/app\/cases\//);
    await expectAccessible(page);
    await submitEvent(page, 'BREACH_RULED', async (form) => {
      await form.getByLabel('Outcome').selectOption('continue');
    });
    expect((await t.request('GET', `/cases/${opened.json.id}`, { token: region.tokens.court })).json.state).toBe('in_treatment');
    await page.goto(`${world.web.base}/app`);
    expect(await page.locator('table', { has: page.locator('caption', { hasText: 'Breaches awaiting a ruling' }) }).innerText()).not.toContain(person.referenceCode);
    // Treatment completed: the judge discharges the order.
    expect((await region.send('provider', opened.json.id, 'TREATMENT_COMPLETED', { date: '2026-03-02' })).status).toBe(201);
    await openCase(page, person.referenceCode);
    await submitEvent(page, 'ORDER_DISCHARGED', async (form) => {
      await form.getByLabel('Date').fill('2026-03-02');
    });
    expect((await t.request('GET', `/cases/${opened.json.id}`, { token: region.tokens.court })).json.state).toBe('discharged');
    expect(await page.locator('dl.facts').first().innerText()).toContain('Discharged');
    await expectAccessible(page);
  });

  it('prison staff see the 180-day release calendar with seven pathway tags and the handovers sent; record a drug test and an exit', async () => {
    const { t, region } = world.web;
    const plan = async (name: string, releaseDate: string) => {
      const person = await region.participant('prison', name);
      const opened = await region.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: region.orgs.probation.id }], { releaseDate });
      expect(opened.status, opened.text).toBe(201);
      return { person, caseId: opened.json.id as string };
    };
    const soon = await plan('Nurlan', '2026-06-01');
    const later = await plan('Madina', '2026-12-01'); // beyond 180 days
    const sent = await region.participant('prison', 'Bolat');
    await region.consent(sent.id, region.orgs.ngo2);
    expect(
      (
        await region.open('prison', 'patronage', sent.id, [{ part: 'ngo', organisationId: region.orgs.ngo2.id }], {
          releasedAt: '2026-03-01T09:00:00+05:00',
          releaseAddressPlan: 'Pavlodar',
          patronagePlan: 'Weekly',
        })
      ).status,
    ).toBe(201);
    const unit = await t.request('POST', `/organisations/${region.orgs.prison.id}/units`, {
      token: region.tokens.prison,
      body: { kind: 'clean_zone', name: 'Clean Zone Exit', places: 3 },
    });
    const member = await region.participant('prison', 'Askar');
    const enrolment = await region.open('prison', 'unit-enrolment', member.id, [], { unitId: unit.json.id, expectedReleaseDate: '2027-01-15' });
    await region.send('prison', enrolment.json.id, 'SCREENED', { date: '2026-03-01', outcome: 'suitable' });
    expect((await region.send('prison', enrolment.json.id, 'ADMITTED', { date: '2026-03-01', consentToTreatment: true, unitAgreementSigned: true })).json.case.state).toBe(
      'enrolled',
    );

    const page = await newPage();
    await signIn(page, world.web.base, region.orgs.prison.id, 'prison_staff');
    await page.goto(`${world.web.base}/app/lang/en?back=/app`);
    await openCase(page, soon.person.referenceCode);
    await submitEvent(page, 'PATHWAY_UPDATED', async (form) => {
      await form.getByLabel('Pathway').selectOption('accommodation');
      await form.getByLabel('Status').selectOption('in_progress');
    });
    await expectAccessible(page);
    await page.goto(`${world.web.base}/app`);
    const calendar = page.locator('table', { has: page.locator('caption', { hasText: 'Release calendar (next 180 days)' }) });
    expect(await calendar.innerText()).not.toContain(later.person.referenceCode);
    const row = calendar.locator('tr', { hasText: soon.person.referenceCode });
    expect(await row.locator('td').first().innerText()).toBe('1 Jun 2026');
    const tags = await row.locator('td .tag').allInnerTexts();
    expect(tags).toEqual([
      'Planning',
      'Accommodation: In progress',
      'Identity documents: Not started',
      'Health continuity: Not started',
      'Employment and education: Not started',
      'Family: Not started',
      'Finance and benefits: Not started',
      'Patronage: Not started',
    ]);
    const handovers = page.locator('table', { has: page.locator('caption', { hasText: 'Handovers sent' }) });
    expect(await handovers.locator('tr', { hasText: sent.referenceCode }).innerText()).toContain(region.orgs.ngo2.name);
    expect(await handovers.locator('tr', { hasText: sent.referenceCode }).innerText()).toContain('Sent');
    await expectAccessible(page);
    // The Russian page names the pathways in Russian.
    await page.goto(`${world.web.base}/app/lang/ru?back=/app`);
    expect(await page.locator('tr', { hasText: soon.person.referenceCode }).locator('td .tag').nth(1).innerText()).toBe('Жильё: В работе');
    await expectAccessible(page);
    await page.goto(`${world.web.base}/app/lang/en?back=/app`);

    await openCase(page, member.referenceCode);
    await submitEvent(page, 'DRUG_TEST_RECORDED', async (form) => {
      await form.getByLabel('Date').fill('2026-03-02');
      await form.getByLabel('Result').selectOption('negative');
    });
    await submitEvent(page, 'EXPELLED', async (form) => {
      await form.getByLabel('Date').fill('2026-03-02');
      await form.getByLabel('Reason').fill('Violence against another resident');
    });
    expect((await t.request('GET', `/cases/${enrolment.json.id}`, { token: region.tokens.prison })).json.state).toBe('expelled');
    const types = ((await t.request('GET', `/cases/${enrolment.json.id}/events`, { token: region.tokens.prison })).json.items as { type: string }[]).map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['DRUG_TEST_RECORDED', 'EXPELLED']));
    await expectAccessible(page);
  });

  it('the public indicators have charts and a CSV download, in English and Russian', async () => {
    const page = await newPage();
    await page.goto(`${world.web.base}/app/indicators?table=country-quarter&period=2026-Q1`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('figure.chart svg').first().isVisible()).toBe(true);
    await expectAccessible(page);
    await screenshot(page, 'public-indicators', { fullPage: false });
    const csvHref = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const csv = await fetch(`${world.web.base}${csvHref}`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    await page.getByRole('link', { name: 'Русский' }).click();
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    expect(await page.locator('h1').innerText()).toBe('Открытые показатели');
    await expectAccessible(page);
    // A period the API refuses: its message on the page, still accessible.
    await page.goto(`${world.web.base}/app/indicators?table=country-quarter&period=bogus`);
    expect(await page.locator('.notice.error').isVisible()).toBe(true);
    await expectAccessible(page);
  });
});
