import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserWorld, chromiumMissing, expectAccessible, screenshot, signIn } from './browser.js';

/**
 * Issue 16 items 1, 2 and 6 in Chromium, in Russian (the region's organisations' locale): find a
 * person (and not one of another region), register one through the possible-duplicate outcome,
 * and name a caseworker and see "my cases". Each checks the page against what the API holds, and
 * axe on every page visited.
 */
const world = browserWorld();
const newPage = () => world.newPage();

const tableCaptioned = (page: Page, caption: string | RegExp): Locator => page.locator('table', { has: page.locator('caption', { hasText: caption }) });
/** The reference codes in a table's row headings, as shown. */
const codesIn = async (table: Locator) => (await table.locator('tbody th a').allInnerTexts()).map((text) => /P-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(text)?.[0] ?? text);

async function submit(page: Page, button: Locator) {
  await Promise.all([page.waitForEvent('load'), button.click()]);
}

async function searchFor(page: Page, fields: { name?: string; nationalId?: string }) {
  await page.locator('#find-name').fill(fields.name ?? '');
  await page.locator('#find-nid').fill(fields.nationalId ?? '');
  await submit(page, page.getByRole('button', { name: 'Найти', exact: true }));
}

async function apiCodes(token: string, body: Record<string, unknown>): Promise<string[]> {
  const response = await world.web.t.request('POST', '/participants/search', { token, body });
  expect(response.status, response.text).toBe(200);
  return response.json.items.map((item: { referenceCode: string }) => item.referenceCode);
}

