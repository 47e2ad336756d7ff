import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserWorld, chromiumMissing, expectAccessible, screenshot, signIn } from './browser.js';

/**
 * Issue 16 item 3 in Chromium, in Russian: sharing consents from the person's page under the
 * second release's attestation rules (record; propose by the organisation named, then confirm;
 * void; revoke), and the printable form the person signs. Each step is checked against
 * GET /participants/:id/consents, and axe on every page visited.
 */
const world = browserWorld();

type Consent = {
  id: string;
  organisationId: string;
  status: string;
  proposed: boolean;
  recordedByOrganisationId: string;
  voidReason: string | null;
  revocationReason: string | null;
};

async function submit(page: Page, button: Locator) {
  await Promise.all([page.waitForEvent('load'), button.click()]);
}

async function fillConsent(page: Page, organisationId: string, classes: string[]) {
  await page.selectOption('#consent-org', organisationId);
  for (const item of classes) await page.locator(`#consent-class-${item}`).check();
  await page.selectOption('#consent-purpose', 'post_release_support');
  await page.locator('#consent-from').fill('2026-03-01');
  await page.locator('#consent-until').fill('2027-02-28');
  await page.selectOption('#consent-method', 'written');
  await page.locator('#consent-witness').fill('Инспектор Ахметова');
  await page.locator('#consent-text').fill('KZ-consent-2026-01');
}

