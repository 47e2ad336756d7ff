import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { createWebContext, type WebContext } from './web-context.js';

/**
 * Debian's Chromium driven by playwright-core. In CI it must be there (.ci/run installs it);
 * elsewhere the browser tests skip, saying why, when it is missing.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = !fs.existsSync(CHROMIUM);
if (chromiumMissing && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install the Debian chromium package.`);
if (chromiumMissing) process.stderr.write(`browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)\n`);

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  // A fresh profile for every run.
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    // Without the background-networking flags Chromium tries the network, which is closed here.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** axe-core in the page (evaluated, since the page's CSP forbids injected scripts): no serious or critical violation. */
export async function seriousViolations(page: Page): Promise<{ id: string; impact: string; targets: string[] }[]> {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: unknown }[] }[] }> } }
    ).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => JSON.stringify(node.target)).slice(0, 5) }));
  })) as { id: string; impact: string; targets: string[] }[];
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** Every page visited: standards mode (the doctype is there) and no serious or critical axe violation. */
export async function expectAccessible(page: Page): Promise<void> {
  expect(await page.evaluate(() => (globalThis as unknown as { document: { compatMode: string } }).document.compatMode), `standards mode on ${page.url()}`).toBe('CSS1Compat');
  expect(await seriousViolations(page), `axe on ${page.url()}`).toEqual([]);
}

/** Signs in through the demo sign-in page, as a person would. */
export async function signIn(page: Page, base: string, organisationId: string, role: string): Promise<void> {
  await page.goto(`${base}/app/sign-in`);
  await expectAccessible(page);
  await page.selectOption('#choice', `${organisationId}|${role}`);
  await Promise.all([page.waitForURL(`${base}/app`), page.click('button[type=submit]')]);
}

export const SCREENSHOTS = path.resolve('docs/screenshots');

/**
 * The README's screenshots are rewritten only when asked (WEB_SCREENSHOTS=1), so an ordinary
 * run leaves the working tree clean.
 */
export const WRITE_SCREENSHOTS = process.env.WEB_SCREENSHOTS === '1';

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  if (!WRITE_SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: options.fullPage ?? true });
}

/**
 * One service (createWebContext) and one Chromium for a test file, opened before its tests and
 * closed after them; `newPage()` starts signed out.
 */
export function browserWorld() {
  let web: WebContext | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  beforeAll(async () => {
    if (chromiumMissing) return;
    web = await createWebContext();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });
  return {
    get web(): WebContext {
      if (!web) throw new Error('the browser world is not open');
      return web;
    },
    async newPage(): Promise<Page> {
      if (!browser) throw new Error('the browser world is not open');
      await browser.context.clearCookies();
      return browser.context.newPage();
    },
  };
}
