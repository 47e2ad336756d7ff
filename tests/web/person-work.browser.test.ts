import { and, eq } from 'drizzle-orm';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { auditEvents, breakGlassGrants } from '../../db/schema.js';
import { browserWorld, chromiumMissing, expectAccessible, screenshot, signIn } from './browser.js';

/**
 * Issue 16 items 5 and 7 in Chromium, in Russian (the region's organisations' locale): notes
 * on a person's page, each belonging to the organisation that wrote it; the coordinator's
 * break-glass from the person's page and from a case page it cannot open, with a reason and
 * never a pasted id; and the denials about the region's people as a page. Each checks the
 * page against what the API holds, and axe on every page visited.
 */
const world = browserWorld();
const newPage = () => world.newPage();

const tableCaptioned = (page: Page, caption: string | RegExp): Locator => page.locator('table', { has: page.locator('caption', { hasText: caption }) });

async function submit(page: Page, button: Locator) {
  await Promise.all([page.waitForEvent('load'), button.click()]);
}

/** Opens a person's page as a person would: the search, then the result. */
async function openPerson(page: Page, name: string, referenceCode: string) {
  await page.goto(`${world.web.base}/app/people`);
  await page.locator('#find-name').fill(name);
  await submit(page, page.getByRole('button', { name: 'Найти', exact: true }));
  await submit(page, tableCaptioned(page, 'Найденные люди').getByRole('link', { name: referenceCode }));
  await expectAccessible(page);
}

type Note = { organisationId: string; text: string };
const apiNotes = async (token: string, id: string): Promise<Note[]> => {
  const response = await world.web.t.request('GET', `/participants/${id}`, { token });
  expect(response.status, response.text).toBe(200);
  return (response.json.notes ?? []) as Note[];
};
/** The notes table's rows as shown, newest first: [organisation, text]. */
const shownNotes = async (page: Page) => {
  const rows = tableCaptioned(page, 'Заметки об этом человеке').locator('tbody tr');
  const out: string[][] = [];
  for (const row of await rows.all()) {
    const cells = await row.locator('td').allInnerTexts();
    if (cells.length === 2) out.push(cells);
  }
  return out;
};

