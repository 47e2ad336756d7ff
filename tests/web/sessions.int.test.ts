import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, webSessions } from '../../db/schema.js';
import { TEST_NOW } from '../helpers/context.js';
import { createWebContext, fetchSession, type WebContext } from './web-context.js';

/**
 * Web sessions end on the server: a copy of the cookie taken before sign-out, an admin's
 * revocation, the idle lifetime (30 minutes) or the absolute one (12 hours) opens nothing
 * afterwards. Time moves by the test's fixed clock, never by waiting.
 */
const LAST_NAME = 'Revocable';
let web: WebContext;
let caseId: string;
beforeAll(async () => {
  web = await createWebContext();
  const { t, region } = web;
  const registered = await t.request('POST', '/participants', {
    token: region.tokens.prison,
    body: { identity: { firstName: 'Saved', lastName: LAST_NAME, dateOfBirth: '1990-02-02' } },
  });
  expect(registered.status).toBe(201);
  await region.consent(registered.json.id, region.orgs.ngo, 'prison', { dataClasses: ['identity', 'contact'] });
  const opened = await region.open('prison', 'patronage', registered.json.id, [{ part: 'ngo', organisationId: region.orgs.ngo.id }], {
    releasedAt: '2026-03-01T09:00:00+05:00',
    releaseAddressPlan: 'Pavlodar',
    patronagePlan: 'Weekly meetings',
  });
  expect(opened.status).toBe(201);
  caseId = opened.json.id;
});
afterAll(async () => web?.close());

/** A request carrying only a copy of a session cookie, as someone who saved it would send it. */
async function withSavedCookie(cookie: string, path: string) {
  const response = await fetch(`${web.base}${path}`, { headers: { cookie: `cadap-session=${cookie}` }, redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location'), text: await response.text() };
}

async function savedSession(organisationId: string, role: string) {
  const session = await fetchSession(web.base, organisationId, role);
  const cookie = session.cookies.get('cadap-session');
  if (!cookie) throw new Error('no session cookie');
  return { session, cookie };
}

const openSessions = async (organisationId: string) =>
  (
    await web.t.db
      .select()
      .from(webSessions)
      .where(and(eq(webSessions.organisationId, organisationId), isNull(webSessions.endedAt)))
  ).length;

/** Each test starts at the context's time; moving the clock back never revives a session (its rows keep their times). */
const resetClock = () => web.t.clock.set(TEST_NOW);

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
        expect(
          refused.cookies.some((line) => /session=/.test(line)),
          `${role} at ${org.kind}`,
        ).toBe(false);
      }
    }
    const staff = await postDemoSignIn(`${web.region.orgs.prison.id}|prison_staff`);
    expect(staff.status).toBe(303);
    expect(staff.location).toBe('/app');
    expect(staff.cookies.some((line) => line.startsWith('cadap-session='))).toBe(true);
  });
});