describe.skipIf(chromiumMissing)('people in the workspace, in Chromium', { timeout: 120_000 }, () => {
  it('finds a person by name within what the organisation may see, opens their page and their case; another region finds only its own', async () => {
    const { web } = world;
    const { t, region } = web;
    const karaganda = region.decoys[0]!;
    const register = async (token: string, identity: Record<string, string>) => {
      const response = await t.request('POST', '/participants', { token, body: { identity } });
      expect(response.status, response.text).toBe(201);
      return response.json as { id: string; referenceCode: string };
    };
    const ivanov = await register(region.tokens.prison, { lastName: 'Иванов', firstName: 'Иван', patronymic: 'Петрович', dateOfBirth: '1980-05-05' });
    const decoy = await register(karaganda.tokens.prison, { lastName: 'Иванов', firstName: 'Иван', dateOfBirth: '1980-05-05' });
    const plan = await region.open('prison', 'pre-release', ivanov.id, [{ part: 'probation', organisationId: region.orgs.probation.id }], { releaseDate: '2026-09-01' });
    expect(plan.status, plan.text).toBe(201);

    const page = await newPage();
    await signIn(page, web.base, region.orgs.prison.id, 'prison_staff');
    await page.getByRole('link', { name: 'Найти человека' }).click();
    await page.waitForURL(`${web.base}/app/people`);
    await expectAccessible(page);
    // Nothing typed: the page's own words, and nothing asked of the API.
    await submit(page, page.getByRole('button', { name: 'Найти', exact: true }));
    expect(await page.locator('.notice.error').innerText()).toBe('Укажите ФИО, дату рождения, идентификационный номер или код.');
    await expectAccessible(page);

    await searchFor(page, { name: 'ivan petr' });
    const results = tableCaptioned(page, 'Найденные люди');
    expect(await codesIn(results)).toEqual(await apiCodes(region.tokens.prison, { name: 'ivan petr' }));
    expect(await codesIn(results)).toEqual([ivanov.referenceCode]);
    expect(await results.innerText()).toContain('Иванов Иван Петрович');
    expect(await results.innerText()).not.toContain(decoy.referenceCode);
    await expectAccessible(page);
    await screenshot(page, 'people-search');

    await results.getByRole('link', { name: ivanov.referenceCode }).click();
    await page.waitForURL(`${web.base}/app/people/${ivanov.id}`);
    const held = (await t.request('GET', `/participants/${ivanov.id}`, { token: region.tokens.prison })).json;
    expect(await page.locator('h1').innerText()).toBe(`${held.identity.lastName} ${held.identity.firstName} ${held.identity.patronymic}`);
    const caseLinks = tableCaptioned(page, 'Дела этого человека').locator('tbody th a');
    expect(await caseLinks.count()).toBe((await t.request('GET', `/cases?participantId=${ivanov.id}`, { token: region.tokens.prison })).json.items.length);
    await expectAccessible(page);
    await caseLinks.first().click();
    await page.waitForURL(`${web.base}/app/cases/${plan.json.id}`);
    await expectAccessible(page);

    // Karaganda's coordinator finds its own Ivanov only, as the API answers it.
    const elsewhere = await newPage();
    await signIn(elsewhere, web.base, karaganda.orgs.coordinator.id, 'coordinator');
    await elsewhere.goto(`${web.base}/app/people`);
    await searchFor(elsewhere, { name: 'Иван' });
    const theirs = await codesIn(tableCaptioned(elsewhere, 'Найденные люди'));
    expect(theirs).toEqual([decoy.referenceCode]);
    expect(theirs).toEqual(await apiCodes(karaganda.tokens.coordinator, { name: 'Иван' }));
    await expectAccessible(elsewhere);
    // The home person's page is not found for it.
    await elsewhere.goto(`${web.base}/app/people/${ivanov.id}`);
    expect(await elsewhere.locator('h1').innerText()).toBe('Не найдено или недоступно вашей организации.');
    await expectAccessible(elsewhere);
  });

  it('registers a person; the same national id again shows the possible duplicate, which opens, or is confirmed as someone else', async () => {
    const { web } = world;
    const { t, region } = web;
    const page = await newPage();
    await signIn(page, web.base, region.orgs.prison.id, 'prison_staff');
    await page.goto(`${web.base}/app/people`);
    await page.getByRole('link', { name: 'Зарегистрировать человека' }).click();
    await page.waitForURL(`${web.base}/app/people/new`);
    await expectAccessible(page);
    const fill = async (firstName: string) => {
      await page.getByLabel('Фамилия').fill('Сейткали');
      await page.getByLabel('Имя', { exact: true }).fill(firstName);
      await page.getByLabel('Дата рождения').fill('1988-03-14');
      await page.getByLabel('Пол (необязательно)').selectOption('male');
      await page.getByLabel('Идентификационный номер (ИИН, ПИН) (необязательно)').fill('880314-300-777');
      await submit(page, page.getByRole('button', { name: 'Зарегистрировать', exact: true }));
    };
    await fill('Арман');
    await page.waitForURL(/\/app\/people\/[0-9a-f-]{36}\?done=1$/);
    expect(await page.locator('.notice[role=status]').innerText()).toBe('Человек зарегистрирован.');
    await expectAccessible(page);
    const firstId = /\/app\/people\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const first = (await t.request('GET', `/participants/${firstId}`, { token: region.tokens.prison })).json;
    expect(first.identity).toEqual({ lastName: 'Сейткали', firstName: 'Арман', dateOfBirth: '1988-03-14', sex: 'male', nationalId: '880314-300-777' });
    expect(first.recordOwnerId).toBe(region.orgs.prison.id);

    // The same national id again: the API's possible duplicate, shown as the prison may see it.
    await page.goto(`${web.base}/app/people/new`);
    await fill('Арман');
    expect(await page.locator('h1').innerText()).toBe('Возможный дубликат');
    const duplicates = tableCaptioned(page, 'Уже зарегистрированы с этим номером');
    expect(await codesIn(duplicates)).toEqual([first.referenceCode]);
    expect(await duplicates.innerText()).toContain('Сейткали Арман');
    await expectAccessible(page);
    await screenshot(page, 'people-duplicate');
    await duplicates.getByRole('link', { name: `Открыть ${first.referenceCode}` }).click();
    await page.waitForURL(`${web.base}/app/people/${firstId}`);
    await expectAccessible(page);
    expect(await apiCodes(region.tokens.prison, { nationalId: '880314300777' })).toEqual([first.referenceCode]);

    // Again, and this time it is someone else (a brother): registered, the first one untouched.
    await page.goto(`${web.base}/app/people/new`);
    await fill('Ерлан');
    await submit(page, page.getByRole('button', { name: 'Это другой человек — зарегистрировать' }));
    await page.waitForURL(/\/app\/people\/[0-9a-f-]{36}\?done=1$/);
    const secondId = /\/app\/people\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    expect(secondId).not.toBe(firstId);
    const second = (await t.request('GET', `/participants/${secondId}`, { token: region.tokens.prison })).json;
    expect(second.identity).toMatchObject({ firstName: 'Ерлан', nationalId: '880314-300-777' });
    expect((await apiCodes(region.tokens.prison, { nationalId: '880314-300-777' })).sort()).toEqual([first.referenceCode, second.referenceCode].sort());
    await expectAccessible(page);

    // Probation sees neither: it registers the same id straight away, told of no one.
    const probation = await newPage();
    await signIn(probation, web.base, region.orgs.probation.id, 'probation_officer');
    await probation.goto(`${web.base}/app/people/new`);
    await probation.getByLabel('Фамилия').fill('Сейткали');
    await probation.getByLabel('Имя', { exact: true }).fill('Арман');
    await probation.getByLabel('Дата рождения').fill('1988-03-14');
    await probation.getByLabel('Идентификационный номер (ИИН, ПИН) (необязательно)').fill('880314-300-777');
    await submit(probation, probation.getByRole('button', { name: 'Зарегистрировать', exact: true }));
    await probation.waitForURL(/\/app\/people\/[0-9a-f-]{36}\?done=1$/);
    await expectAccessible(probation);
  });

  it('names a caseworker on a case and lists the case under "My cases" of the person it is assigned to', async () => {
    const { web } = world;
    const { t, region } = web;
    const anna = await t.tokenFor(region.orgs.prison, 'prison_staff', { sub: 'anna@prison', name: 'Анна Ким' });
    expect((await t.request('GET', '/me', { token: anna })).status).toBe(200);
    const person = await region.participant('prison', 'Assignable');
    const plan = await region.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: region.orgs.probation.id }], { releaseDate: '2026-10-01' });
    expect(plan.status, plan.text).toBe(201);
    const caseId = plan.json.id as string;
    const me = await t.tokenFor(region.orgs.prison, 'prison_staff', { sub: `demo:prison_staff@${region.orgs.prison.id.slice(0, 8)}` });

    const page = await newPage();
    await signIn(page, web.base, region.orgs.prison.id, 'prison_staff');
    expect(await codesIn(tableCaptioned(page, 'Мои дела'))).not.toContain(person.referenceCode);
    await page.goto(`${web.base}/app/cases/${caseId}`);
    expect(await page.locator('#caseworker-now').innerText()).toBe('Пока никто не назначен.');
    await expectAccessible(page);

    await page.getByLabel('Сотрудник вашей организации').selectOption('anna@prison');
    await submit(page, page.getByRole('button', { name: 'Назначить' }));
    await page.waitForURL(`${web.base}/app/cases/${caseId}?done=1`);
    expect(await page.locator('#caseworker-now').innerText()).toBe('Анна Ким');
    expect((await t.request('GET', `/cases/${caseId}`, { token: anna })).json.assignee).toEqual({ sub: 'anna@prison', name: 'Анна Ким' });
    expect((await t.request('GET', '/cases?assignee=me', { token: anna })).json.items.map((item: { id: string }) => item.id)).toEqual([caseId]);
    await expectAccessible(page);

    // Then to the signed-in person: the case is under "My cases", as the API lists them.
    await page.getByLabel('Сотрудник вашей организации').selectOption({ label: 'Сотрудник учреждения (вы)' });
    await submit(page, page.getByRole('button', { name: 'Назначить' }));
    expect(await page.locator('#caseworker-now').innerText()).toBe('Сотрудник учреждения (вы)');
    await screenshot(page, 'case-assignee', { fullPage: false });
    await page.goto(`${web.base}/app`);
    const mine = await codesIn(tableCaptioned(page, 'Мои дела'));
    const held = (await t.request('GET', '/cases?assignee=me', { token: me })).json.items as { id: string; participant: { referenceCode: string } }[];
    expect(held.map((item) => item.id)).toEqual([caseId]);
    expect(mine).toEqual(held.map((item) => item.participant.referenceCode));
    await expectAccessible(page);

    // Probation, also on the case, has its own caseworker: still no one.
    const probation = await newPage();
    await signIn(probation, web.base, region.orgs.probation.id, 'probation_officer');
    await probation.goto(`${web.base}/app/cases/${caseId}`);
    expect(await probation.locator('#caseworker-now').innerText()).toBe('Пока никто не назначен.');
    await expectAccessible(probation);
  });
});