describe.skipIf(chromiumMissing)('notes and the coordinator’s work, in Chromium', { timeout: 120_000 }, () => {
  it('writes notes from the person’s page: each organisation reads its own, and another’s only where notes are disclosed to it', async () => {
    const { web } = world;
    const { t, region } = web;
    const person = await t.request('POST', '/participants', {
      token: region.tokens.prison,
      body: { identity: { lastName: 'Заметкина', firstName: 'Алия', dateOfBirth: '1985-02-03' } },
    });
    expect(person.status, person.text).toBe(201);
    const { id, referenceCode } = person.json as { id: string; referenceCode: string };
    const plan = await region.open('prison', 'pre-release', id, [{ part: 'probation', organisationId: region.orgs.probation.id }], { releaseDate: '2026-09-01' });
    expect(plan.status, plan.text).toBe(201);

    const prison = await newPage();
    await signIn(prison, web.base, region.orgs.prison.id, 'prison_staff');
    await openPerson(prison, 'Заметкина', referenceCode);
    expect(await shownNotes(prison)).toEqual([]);
    const prisonText = 'Просит помочь с восстановлением паспорта до освобождения.';
    await prison.getByLabel('Новая заметка').fill(prisonText);
    await submit(prison, prison.getByRole('button', { name: 'Сохранить заметку' }));
    expect(prison.url()).toBe(`${web.base}/app/people/${id}?noted=1#notes`);
    expect(await prison.locator('.notice').first().innerText()).toBe('Заметка сохранена.');
    expect(await apiNotes(region.tokens.prison, id)).toMatchObject([{ organisationId: region.orgs.prison.id, text: prisonText }]);
    expect(await shownNotes(prison)).toEqual([['Ваша организация', prisonText]]);
    await expectAccessible(prison);

    // Probation is a party without a consent for notes: it reads only its own.
    const probation = await newPage();
    await signIn(probation, web.base, region.orgs.probation.id, 'probation_officer');
    await openPerson(probation, 'Заметкина', referenceCode);
    expect(await shownNotes(probation)).toEqual([]);
    expect(await probation.locator('body').innerText()).not.toContain(prisonText);
    const probationText = 'Встреча назначена на первую неделю после освобождения.';
    await probation.getByLabel('Новая заметка').fill(probationText);
    await submit(probation, probation.getByRole('button', { name: 'Сохранить заметку' }));
    expect(await apiNotes(region.tokens.probation, id)).toMatchObject([{ organisationId: region.orgs.probation.id, text: probationText }]);
    expect(await shownNotes(probation)).toEqual([['Ваша организация', probationText]]);
    await expectAccessible(probation);

    // With the person's consent to notes, probation reads the prison's note too, under the prison's name.
    await region.consent(id, region.orgs.probation, 'prison', { dataClasses: ['notes'] });
    await probation.goto(`${web.base}/app/people/${id}`);
    const held = await apiNotes(region.tokens.probation, id);
    expect(held.map((note) => note.organisationId).sort()).toEqual([region.orgs.prison.id, region.orgs.probation.id].sort());
    expect((await shownNotes(probation)).sort()).toEqual(
      [
        [region.orgs.prison.name, prisonText],
        ['Ваша организация', probationText],
      ].sort(),
    );
    await expectAccessible(probation);
    // The prison has no consent to probation's notes: still only its own. (Pages share the browser's cookies: sign in again.)
    await signIn(prison, web.base, region.orgs.prison.id, 'prison_staff');
    await prison.goto(`${web.base}/app/people/${id}`);
    expect(await apiNotes(region.tokens.prison, id)).toHaveLength(1);
    expect(await shownNotes(prison)).toEqual([['Ваша организация', prisonText]]);

    // An empty note is refused by the page's own words and nothing is written.
    await prison.getByLabel('Новая заметка').evaluate((element) => (element as unknown as { removeAttribute(name: string): void }).removeAttribute('required'));
    await submit(prison, prison.getByRole('button', { name: 'Сохранить заметку' }));
    expect(await prison.locator('#note-text-error').innerText()).toBe('Напишите заметку (не более 5000 символов).');
    expect(await apiNotes(region.tokens.prison, id)).toHaveLength(1);
    await expectAccessible(prison);
    await screenshot(prison, 'person-notes');
    await prison.close();
    await probation.close();
  });

  it('a coordinator breaks the glass from the person’s page and from a case page, with a reason, and reads the denials about its region’s people', async () => {
    const { web } = world;
    const { t, region } = web;
    const registered = await t.request('POST', '/participants', {
      token: region.tokens.prison,
      body: { identity: { lastName: 'Экстренов', firstName: 'Арман', dateOfBirth: '1991-04-04' }, health: { diagnosis: 'BG-marker-7Q' } },
    });
    expect(registered.status, registered.text).toBe(201);
    const { id, referenceCode } = registered.json as { id: string; referenceCode: string };
    const unit = await t.request('POST', `/organisations/${region.orgs.prison.id}/units`, {
      token: region.tokens.prison,
      body: { kind: 'clean_zone', name: 'Чистая зона 7', places: 5 },
    });
    expect(unit.status, unit.text).toBe(201);
    const enrolment = await region.open('prison', 'unit-enrolment', id, [], { unitId: unit.json.id, expectedReleaseDate: '2027-02-01' });
    expect(enrolment.status, enrolment.text).toBe(201);
    const caseId = enrolment.json.id as string;
    // Someone the probation service may not see: its read is a denial about the region's people.
    expect((await t.request('GET', `/participants/${id}`, { token: region.tokens.probation })).status).toBe(404);

    const page = await newPage();
    await signIn(page, web.base, region.orgs.coordinator.id, 'coordinator');
    await expectAccessible(page);
    expect(await page.locator('#break-glass ~ p').first().innerText()).toContain('на странице человека');
    expect(await page.getByLabel('Идентификатор дела').count()).toBe(0); // no pasted id any more

    await openPerson(page, 'Экстренов', referenceCode);
    const listed = (await t.request('GET', `/participants/${id}/break-glass-cases`, { token: region.tokens.coordinator })).json.items as { id: string }[];
    expect(listed.map((item) => item.id)).toEqual([caseId]);
    const section = page.locator('section', { has: page.locator('#break-glass') });
    expect(await section.locator('form').count()).toBe(listed.length);
    expect(await section.locator('h3').first().innerText()).toContain('Зачисление в отделение');
    const reason = section.getByLabel(/Причина экстренного доступа/);

    // Too short a reason: the API refuses it, nothing is granted.
    await reason.evaluate((element) => (element as unknown as { removeAttribute(name: string): void }).removeAttribute('minlength'));
    await reason.fill('срочно');
    await submit(page, section.getByRole('button', { name: 'Получить доступ' }));
    expect(await page.locator('.field-error').innerText()).toBe('Укажите причину — не менее 10 символов.');
    await expectAccessible(page);
    expect(await t.db.select().from(breakGlassGrants).where(eq(breakGlassGrants.caseId, caseId))).toHaveLength(0);

    const why = 'Сообщение о передозировке от НКО; нужна история лечения';
    await page.getByLabel(/Причина экстренного доступа/).fill(why);
    await Promise.all([page.waitForURL(`${web.base}/app/cases/${caseId}?done=1`), page.getByRole('button', { name: 'Получить доступ' }).click()]);
    expect(await page.locator('main').innerText()).toContain('BG-marker-7Q');
    await expectAccessible(page);
    const audited = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'case.break_glass'), eq(auditEvents.subjectId, caseId), eq(auditEvents.outcome, 'success')));
    expect(audited).toMatchObject([{ purpose: why, basis: 'break_glass', organisationId: region.orgs.coordinator.id }]);

    // A case it cannot open (a link from an escalation): the page offers break-glass on that case.
    const other = await region.participant('prison', 'Другой');
    const second = await region.open('prison', 'unit-enrolment', other.id, [], { unitId: unit.json.id, expectedReleaseDate: '2027-03-01' });
    expect(second.status, second.text).toBe(201);
    await page.goto(`${web.base}/app/cases/${second.json.id}`);
    expect(await page.locator('h1').innerText()).toBe('Экстренный доступ');
    await expectAccessible(page);
    await page.getByLabel(/Причина экстренного доступа/).fill('Проверка по жалобе семьи, срочно нужен доступ');
    await Promise.all([page.waitForURL(`${web.base}/app/cases/${second.json.id}?done=1`), page.getByRole('button', { name: 'Получить доступ' }).click()]);
    expect((await t.request('GET', `/cases/${second.json.id}`, { token: region.tokens.coordinator })).status).toBe(200);

    // The denials about the region's people, as the API lists them.
    await page.goto(`${web.base}/app`);
    await submit(page, page.getByRole('link', { name: 'Отказы в доступе' }));
    expect(page.url()).toBe(`${web.base}/app/denials`);
    await expectAccessible(page);
    const denials = (await t.request('GET', '/audit/denials?limit=50', { token: region.tokens.coordinator })).json.items as {
      action: string;
      organisationId: string;
      participantId: string;
    }[];
    const rows = tableCaptioned(page, 'Отказы в доступе').locator('tbody tr');
    expect(await rows.count()).toBe(denials.length);
    const probationRead = denials.findIndex((item) => item.participantId === id && item.organisationId === region.orgs.probation.id && item.action === 'participant.read');
    expect(probationRead).toBeGreaterThanOrEqual(0);
    const cells = await rows.nth(probationRead).locator('td').allInnerTexts();
    expect(cells.slice(0, 2)).toEqual([region.orgs.probation.name, 'Просмотр карточки человека']);
    await screenshot(page, 'coordinator-denials');
    // Others may not open it.
    const prison = await newPage();
    await signIn(prison, web.base, region.orgs.prison.id, 'prison_staff');
    const response = await prison.goto(`${web.base}/app/denials`);
    expect(response?.status()).toBe(404);
    await expectAccessible(prison);
  });
});