describe.skipIf(chromiumMissing)('consents from the person’s page, in Chromium', { timeout: 120_000 }, () => {
  it('records, prints, proposes and confirms, voids and revokes consents as the API holds them', async () => {
    const { web } = world;
    const { t, region } = web;
    const person = await t.request('POST', '/participants', {
      token: region.tokens.prison,
      body: { identity: { lastName: 'Согласова', firstName: 'Айгуль', dateOfBirth: '1988-08-08' } },
    });
    expect(person.status, person.text).toBe(201);
    const { id } = person.json as { id: string };
    const plan = await region.open('prison', 'pre-release', id, [{ part: 'probation', organisationId: region.orgs.probation.id }], { releaseDate: '2026-09-01' });
    expect(plan.status, plan.text).toBe(201);
    const consents = async () => (await t.request('GET', `/participants/${id}/consents`, { token: region.tokens.prison })).json.items as Consent[];

    const page = await world.newPage();
    await signIn(page, web.base, region.orgs.prison.id, 'prison_staff');
    await page.goto(`${web.base}/app/people/${id}`);
    await expectAccessible(page);

    // No data class ticked: refused, nothing written.
    await fillConsent(page, region.orgs.ngo.id, []);
    await submit(page, page.getByRole('button', { name: 'Сохранить согласие' }));
    expect(await page.locator('#consents ~ form .notice.error').innerText()).toContain('Проверьте согласие');
    expect(await consents()).toEqual([]);
    await expectAccessible(page);

    // The record owner records one naming the NGO: in force at once.
    await fillConsent(page, region.orgs.ngo.id, ['identity', 'contact']);
    await submit(page, page.getByRole('button', { name: 'Сохранить согласие' }));
    expect(await page.locator('.notice').first().innerText()).toBe('Согласие записано.');
    const [recorded] = await consents();
    expect(recorded).toMatchObject({ organisationId: region.orgs.ngo.id, status: 'valid', proposed: false, recordedByOrganisationId: region.orgs.prison.id });
    const table = page.locator('table', { has: page.locator('caption', { hasText: 'Согласия человека на передачу данных' }) });
    const row = table.locator('tbody tr', { hasText: region.orgs.ngo.name });
    expect(await row.innerText()).toContain('Действует');
    expect(await row.innerText()).toContain('Личность, Контакты');
    await expectAccessible(page);
    await screenshot(page, 'person-consents');

    // The printed form: what the service holds, in the chosen language.
    await submit(page, row.getByRole('link', { name: 'Распечатать бланк' }));
    expect(page.url()).toBe(`${web.base}/app/people/${id}/consents/${recorded!.id}/print`);
    const printed = await page.locator('main').innerText();
    for (const text of [
      'Согласие на передачу персональных данных',
      'Согласова Айгуль',
      region.orgs.ngo.name,
      'Личность, Контакты',
      'Поддержка после освобождения',
      'KZ-consent-2026-01',
      'Инспектор Ахметова',
      region.orgs.prison.name,
    ])
      expect(printed).toContain(text);
    expect(printed).toMatch(/1 мар\. 2026 г\.[\s\S]*28 февр\. 2027 г\./);
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    await expectAccessible(page);
    await screenshot(page, 'consent-print');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.no-print').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });
    await page.goto(`${web.base}/app/people/${id}/consents/${recorded!.id}/print?lang=en`);
    expect(await page.locator('h1').innerText()).toBe('Consent to share personal data');
    expect(await page.locator('main').innerText()).toContain('Support after release');
    await expectAccessible(page);

    // Probation, a party, proposes one naming itself: pending, sharing nothing.
    await signIn(page, web.base, region.orgs.probation.id, 'probation_officer');
    await page.goto(`${web.base}/app/people/${id}`);
    await fillConsent(page, region.orgs.probation.id, ['health']);
    await submit(page, page.getByRole('button', { name: 'Сохранить согласие' }));
    expect(await page.locator('.notice').first().innerText()).toContain('Согласие предложено');
    const proposed = (await consents()).find((item) => item.organisationId === region.orgs.probation.id)!;
    expect(proposed).toMatchObject({ status: 'pending', proposed: true, recordedByOrganisationId: region.orgs.probation.id });
    await expectAccessible(page);
    // It cannot confirm its own proposal: the API's 403, in the page's words.
    const own = page.locator('tbody tr', { hasText: 'Предложено, ждёт подтверждения' });
    await submit(page, own.getByRole('button', { name: 'Подтвердить' }));
    expect(await page.locator('.notice.error').first().innerText()).toBe('Вашей организации это действие с согласием не разрешено.');
    expect((await consents()).find((item) => item.id === proposed.id)?.status).toBe('pending');
    await expectAccessible(page);

    // The record owner confirms it, then voids it as recorded in error, and revokes the NGO's.
    await signIn(page, web.base, region.orgs.prison.id, 'prison_staff');
    await page.goto(`${web.base}/app/people/${id}`);
    await submit(page, page.locator('tbody tr', { hasText: region.orgs.probation.name }).getByRole('button', { name: 'Подтвердить' }));
    expect(await page.locator('.notice').first().innerText()).toBe('Согласие подтверждено.');
    expect((await consents()).find((item) => item.id === proposed.id)?.status).toBe('valid');
    const probationRow = page.locator('tbody tr', { hasText: region.orgs.probation.name });
    await probationRow.getByLabel('В чём ошибка записи').fill('Не тот вид данных');
    await submit(page, probationRow.getByRole('button', { name: 'Аннулировать (записано ошибочно)' }));
    expect((await consents()).find((item) => item.id === proposed.id)).toMatchObject({ status: 'voided', voidReason: 'Не тот вид данных' });
    const ngoRow = page.locator('tbody tr', { hasText: region.orgs.ngo.name });
    await ngoRow.getByLabel('Причина отзыва').fill('Человек отозвал согласие письменно');
    await submit(page, ngoRow.getByRole('button', { name: 'Отозвать' }));
    expect(await page.locator('.notice').first().innerText()).toBe('Согласие отозвано.');
    expect((await consents()).find((item) => item.id === recorded!.id)).toMatchObject({ status: 'revoked', revocationReason: 'Человек отозвал согласие письменно' });
    expect(await page.locator('tbody tr', { hasText: region.orgs.ngo.name }).innerText()).toContain('Отозвано');

    // Until a case closes instead of a date: the person's case is chosen by its name, never an id.
    await fillConsent(page, region.orgs.provider.id, ['health']);
    await page.locator('#consent-until').fill('');
    await page.selectOption('#consent-until-case', plan.json.id);
    await submit(page, page.getByRole('button', { name: 'Сохранить согласие' }));
    expect((await consents()).find((item) => item.organisationId === region.orgs.provider.id)).toMatchObject({ status: 'valid', untilCaseId: plan.json.id, validUntil: null });
    expect(await page.locator('tbody tr', { hasText: region.orgs.provider.name }).innerText()).toContain('до закрытия дела');
    await expectAccessible(page);
  });
});
