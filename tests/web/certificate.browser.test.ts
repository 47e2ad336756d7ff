import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserWorld, chromiumMissing, expectAccessible, screenshot, signIn } from './browser.js';

/**
 * Issue 19 item 6 in Chromium: a rehabilitation certificate from the web. The coordinator opens
 * the case from the person's page and issues the certificate, records the person's choice of a
 * centre (only centres certified today, the person's region first) and the contract, in Russian;
 * the centre admits, records a stage and claims, in English (one claim above the balance is
 * refused, nothing written); the coordinator rejects one claim with a reason and approves the
 * other on the claims' rows; the statement prints the numbers the API holds, in both languages.
 * axe on every page, and at 390 px wide nothing scrolls sideways. Each step is checked against
 * GET /cases/:id.
 */
const world = browserWorld();
const PHONE = { width: 390, height: 844 };
/** Intl's group separator in Russian is a no-break space: compare text with plain spaces. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

type Held = {
  state: string;
  data: {
    certificate?: { number: string; value: number; currency: string; approved: number; pending: number; remaining: number };
    claims?: { id: string; amount: number; status: string; reason?: string }[];
  };
  parties: { part: string; organisationId: string }[];
};

async function submitEvent(page: Page, event: string, fill: (form: Locator) => Promise<void>) {
  const details = page.locator('details.action', { has: page.locator(`input[name=type][value=${event}]`) });
  if (!(await details.evaluate((element) => (element as unknown as { open: boolean }).open))) await details.locator('summary').click();
  const form = details.locator('form');
  await fill(form);
  await Promise.all([page.waitForEvent('load'), form.locator('button[type=submit]').click()]);
}

/** A picker's option groups as shown: [group label, option names]. */
async function groupsOf(page: Page, selector: string): Promise<[string, string[]][]> {
  return page.locator(`${selector} optgroup`).evaluateAll((groups) =>
    groups.map((group) => {
      const element = group as unknown as { label: string; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };
      return [element.label, Array.from(element.querySelectorAll('option')).map((option) => (option.textContent ?? '').trim())] as [string, string[]];
    }),
  );
}

/** The page is accessible, and at 390 px wide it does not scroll sideways (a wide table scrolls in its own box). */
async function checkPage(page: Page) {
  await expectAccessible(page);
  const desktop = page.viewportSize();
  await page.setViewportSize(PHONE);
  const widths = await page.evaluate(() => {
    const scope = globalThis as unknown as { innerWidth: number; document: { scrollingElement: { scrollWidth: number } } };
    return { scrollWidth: scope.document.scrollingElement.scrollWidth, innerWidth: scope.innerWidth };
  });
  expect(widths.innerWidth).toBe(PHONE.width);
  expect(widths.scrollWidth, `sideways scroll on ${page.url()}`).toBeLessThanOrEqual(widths.innerWidth);
  await expectAccessible(page);
  if (desktop) await page.setViewportSize(desktop);
}

/** The account's figures as shown: field → text. */
async function account(page: Page): Promise<Record<string, string>> {
  const cells = await page
    .locator('dl.money dd[data-amount]')
    .evaluateAll((elements) =>
      elements.map(
        (element) => [(element as unknown as { dataset: { amount: string } }).dataset.amount, (element as unknown as { textContent: string }).textContent] as [string, string],
      ),
    );
  return Object.fromEntries(cells.map(([key, text]) => [key, plain(text).trim()]));
}

