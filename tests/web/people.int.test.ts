import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { participants } from '../../db/schema.js';
import { createWebContext, fetchSession, type WebContext } from './web-context.js';

/**
 * The workspace's people routes driven with fetch (the browser tests drive the main paths):
 * CSRF, the page's own words for the API's refusals, the search's next page, clearing an
 * assignment, and what the posted search keeps out of the URL.
 */
let web: WebContext;
beforeAll(async () => {
  web = await createWebContext();
});
afterAll(async () => web?.close());

const codes = (html: string) => [...html.matchAll(/<a href="\/app\/people\/[0-9a-f-]{36}">(P-[0-9A-Z]{4}-[0-9A-Z]{4})<\/a>/g)].map((match) => match[1]);

describe('people pages', () => {
  it('refuse a search or a registration without the session’s CSRF token, registering no one', async () => {
    const session = await fetchSession(web.base, web.region.orgs.prison.id, 'prison_staff');
    const before = await web.t.count(participants);
    expect((await session.request('/app/people', { form: { _csrf: 'wrong', name: 'ivan' } })).status).toBe(403);
    const registration = { _csrf: 'wrong', lastName: 'Csrf', firstName: 'Probe', dateOfBirth: '1990-01-01' };
    expect((await session.request('/app/people/new', { form: registration })).status).toBe(403);
    expect(await web.t.count(participants)).toBe(before);
  });

  it('shows the API’s refusals in the page’s language, field by field, and keeps what was typed', async () => {
    const session = await fetchSession(web.base, web.region.orgs.prison.id, 'prison_staff');
    const search = await session.request('/app/people', { form: { _csrf: session.csrf, name: 'I', dateOfBirth: '', nationalId: '', reference: 'P-1' } });
    expect(search.status).toBe(422);
    expect(search.text).toContain('Не меньше двух букв и не больше шести слов.');
    expect(search.text).toContain('Код вида P-7K3M-9QXD.');
    expect(search.text).not.toContain('At least two letters');
    const before = await web.t.count(participants);
    const register = await session.request('/app/people/new', { form: { _csrf: session.csrf, lastName: 'Датова', firstName: 'Дата', dateOfBirth: '1990-02-30', nationalId: 'x' } });
    expect(register.status).toBe(422);
    expect(register.text).toContain('Укажите правильную дату.');
    expect(register.text).toContain('Буквы, цифры и дефисы, от 4 до 32 знаков.');
    expect(register.text).toContain('value="Датова"');
    expect(await web.t.count(participants)).toBe(before);
  });

  it('pages through many people with the next-page form, the search never in a URL', async () => {
    const { t, region } = web;
    const made: string[] = [];
    for (let n = 0; n < 30; n += 1) {
      const response = await t.request('POST', '/participants', {
        token: region.tokens.ngo,
        body: { identity: { lastName: 'Страницева', firstName: `Имя${n}`, dateOfBirth: '1990-01-01' } },
      });
      made.push(response.json.referenceCode);
    }
    const session = await fetchSession(web.base, region.orgs.ngo.id, 'ngo_worker');
    const first = await session.request('/app/people', { form: { _csrf: session.csrf, name: 'stranitseva', dateOfBirth: '', nationalId: '', reference: '' } });
    expect(first.status).toBe(200);
    expect(codes(first.text)).toHaveLength(25);
    const cursor = /name="cursor" value="([^"]+)"/.exec(first.text)?.[1];
    expect(cursor).toBeDefined();
    expect(first.text).toContain('Показать ещё');
    const second = await session.request('/app/people', { form: { _csrf: session.csrf, name: 'stranitseva', dateOfBirth: '', nationalId: '', reference: '', cursor: cursor! } });
    expect(codes(second.text)).toHaveLength(5);
    expect(second.text).not.toContain('name="cursor"');
    expect([...codes(first.text), ...codes(second.text)].sort()).toEqual([...made].sort());
    // Every link the pages hold is to a person by id, never carrying the name searched for.
    expect([...first.text.matchAll(/href="([^"]+)"/g)].map((match) => match[1]).filter((href) => /strani|Страниц/i.test(href ?? ''))).toEqual([]);
  });

  it('clears an assignment with the page’s second button; an unknown case is not found', async () => {
    const { t, region } = web;
    const person = await region.participant('prison', 'Cleared');
    const plan = await region.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: region.orgs.probation.id }], { releaseDate: '2026-10-01' });
    const session = await fetchSession(web.base, region.orgs.prison.id, 'prison_staff');
    const me = `demo:prison_staff@${region.orgs.prison.id.slice(0, 8)}`;
    const assigned = await session.request(`/app/cases/${plan.json.id}/assignee`, { form: { _csrf: session.csrf, sub: me } });
    expect(assigned.status).toBe(303);
    expect((await t.request('GET', `/cases/${plan.json.id}`, { token: region.tokens.prison })).json.assignee).toMatchObject({ sub: me });
    const cleared = await session.request(`/app/cases/${plan.json.id}/assignee`, { form: { _csrf: session.csrf, sub: me, clear: '1' } });
    expect(cleared.status).toBe(303);
    expect((await t.request('GET', `/cases/${plan.json.id}`, { token: region.tokens.prison })).json.assignee).toBeNull();
    const refused = await session.request(`/app/cases/${plan.json.id}/assignee`, { form: { _csrf: session.csrf, sub: 'nobody' } });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Этот человек не числится сотрудником вашей организации.');
    expect((await session.request('/app/cases/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/assignee', { form: { _csrf: session.csrf, sub: me } })).status).toBe(404);
  });
});
