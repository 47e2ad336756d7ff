import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, expectAccessible, launchBrowser, signIn } from './browser.js';
import { buildDemoWorld, type DemoWorld } from './demo-world.js';
import { createWebContext, type WebContext } from './web-context.js';

/**
 * The workspace on a phone (issue 16 item 9): NGO outreach workers record contacts in the field.
 * At 390 CSS pixels wide (an iPhone 12 to 15) no page scrolls sideways (a wide table scrolls
 * inside its own box), the fields fill the width, and axe finds no serious or critical violation.
 */
let web: WebContext;
let world: DemoWorld;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  if (chromiumMissing) return;
  web = await createWebContext();
  world = await buildDemoWorld(web);
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
});

const PHONE = { width: 390, height: 844 };

async function phonePage(): Promise<Page> {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  await page.setViewportSize(PHONE);
  return page;
}

/** The page itself does not scroll sideways: everything wide scrolls inside its own box. */
async function expectNoSidewaysScroll(page: Page) {
  const widths = await page.evaluate(() => {
    const scope = globalThis as unknown as { innerWidth: number; document: { scrollingElement: { scrollWidth: number } } };
    return { scrollWidth: scope.document.scrollingElement.scrollWidth, innerWidth: scope.innerWidth };
  });
  expect(widths.innerWidth, page.url()).toBe(PHONE.width);
  expect(widths.scrollWidth, `sideways scroll on ${page.url()}`).toBeLessThanOrEqual(widths.innerWidth);
}

async function check(page: Page) {
  await expectNoSidewaysScroll(page);
  await expectAccessible(page);
}

/** Touch targets: the box of every button, link-button and field is at least 44 by 44 CSS pixels, or 44 high and as wide as its text. */
async function smallTargets(page: Page, selector: string): Promise<string[]> {
  const boxes = await page.locator(selector).evaluateAll((elements) =>
    elements.map((element) => {
      const box = (element as unknown as { getBoundingClientRect(): { width: number; height: number } }).getBoundingClientRect();
      return { name: (element as unknown as { outerHTML: string }).outerHTML.slice(0, 80), width: box.width, height: box.height };
    }),
  );
  return boxes.filter((box) => box.height > 0 && (box.height < 44 || box.width < 44)).map((box) => `${box.name} ${box.width}×${box.height}`);
}

describe.skipIf(chromiumMissing)('the workspace at 390 px wide, in Chromium', { timeout: 120_000 }, () => {
  it('an NGO caseworker records a contact on a phone: the form fills the screen, nothing scrolls sideways', async () => {
    const { t, region } = web;
    const page = await phonePage();
    await signIn(page, web.base, region.orgs.ngo.id, 'ngo_worker');
    await check(page);
    await page.goto(`${web.base}/app/cases/${world.people.active.caseId}`);
    await check(page);
    const details = page.locator('details.action', { has: page.locator('input[name=type][value=CONTACT_RECORDED]') });
    await details.locator('summary').click();
    const form = details.locator('form');
    await check(page);
    // The fields take the form's whole width; buttons and fields are big enough to touch.
    const formWidth = (await form.boundingBox())!.width;
    for (const field of await form.locator('input:not([type=hidden]):not([type=checkbox]), select, textarea').all()) {
      expect((await field.boundingBox())!.width, (await field.getAttribute('name')) ?? '').toBeGreaterThan(formWidth - 2);
    }
    expect(
      await smallTargets(page, 'header button, main button, main input:not([type=hidden]):not([type=checkbox]), main select, main textarea, main summary, main .check label'),
    ).toEqual([]);
    await form.locator('input[name="data.date"]').fill('2026-03-02');
    await form.locator('select[name="data.kind"]').selectOption('in_person');
    await form.locator('textarea[name="data.outcome"]').fill('Встретились у центра занятости');
    await Promise.all([page.waitForURL(/\?done=1$/), form.locator('button[type=submit]').click()]);
    await check(page);
    const history = await t.request('GET', `/cases/${world.people.active.caseId}/events`, { token: region.tokens.ngo });
    const contacts = (history.json.items as { type: string; data: Record<string, unknown> }[]).filter((event) => event.type === 'CONTACT_RECORDED');
    expect(contacts.map((event) => event.data)).toContainEqual({ date: '2026-03-02', kind: 'in_person', outcome: 'Встретились у центра занятости' });
    await page.goto(`${web.base}/app/inbox`);
    await check(page);
  });

  it('prison staff read the unit roster and the release calendar on a phone: wide tables scroll in their own box', async () => {
    const page = await phonePage();
    await signIn(page, web.base, web.region.orgs.prison.id, 'prison_staff');
    await check(page);
    const units = page.locator('table', { has: page.locator('caption', { hasText: 'Отделения' }) });
    expect(await units.innerText()).toContain('Атлантис-1');
    // A wide table is readable: its box scrolls, and a keyboard can reach it to scroll.
    const box = units.locator('xpath=..');
    expect(await box.getAttribute('tabindex')).toBe('0');
    expect((await box.boundingBox())!.width).toBeLessThanOrEqual(PHONE.width);
    // Finding and registering people, a person's page (notes, consents, cases) and the forms it offers.
    const person = world.people.plan.person.id;
    for (const path of [
      `/app/cases/${world.people.enrolled.caseId}`,
      `/app/cases/${world.people.plan.caseId}`,
      '/app/inbox',
      '/app/indicators',
      '/app/people',
      '/app/people/new',
      `/app/people/${person}`,
      `/app/people/${person}/open/halfway-house`,
    ]) {
      await page.goto(`${web.base}${path}`);
      await check(page);
    }
    const printable = await page.goto(`${web.base}/app/people/${person}`).then(() => page.locator('a[href*="/print"]').first().getAttribute('href'));
    expect(printable, 'the person’s page offers a consent form to print').toBeTruthy();
    await page.goto(`${web.base}${printable}`);
    await check(page);
  });

  it('every other role’s pages fit the phone too', async () => {
    const roles = [
      ['court', 'judge', world.people.order.caseId],
      ['probation', 'probation_officer', world.people.order.caseId],
      ['provider', 'treatment_staff', world.people.order.caseId],
      ['house', 'halfway_house_staff', world.people.resident.caseId],
      ['coordinator', 'coordinator', undefined],
    ] as const;
    for (const [org, role, caseId] of roles) {
      const page = await phonePage();
      await signIn(page, web.base, web.region.orgs[org].id, role);
      await check(page);
      if (caseId) {
        await page.goto(`${web.base}/app/cases/${caseId}`);
        await check(page);
      }
      await page.close();
    }
    const signedOut = await phonePage();
    for (const path of ['/app/sign-in', '/app/indicators?table=organisation-year&period=2026']) {
      await signedOut.goto(`${web.base}${path}`);
      await check(signedOut);
    }
  });
});
