import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebContext, type WebContext } from './web-context.js';

let web: WebContext;
beforeAll(async () => {
  web = await createWebContext();
});
afterAll(async () => web?.close());

/** The demo sign-in form posted by hand, with a valid pre-session CSRF pair: what a curl user can send. */
async function postDemoSignIn(choice: string) {
  const pre = 'q'.repeat(32);
  const response = await fetch(`${web.base}/app/sign-in/demo`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web.base, cookie: `cadap-pre=${pre}` },
    body: new URLSearchParams({ _csrf: pre, choice }).toString(),
  });
  return { status: response.status, location: response.headers.get('location'), cookies: response.headers.getSetCookie() };
}

describe('web demo sign-in: never admin or auditor', () => {
  it('the page offers neither role at any organisation', async () => {
    const html = await (await fetch(`${web.base}/app/sign-in`)).text();
    expect(html).toContain(`${web.region.orgs.prison.id}|prison_staff`);
    expect(html).not.toMatch(/\|admin"/);
    expect(html).not.toMatch(/\|auditor"/);
  });

  it('the server refuses a posted admin or auditor choice (403, no session), and still signs in staff', async () => {
    for (const role of ['admin', 'auditor']) {
      for (const org of [web.region.orgs.coordinator, web.region.orgs.prison]) {
        const refused = await postDemoSignIn(`${org.id}|${role}`);
        expect(refused.status, `${role} at ${org.kind}`).toBe(403);
        expect(refused.cookies.some((line) => /session=/.test(line)), `${role} at ${org.kind}`).toBe(false);
      }
    }
    const staff = await postDemoSignIn(`${web.region.orgs.prison.id}|prison_staff`);
    expect(staff.status).toBe(303);
    expect(staff.location).toBe('/app');
    expect(staff.cookies.some((line) => line.startsWith('cadap-session='))).toBe(true);
  });
});