describe('web sessions end on the server', () => {
  it('a cookie saved before sign-out is refused after it: redirect to sign-in, no case data', async () => {
    resetClock();
    const { session, cookie } = await savedSession(web.region.orgs.prison.id, 'prison_staff');
    const before = await withSavedCookie(cookie, `/app/cases/${caseId}`);
    expect(before.status).toBe(200);
    expect(before.text).toContain(LAST_NAME);
    const signedOut = await session.request('/app/sign-out', { form: { _csrf: session.csrf } });
    expect(signedOut.status).toBe(303);
    const after = await withSavedCookie(cookie, `/app/cases/${caseId}`);
    expect(after.status).toBe(303);
    expect(after.location).toBe('/app/sign-in');
    expect(after.text).not.toContain(LAST_NAME);
    expect((await withSavedCookie(cookie, '/app')).status).toBe(303);
    // The row says why, and holds neither the token nor the session id itself.
    const rows = await web.t.db.select().from(webSessions).where(eq(webSessions.endReason, 'sign-out'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(cookie.slice(0, 40));
  });

  it('an admin ends every session of an organisation (audited; in the OpenAPI document); other organisations keep theirs', async () => {
    resetClock();
    const prison = web.region.orgs.prison;
    const first = await savedSession(prison.id, 'prison_staff');
    const second = await savedSession(prison.id, 'prison_staff');
    const ngo = await savedSession(web.region.orgs.ngo.id, 'ngo_worker');
    expect(await openSessions(prison.id)).toBeGreaterThanOrEqual(2);

    // Not an admin: 403, and nothing ended.
    const openBefore = await openSessions(prison.id);
    for (const [org, role] of [
      [web.region.orgs.coordinator, 'coordinator'],
      [prison, 'prison_staff'],
      [prison, 'auditor'],
    ] as const) {
      const denied = await web.t.request('POST', `/organisations/${prison.id}/sessions/revoke`, { token: await web.t.tokenFor(org, role) });
      expect(denied.status, role).toBe(403);
    }
    expect(await openSessions(prison.id)).toBe(openBefore);
    expect((await withSavedCookie(first.cookie, `/app/cases/${caseId}`)).status).toBe(200);

    const admin = await web.t.tokenFor(web.region.orgs.coordinator, 'admin');
    const unknown = await web.t.request('POST', '/organisations/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/sessions/revoke', { token: admin });
    expect(unknown.status).toBe(404);
    expect(await openSessions(prison.id)).toBe(openBefore);

    const revoked = await web.t.request('POST', `/organisations/${prison.id}/sessions/revoke`, { token: admin });
    expect(revoked.status).toBe(200);
    expect(revoked.json).toEqual({ organisationId: prison.id, revoked: openBefore });
    expect(await openSessions(prison.id)).toBe(0);
    for (const saved of [first, second]) {
      const after = await withSavedCookie(saved.cookie, `/app/cases/${caseId}`);
      expect(after.status).toBe(303);
      expect(after.location).toBe('/app/sign-in');
      expect(after.text).not.toContain(LAST_NAME);
    }
    expect((await ngo.session.request('/app')).status).toBe(200);
    const audit = await web.t.db.select().from(auditEvents).where(eq(auditEvents.action, 'organisation.sessions.revoke'));
    expect(audit).toEqual([expect.objectContaining({ subjectType: 'organisation', subjectId: prison.id, outcome: 'success', roles: ['admin'] })]);
    const document = (await web.t.request('GET', '/openapi.json')).json as { paths: Record<string, Record<string, { 'x-permission': string }>> };
    expect(document.paths['/organisations/{id}/sessions/revoke']?.post?.['x-permission']).toBe('sessions:revoke');
  });

  it('two instances sharing the database: a session signed out on one is refused by the other', async () => {
    resetClock();
    const other = await web.t.instance();
    const { session, cookie } = await savedSession(web.region.orgs.prison.id, 'prison_staff');
    const onOther = () => other.app.request(`/app/cases/${caseId}`, { headers: { cookie: `cadap-session=${cookie}` } });
    const before = await onOther();
    expect(before.status).toBe(200);
    expect(await before.text()).toContain(LAST_NAME);
    expect((await session.request('/app/sign-out', { form: { _csrf: session.csrf } })).status).toBe(303);
    const after = await onOther();
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/app/sign-in');
    expect(await after.text()).not.toContain(LAST_NAME);
  });

  it('ends a session left idle for more than 30 minutes; activity keeps it open', async () => {
    resetClock();
    const { session, cookie } = await savedSession(web.region.orgs.prison.id, 'prison_staff');
    web.t.clock.advance(29 * 60_000);
    expect((await session.request('/app/inbox')).status).toBe(200);
    web.t.clock.advance(29 * 60_000); // 58 minutes after sign-in, 29 after the last request
    expect((await session.request('/app/inbox')).status).toBe(200);
    web.t.clock.advance(31 * 60_000);
    const idle = await withSavedCookie(cookie, `/app/cases/${caseId}`);
    expect(idle.status).toBe(303);
    expect(idle.location).toBe('/app/sign-in');
    expect(idle.text).not.toContain(LAST_NAME);
    // Ended for good: back within the idle window of the last request, still refused.
    web.t.clock.advance(-31 * 60_000);
    expect((await withSavedCookie(cookie, '/app')).status).toBe(303);
  });

  it('ends a session 12 hours after sign-in however active it is', async () => {
    resetClock();
    const { session, cookie } = await savedSession(web.region.orgs.prison.id, 'prison_staff');
    for (let minutes = 25; minutes < 12 * 60; minutes += 25) {
      web.t.clock.set(new Date(new Date(TEST_NOW).getTime() + minutes * 60_000));
      expect((await session.request('/app/inbox')).status, `${minutes} minutes after sign-in`).toBe(200);
    }
    web.t.clock.set(new Date(new Date(TEST_NOW).getTime() + (12 * 60 + 1) * 60_000));
    const over = await withSavedCookie(cookie, `/app/cases/${caseId}`);
    expect(over.status).toBe(303);
    expect(over.location).toBe('/app/sign-in');
    expect(over.text).not.toContain(LAST_NAME);
  });
});

describe('a link opened signed out', () => {
  it('returns to the page after sign-in (a case link in an e-mail), once, and never outside the workspace', async () => {
    resetClock();
    const page = `/app/cases/${'0'.repeat(8)}-0000-4000-8000-000000000001`;
    const opened = await fetch(`${web.base}${page}`, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/app/sign-in');
    const remembered = opened.headers.getSetCookie().find((line) => line.startsWith('cadap-return='));
    expect(remembered).toContain(`cadap-return=${encodeURIComponent(page)}`);
    expect(remembered).toMatch(/HttpOnly/i);

    const pre = 'r'.repeat(32);
    const signIn = (cookie: string) =>
      fetch(`${web.base}/app/sign-in/demo`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web.base, cookie: `cadap-pre=${pre}; ${cookie}` },
        body: new URLSearchParams({ _csrf: pre, choice: `${web.region.orgs.prison.id}|prison_staff` }).toString(),
      });
    const back = await signIn(`cadap-return=${encodeURIComponent(page)}`);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe(page);
    // The cookie is spent: the next sign-in goes home.
    expect(back.headers.getSetCookie().some((line) => /^cadap-return=;/.test(line) || /cadap-return=.*Max-Age=0/i.test(line))).toBe(true);
    // A forged return path outside the workspace is ignored.
    for (const forged of ['https://evil.example/app', '//evil.example', '/api/cases']) {
      const home = await signIn(`cadap-return=${encodeURIComponent(forged)}`);
      expect(home.headers.get('location'), forged).toBe('/app');
    }
  });
});