describe.skipIf(chromiumMissing)('a rehabilitation certificate from the web, in Chromium', { timeout: 240_000 }, () => {
  it('the coordinator issues it and records the choice and the contract; the centre admits, records a stage and claims; the coordinator decides; the statement adds up', async () => {
    const { web } = world;
    const { t, region } = web;
    const coordinator = region.tokens.coordinator;
    // A centre whose certification has lapsed is never offered; the other regions' centres come after the person's.
    const lapsed = await t.organisation('treatment_provider', { name: 'Центр без аккредитации', region: 'KZ-PAV', country: 'KZ', certificationValidUntil: '2026-01-01' });
    const person = await t.request('POST', '/participants', {
      token: coordinator,
      body: { identity: { lastName: 'Сертификатова', firstName: 'Айжан', dateOfBirth: '1990-02-02' } },
    });
    expect(person.status, person.text).toBe(201);
    const { id, referenceCode } = person.json as { id: string; referenceCode: string };
    await region.consent(id, region.orgs.ngo, 'coordinator');

    // The coordinator opens the case from the person's page: source, date, the NGO; no centre yet.
    const page = await world.newPage();
    await signIn(page, web.base, region.orgs.coordinator.id, 'coordinator');
    await page.goto(`${web.base}/app/people/${id}`);
    await checkPage(page);
    await Promise.all([page.waitForURL(`${web.base}/app/people/${id}/open/rehabilitation-certificate`), page.getByRole('link', { name: 'Сертификат на реабилитацию' }).click()]);
    expect(await page.locator('#party-centre').count()).toBe(0);
    expect((await groupsOf(page, '#open-ngoOrganisationId'))[0]).toEqual(['Ваш регион', [region.orgs.ngo.name, region.orgs.ngo2.name].sort((a, b) => a.localeCompare(b))]);
    await checkPage(page);
    await page.selectOption('#open-source', 'self');
    await page.locator('#open-referredOn').fill('2026-03-01');
    await page.selectOption('#open-ngoOrganisationId', region.orgs.ngo.id);
    await Promise.all([page.waitForURL(/\/app\/cases\/[0-9a-f-]+\?done=1$/), page.getByRole('button', { name: 'Открыть дело' }).click()]);
    const caseId = /\/app\/cases\/([0-9a-f-]+)/.exec(page.url())![1]!;
    const held = async () => (await t.request('GET', `/cases/${caseId}`, { token: coordinator })).json as Held;
    expect(await held()).toMatchObject({ state: 'referred', parties: expect.arrayContaining([{ part: 'ngo', organisationId: region.orgs.ngo.id }]) });
    await checkPage(page);

    // Assessment and programme through the API; the person's informed consent recorded with the case.
    for (const [type, data] of [
      ['DIAGNOSIS_RECORDED', { date: '2026-03-01', summary: 'Зависимость средней тяжести' }],
      ['PROGRAMME_PREPARED', { goals: 'Трезвость и работа', stages: ['Детоксикация', 'Реабилитация'], plannedDays: 180 }],
    ] as const) {
      const sent = await region.send('coordinator', caseId, type, data);
      expect(sent.status, sent.text).toBe(201);
    }
    await region.consent(id, region.orgs.provider, 'coordinator', { caseId, dataClasses: ['identity', 'health'], purpose: 'treatment' });

    // Issue: the value is typed in tenge and kept in tiyn.
    await page.reload();
    await submitEvent(page, 'CERTIFICATE_ISSUED', async (form) => {
      await form.locator('#ev-certificate_issued-number').fill('KZ-PAV-2026-0042');
      await form.locator('#ev-certificate_issued-value').fill('500000');
      await form.locator('#ev-certificate_issued-validUntil').fill('2026-12-31');
    });
    expect((await held()).data.certificate).toMatchObject({ number: 'KZ-PAV-2026-0042', value: 50_000_000, currency: 'KZT', remaining: 50_000_000 });
    expect(await account(page)).toMatchObject({ value: '500 000,00 KZT', approved: '0,00 KZT', pending: '0,00 KZT', remaining: '500 000,00 KZT' });
    await checkPage(page);

    // The person's choice: certified centres only, the person's region first; the choice is labelled as the person's.
    const details = page.locator('details.action', { has: page.locator('input[name=type][value=CENTRE_CHOSEN]') });
    await details.locator('summary').click();
    const groups = await groupsOf(page, '#ev-centre_chosen-centreOrganisationId');
    expect(groups.map(([label]) => label)).toEqual(['Регион человека', 'Другие регионы страны', 'Другие страны']);
    expect(groups[0]![1]).toEqual([region.orgs.provider.name]);
    expect(groups.flatMap(([, names]) => names)).not.toContain(lapsed.name);
    expect(await page.locator('#ev-centre_chosen-choice option:checked').innerText()).toBe('Выбор самого человека');
    expect(await page.locator('label[for=ev-centre_chosen-choice]').innerText()).toBe('Чей выбор');
    await checkPage(page);
    await submitEvent(page, 'CENTRE_CHOSEN', (form) =>
      form
        .locator('#ev-centre_chosen-centreOrganisationId')
        .selectOption(region.orgs.provider.id)
        .then(() => undefined),
    );
    expect(await held()).toMatchObject({ state: 'centre_chosen', parties: expect.arrayContaining([{ part: 'centre', organisationId: region.orgs.provider.id }]) });

    // The contract, with the NGO among its parties.
    await submitEvent(page, 'CONTRACT_SIGNED', async (form) => {
      await form.locator('#ev-contract_signed-signedOn').fill('2026-03-02');
      await form.locator('#ev-contract_signed-parties-ngo').check();
    });
    expect((await held()).state).toBe('contracted');
    await checkPage(page);

    // The centre, in English: admits, records a stage, claims twice; a claim above the balance is refused.
    // (One browser context: signing in as the centre ends the coordinator's session there.)
    const centre = page;
    await signIn(centre, web.base, region.orgs.provider.id, 'treatment_staff');
    await centre.goto(`${web.base}/app/lang/en?back=/app/cases/${caseId}`);
    await checkPage(centre);
    await submitEvent(centre, 'ADMITTED', (form) => form.locator('#ev-admitted-date').fill('2026-03-01'));
    expect((await held()).state).toBe('in_rehabilitation');
    await submitEvent(centre, 'STAGE_COMPLETED', async (form) => {
      await form.locator('#ev-stage_completed-stage').fill('Detoxification');
      await form.locator('#ev-stage_completed-date').fill('2026-03-02');
    });
    const claim = async (from: string, to: string, amount: string) =>
      submitEvent(centre, 'SERVICE_CLAIMED', async (form) => {
        await form.locator('#ev-service_claimed-periodFrom').fill(from);
        await form.locator('#ev-service_claimed-periodTo').fill(to);
        await form.locator('#ev-service_claimed-amount').fill(amount);
      });
    expect(await centre.locator('label[for=ev-service_claimed-amount]').textContent()).toContain('(KZT)');
    await claim('2026-03-01', '2026-03-01', '600000');
    expect(await centre.locator('.notice.error').innerText()).toContain('above the certificate’s balance');
    expect((await held()).data.claims).toEqual([]);
    await checkPage(centre);
    await claim('2026-03-01', '2026-03-01', '150000');
    await claim('2026-03-02', '2026-03-02', '2000.50');
    expect((await held()).data.claims?.map((item) => [item.amount, item.status])).toEqual([
      [15_000_000, 'pending'],
      [200_050, 'pending'],
    ]);
    expect(await account(centre)).toMatchObject({ value: 'KZT 500,000.00', pending: 'KZT 152,000.50', remaining: 'KZT 347,999.50' });
    const centreClaims = centre.locator('table', { has: centre.locator('caption', { hasText: 'Claims for services' }) });
    expect(await centreClaims.locator('tbody tr').count()).toBe(2);
    expect(await centreClaims.getByRole('button').count()).toBe(0); // the centre does not decide
    await checkPage(centre);

    // The coordinator, in Russian again, rejects the first with a reason and approves the second, on their rows.
    await signIn(page, web.base, region.orgs.coordinator.id, 'coordinator');
    await page.goto(`${web.base}/app/lang/ru?back=/app/cases/${caseId}`);
    const claims = page.locator('table', { has: page.locator('caption', { hasText: 'Заявки на оплату услуг' }) });
    const first = claims.locator('tbody tr', { hasText: /150\s000,00/ });
    expect(await claims.getByRole('button', { name: 'Одобрить' }).count()).toBe(2);
    await checkPage(page); // the decision forms on the claims' rows, at 390 px too
    await first.getByLabel('Причина отказа').fill('Период уже оплачен');
    await Promise.all([page.waitForEvent('load'), first.getByRole('button', { name: 'Отклонить' }).click()]);
    await Promise.all([
      page.waitForEvent('load'),
      claims
        .locator('tbody tr', { hasText: /2\s000,50/ })
        .getByRole('button', { name: 'Одобрить' })
        .click(),
    ]);
    const decided = await held();
    expect(decided.data.claims?.map((item) => [item.amount, item.status, item.reason ?? null])).toEqual([
      [15_000_000, 'rejected', 'Период уже оплачен'],
      [200_050, 'approved', null],
    ]);
    expect(decided.data.certificate).toMatchObject({ approved: 200_050, pending: 0, remaining: 49_799_950 });
    expect(await account(page)).toMatchObject({ approved: '2 000,50 KZT', pending: '0,00 KZT', remaining: '497 999,50 KZT' });
    expect(plain(await claims.innerText())).toMatch(/Отклонена[\s\S]*Период уже оплачен/);
    expect(await claims.getByRole('button').count()).toBe(0);
    // The timeline names a decided claim by its period and amount, never by its id.
    const timeline = await page.locator('table', { has: page.locator('caption', { hasText: 'История' }) }).innerText();
    expect(plain(timeline)).toContain('2 000,50 KZT');
    expect(timeline).not.toContain(decided.data.claims![0]!.id);
    // Amounts in the events' details are money too, never minor units.
    expect(plain(timeline)).toContain('500 000,00 KZT');
    expect(plain(timeline)).not.toMatch(/15 000 000|50 000 000/);
    // Each claim and decision shows the balance it left, not the whole certificate again.
    expect(plain(timeline)).toMatch(/Решение по заявке[\s\S]*Сертификат после этого[\s\S]*Остаток\s*497 999,50 KZT/);
    expect(timeline.split('KZ-PAV-2026-0042').length - 1).toBe(1); // the number only where the certificate was issued
    await checkPage(page);
    await screenshot(page, 'certificate-coordinator');

    // The statement, in Russian for the coordinator and in English for the centre.
    await Promise.all([page.waitForURL(`${web.base}/app/cases/${caseId}/statement`), page.getByRole('link', { name: 'Распечатать выписку' }).click()]);
    expect(await page.locator('h1').innerText()).toBe('Выписка по сертификату на реабилитацию');
    const statement = plain(await page.locator('main').innerText());
    for (const text of ['Сертификатова Айжан', referenceCode, region.orgs.provider.name, 'KZ-PAV-2026-0042', 'Период уже оплачен']) expect(statement).toContain(text);
    expect(await account(page)).toEqual({
      value: '500 000,00 KZT',
      claimed: '152 000,50 KZT',
      approved: '2 000,50 KZT',
      rejected: '150 000,00 KZT',
      pending: '0,00 KZT',
      remaining: '497 999,50 KZT',
    });
    await checkPage(page);
    await screenshot(page, 'certificate-statement');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.no-print').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });

    await signIn(centre, web.base, region.orgs.provider.id, 'treatment_staff');
    await centre.goto(`${web.base}/app/lang/en?back=/app/cases/${caseId}/statement`);
    expect(await centre.locator('h1').innerText()).toBe('Rehabilitation certificate statement');
    expect(await account(centre)).toEqual({
      value: 'KZT 500,000.00',
      claimed: 'KZT 152,000.50',
      approved: 'KZT 2,000.50',
      rejected: 'KZT 150,000.00',
      pending: 'KZT 0.00',
      remaining: 'KZT 497,999.50',
    });
    await checkPage(centre);
  });
});
