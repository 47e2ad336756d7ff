import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserWorld, chromiumMissing, expectAccessible, screenshot, signIn } from './browser.js';

/**
 * Issue 16 item 4 in Chromium, in Russian: opening a case of a protocol from the person's page,
 * with a picker per part listing only the organisations the part takes (certified ones where
 * the protocol requires it), the reader's region first, then its country, then the others.
 * Checked against GET /organisations, GET /protocols/:id and the case the API then holds.
 */
const world = browserWorld();

type Org = { id: string; name: string; kind: string; region: string; country: string; certified: boolean | null };

/** A picker's option groups as shown: [group label, option names]. */
async function groupsOf(page: Page, selector: string): Promise<[string, string[]][]> {
  return page.locator(`${selector} optgroup`).evaluateAll((groups) =>
    groups.map((group) => {
      const element = group as unknown as { label: string; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };
      return [element.label, Array.from(element.querySelectorAll('option')).map((option) => (option.textContent ?? '').trim())] as [string, string[]];
    }),
  );
}

describe.skipIf(chromiumMissing)('opening a case from the person’s page, in Chromium', { timeout: 120_000 }, () => {
  it('opens a pre-release plan with pickers of the right kinds, certified where required, nearest first; a refusal writes nothing', async () => {
    const { web } = world;
    const { t, region } = web;
    const lapsed = await t.organisation('ngo', { name: 'НКО без аккредитации', region: 'KZ-PAV', country: 'KZ', certificationValidUntil: '2026-01-01' });
    const person = await t.request('POST', '/participants', {
      token: region.tokens.prison,
      body: { identity: { lastName: 'Открытова', firstName: 'Дана', dateOfBirth: '1993-06-06' } },
    });
    expect(person.status, person.text).toBe(201);
    const { id, referenceCode } = person.json as { id: string; referenceCode: string };

    const page = await world.newPage();
    await signIn(page, web.base, region.orgs.prison.id, 'prison_staff');
    await page.goto(`${web.base}/app/people/${id}`);
    await expectAccessible(page);
    const protocols = (await t.request('GET', '/protocols', { token: region.tokens.prison })).json.items as { id: string; title: { ru: string } }[];
    const opening = await Promise.all(protocols.map(async (item) => (await t.request('GET', `/protocols/${item.id}`, { token: region.tokens.prison })).json));
    const mine = opening.filter((protocol) => protocol.opening.roles.includes('prison_staff'));
    const links = page.locator('section', { has: page.locator('#open-case') }).getByRole('link');
    expect(await links.count()).toBe(mine.length);
    await Promise.all([
      page.waitForURL(`${web.base}/app/people/${id}/open/pre-release`),
      page
        .getByRole('link', { name: /План подготовки к освобождению|подготовк/i })
        .first()
        .click(),
    ]);
    expect(await page.locator('main').innerText()).toContain(referenceCode);
    await expectAccessible(page);

    // Each picker: only the part's kinds (certified where the part says so), grouped nearest first.
    const organisations = (await t.request('GET', '/organisations?limit=200', { token: region.tokens.prison })).json.items as Org[];
    const protocol = opening.find((item) => item.id === 'pre-release');
    const expected = (part: string): [string, string[]][] => {
      const rule = protocol.parts[part] as { kinds: string[]; certified?: boolean };
      const fits = organisations.filter((org) => rule.kinds.includes(org.kind) && (!rule.certified || org.certified === true) && org.id !== region.orgs.prison.id);
      const byName = (list: Org[]) => list.map((org) => org.name).sort((a, b) => a.localeCompare(b));
      const groups: [string, string[]][] = [
        ['Ваш регион', byName(fits.filter((org) => org.region === 'KZ-PAV'))],
        ['Ваша страна', byName(fits.filter((org) => org.region !== 'KZ-PAV' && org.country === 'KZ'))],
        ['Другие страны', byName(fits.filter((org) => org.country !== 'KZ'))],
      ];
      return groups.filter(([, names]) => names.length > 0);
    };
    for (const part of ['probation', 'ngo', 'halfway_house', 'provider']) expect(await groupsOf(page, `#party-${part}`), part).toEqual(expected(part));
    const ngoGroups = await groupsOf(page, '#party-ngo');
    expect(ngoGroups.map(([label]) => label)).toEqual(['Ваш регион', 'Ваша страна', 'Другие страны']);
    expect(ngoGroups.flatMap(([, names]) => names)).not.toContain(lapsed.name);
    expect(ngoGroups[0]![1]).toContain(region.orgs.ngo.name);
    expect(await page.locator('#party-prison').count()).toBe(0); // the opener's own part

    // The release date left out (the browser's check removed): the API refuses, nothing is opened.
    await page.selectOption('#party-probation', region.orgs.probation.id);
    await page.locator('#open-releaseDate').evaluate((element) => (element as unknown as { removeAttribute(name: string): void }).removeAttribute('required'));
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Открыть дело' }).click()]);
    expect(await page.locator('.notice.error').innerText()).toContain('Дело не открыто');
    expect(await page.locator('#party-probation').inputValue()).toBe(region.orgs.probation.id);
    await expectAccessible(page);
    expect((await t.request('GET', `/cases?participantId=${id}`, { token: region.tokens.prison })).json.items).toEqual([]);

    await page.locator('#open-releaseDate').fill('2026-10-01');
    await page.selectOption('#party-provider', region.orgs.provider.id);
    await screenshot(page, 'open-case');
    await Promise.all([page.waitForURL(/\/app\/cases\/[0-9a-f-]+\?done=1$/), page.getByRole('button', { name: 'Открыть дело' }).click()]);
    const caseId = /\/app\/cases\/([0-9a-f-]+)/.exec(page.url())![1]!;
    const held = (await t.request('GET', `/cases/${caseId}`, { token: region.tokens.prison })).json;
    expect(held).toMatchObject({ protocol: 'pre-release', participant: { id }, ownerOrganisationId: region.orgs.prison.id, data: { releaseDate: '2026-10-01' } });
    expect(held.parties).toEqual(
      expect.arrayContaining([
        { part: 'prison', organisationId: region.orgs.prison.id },
        { part: 'probation', organisationId: region.orgs.probation.id },
        { part: 'provider', organisationId: region.orgs.provider.id },
      ]),
    );
    expect(held.parties).toHaveLength(3);
    await expectAccessible(page);
  });

  it('offers the prison’s own units, by name, for a unit enrolment', async () => {
    const { web } = world;
    const { t, region } = web;
    const unit = await t.request('POST', `/organisations/${region.orgs.prison.id}/units`, {
      token: region.tokens.prison,
      body: { kind: 'atlantis', name: 'Атлантис 3', places: 4 },
    });
    expect(unit.status, unit.text).toBe(201);
    const person = await region.participant('prison', 'Юнит');
    const page = await world.newPage();
    await signIn(page, web.base, region.orgs.prison.id, 'prison_staff');
    await page.goto(`${web.base}/app/people/${person.id}/open/unit-enrolment`);
    await expectAccessible(page);
    const units = (await t.request('GET', `/organisations/${region.orgs.prison.id}/units`, { token: region.tokens.prison })).json.items as { id: string; name: string }[];
    expect(await page.locator('#open-unitId option:not([value=""])').allInnerTexts()).toEqual(units.map((item) => item.name));
    await page.selectOption('#open-unitId', unit.json.id);
    await page.locator('#open-expectedReleaseDate').fill('2027-05-01');
    await Promise.all([page.waitForURL(/\/app\/cases\/[0-9a-f-]+\?done=1$/), page.getByRole('button', { name: 'Открыть дело' }).click()]);
    const caseId = /\/app\/cases\/([0-9a-f-]+)/.exec(page.url())![1]!;
    expect((await t.request('GET', `/cases/${caseId}`, { token: region.tokens.prison })).json).toMatchObject({ protocol: 'unit-enrolment', data: { unitId: unit.json.id } });
  });
});
