import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext } from '../helpers/context.js';
import { createWebContext, fetchSession, type WebContext } from './web-context.js';

let web: WebContext;
beforeAll(async () => {
  web = await createWebContext();
});
afterAll(async () => web?.close());

describe('web workspace: sessions, CSRF and headers', () => {
  it('sends a signed-out person to the sign-in page, which lists the demo organisations and roles', async () => {
    const response = await fetch(`${web.base}/app`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/app/sign-in');
    const page = await fetch(`${web.base}/app/sign-in`);
    const html = await page.text();
    expect(html).toContain(`${web.region.orgs.ngo.id}|ngo_worker`);
    expect(html).toContain(`${web.region.orgs.court.id}|judge`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('keeps the session in a sealed HttpOnly SameSite cookie and shows the organisation’s work', async () => {
    const session = await fetchSession(web.base, web.region.orgs.prison.id, 'prison_staff');
    const cookie = [...session.cookies.entries()].find(([name]) => name.includes('session'));
    const attributes = session.setCookieLines.find((line) => line.startsWith('cadap-session='));
    expect(attributes).toMatch(/HttpOnly/);
    expect(attributes).toMatch(/SameSite=Lax/);
    expect(cookie?.[1]).toMatch(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/); // a compact JWE (dir): no readable token inside
    const home = await session.request('/app');
    expect(home.status).toBe(200);
    expect(home.text).toContain(web.region.orgs.prison.name);
    expect(home.text).toContain('<html lang="ru"'); // the organisation's locale
  });

  it('refuses a form without the session’s CSRF token, or from another origin, and changes nothing', async () => {
    const session = await fetchSession(web.base, web.region.orgs.ngo.id, 'ngo_worker');
    const missing = await session.request('/app/sign-out', { form: { _csrf: 'wrong' } });
    expect(missing.status).toBe(403);
    const crossSite = await session.request('/app/sign-out', { form: { _csrf: session.csrf }, headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect((await session.request('/app')).status).toBe(200); // still signed in
    const ok = await session.request('/app/sign-out', { form: { _csrf: session.csrf } });
    expect(ok.status).toBe(303);
    expect((await session.request('/app')).status).toBe(303);
  });

  it('starts every full page with the HTML doctype (standards mode, not quirks)', async () => {
    const session = await fetchSession(web.base, web.region.orgs.coordinator.id, 'coordinator');
    const pages = [
      await session.request('/app'),
      await session.request('/app/inbox'),
      await session.request('/app/indicators'),
      await session.request('/app/cases/00000000-0000-4000-8000-000000000000'),
    ];
    pages.push(await session.request('/app/sign-out', { form: { _csrf: 'wrong' } }));
    const signInPage = await fetch(`${web.base}/app/sign-in`);
    pages.push({ status: signInPage.status, headers: signInPage.headers, text: await signInPage.text() });
    expect(pages.map((page) => page.status)).toEqual([200, 200, 200, 404, 403, 200]);
    for (const page of pages) expect(page.text.startsWith('<!DOCTYPE html><html lang=')).toBe(true);
  });

  it('lists the demo sign-in choices from the API (never admin or auditor), and only while demo sign-in is on', async () => {
    const choices = (await (await fetch(`${web.base}/demo/sign-in-choices`)).json()) as { items: { id: string; roles: string[] }[] };
    expect(choices.items.find((choice) => choice.id === web.region.orgs.court.id)?.roles).toContain('judge');
    expect(choices.items.flatMap((choice) => choice.roles)).not.toContain('admin');
    expect(choices.items.flatMap((choice) => choice.roles)).not.toContain('auditor');
    const apiOnly = await createTestContext();
    try {
      expect((await apiOnly.request('GET', '/demo/sign-in-choices')).status).toBe(404);
    } finally {
      await apiOnly.close();
    }
  });

  it('is not part of the OpenAPI document', async () => {
    const document = (await (await fetch(`${web.base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).some((path) => path.startsWith('/app'))).toBe(false);
  });
});
