import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueMatcher, foreignTexts, visibleTexts } from './catalogue-text.js';
import { certificateCase } from './certificate-world.js';
import { buildDemoWorld, type DemoWorld } from './demo-world.js';
import { createWebContext, fetchSession, type WebContext } from './web-context.js';

/**
 * Every page of the workspace in Russian shows only the Russian catalogue's words and data: no
 * English message, no raw enum value, no id. Each role's pages of a demo-like world (home,
 * inbox, every case it may open, a refused form), the signed-out pages and the indicators are
 * fetched as the organisation's staff see them, and every visible text must be a catalogue
 * message (its placeholders filled with more of the same), a value someone typed, a date or
 * number as Russian prints it, or a reference code.
 */
let web: WebContext;
let world: DemoWorld;
beforeAll(async () => {
  web = await createWebContext();
  world = await buildDemoWorld(web);
}, 120_000);
afterAll(async () => web?.close());

const ROLES = [
  ['prison', 'prison_staff'],
  ['court', 'judge'],
  ['probation', 'probation_officer'],
  ['provider', 'treatment_staff'],
  ['ngo', 'ngo_worker'],
  ['house', 'halfway_house_staff'],
  ['coordinator', 'coordinator'],
] as const;

/** What tests/web/certificate-world.ts and the test below type into a certificate's case. */
const CERTIFICATE_TYPED = [
  'Русова Арман',
  'Русова',
  'Арман',
  'KZ-PAV-2026-0001',
  'Зависимость средней тяжести',
  'Трезвость и работа',
  'Детоксикация',
  'Реабилитация',
  'Ресоциализация',
  'Нет подтверждающих документов',
];

const caseLinks = (html: string) => [...new Set([...html.matchAll(/href="\/app\/cases\/([0-9a-f-]{36})"/g)].map((match) => match[1]!))];

/** The page's texts that are not Russian catalogue texts or data, each with where it is; the page must be in Russian. */
function foreignOn(path: string, html: string, typed: readonly string[] = []): string[] {
  if (!html.includes('<html lang="ru"')) return [`${path}: not a Russian page`];
  return foreignTexts(html, [...world.data, ...typed]).map((item) => `${path} ${item.where} ${item.text} (${item.why})`);
}

describe('the workspace in Russian', { timeout: 240_000 }, () => {
  it('the check itself: catches English, raw values and ids, and accepts catalogue texts with data', () => {
    const page = (body: string) => `<!DOCTYPE html><html lang="ru"><head><title>Моя работа</title></head><body>${body}</body></html>`;
    expect(foreignTexts(page('<p>Last name</p><p>suitable</p><p>not_started</p><p>Unit id e71589c5-7c3e-4e0b-9f55-2f1f0d6a1b2c</p>'), []).map((item) => item.why)).toEqual([
      'an English message',
      'not from the Russian catalogue',
      'a raw value (not_started)',
      'an id',
    ]);
    expect(foreignTexts(page('<p>Drug test recorded</p><p>Drug test</p>'), []).map((item) => item.why)).toEqual(['an English message', 'not from the Russian catalogue']);
    expect(foreignTexts(page('<p>Record: DRUG_TEST_RECORDED</p><input placeholder="Type here">'), []).map((item) => item.why)).toEqual([
      'a raw value (DRUG_TEST_RECORDED)',
      'not from the Russian catalogue',
    ]);
    expect(foreignTexts(page('<p>Nothing here.</p>'), []).map((item) => item.why)).toEqual(['an English message']);
    expect(
      foreignTexts(page('<p>Вы вошли как Судья, Суд №2</p><p>Место 3: Свободно</p><p>P-7K3M-9QXD</p><p>2 мар. 2026 г., 10:30</p><a lang="en">English</a>'), ['Суд №2']),
    ).toEqual([]);
    expect(foreignTexts(page('<p>Вы вошли как Judge, Суд №2</p>'), ['Суд №2']).map((item) => item.why)).toEqual(['not from the Russian catalogue']);
    expect(visibleTexts(page('<button aria-label="Отметить">x</button>')).map((item) => item.text)).toEqual(['Моя работа', 'Отметить', 'x']);
    expect(catalogueMatcher('ru', []).covered('Здесь пусто.')).toBe(true);
  });

  it('the signed-out pages: sign-in, its notices, the public indicators and their refusal', async () => {
    const ru = { headers: { 'accept-language': 'ru' } };
    const found: string[] = [];
    for (const path of [
      '/app/sign-in',
      '/app/sign-in?expired=1',
      '/app/sign-in?failed=1',
      '/app/indicators',
      '/app/indicators?table=region-quarter&period=2026-Q1',
      '/app/indicators?table=organisation-year&period=2026',
      '/app/indicators?table=centre-year&period=2026',
      '/app/indicators?period=bogus',
    ]) {
      const response = await fetch(`${web.base}${path}`, ru);
      found.push(...foreignOn(path, await response.text()));
    }
    expect(found).toEqual([]);
  });

  for (const [org, role] of ROLES) {
    it(`${role}: home, inbox and every case page it opens`, async () => {
      const session = await fetchSession(web.base, web.region.orgs[org].id, role);
      const home = await session.request('/app');
      const inbox = await session.request('/app/inbox');
      const found = [...foreignOn('/app', home.text), ...foreignOn('/app/inbox', inbox.text)];
      const ids = new Set([...caseLinks(home.text), ...caseLinks(inbox.text)]);
      const personLinks = new Set<string>();
      expect(ids.size, 'the role has cases to open').toBeGreaterThan(0);
      for (const id of ids) {
        const page = await session.request(`/app/cases/${id}`);
        // A coordinator's escalations name cases it is no party to: those are "not found", as from the API.
        expect([200, 404], `/app/cases/${id}`).toContain(page.status);
        found.push(...foreignOn(`/app/cases/${id}`, page.text));
        for (const match of page.text.matchAll(/href="\/app\/people\/([0-9a-f-]{36})"/g)) personLinks.add(match[1]!);
      }
      found.push(...foreignOn('not found', (await session.request('/app/cases/00000000-0000-4000-8000-000000000000')).text));
      // Finding and registering people, the search's answer and each person the case pages link to.
      found.push(...foreignOn('/app/people', (await session.request('/app/people')).text));
      found.push(...foreignOn('/app/people/new', (await session.request('/app/people/new')).text));
      const searched = await session.request('/app/people', { form: { _csrf: session.csrf, reference: world.people.screened.person.referenceCode } });
      found.push(...foreignOn('/app/people (search)', searched.text));
      const refused = await session.request('/app/people', { form: { _csrf: session.csrf, name: 'x' } });
      expect(refused.status).toBe(422);
      found.push(...foreignOn('/app/people (a refused search)', refused.text));
      for (const id of personLinks) {
        const personPage = await session.request(`/app/people/${id}`);
        found.push(...foreignOn(`/app/people/${id}`, personPage.text));
        // The forms the person's page offers: opening a case of each protocol, printing a consent.
        const offered = [...personPage.text.matchAll(/href="(\/app\/people\/[0-9a-f-]{36}\/(?:open\/[a-z-]+|consents\/[0-9a-f-]{36}\/print))"/g)].map((match) => match[1]!);
        for (const path of new Set(offered)) found.push(...foreignOn(path, (await session.request(path)).text));
      }
      if (role === 'coordinator') found.push(...foreignOn('/app/denials', (await session.request('/app/denials')).text));
      expect(found).toEqual([]);
    });
  }

  it('a rehabilitation certificate: the coordinator’s and the centre’s case page with its account and claims, the statement, a refused claim', async () => {
    const { caseId } = await certificateCase(web, { name: 'Русова', upTo: 'in_rehabilitation' });
    for (const [day, amount] of [
      ['2026-03-01', 300_000],
      ['2026-03-02', 150_050],
    ] as const) {
      const claimed = await web.region.send('provider', caseId, 'SERVICE_CLAIMED', { periodFrom: day, periodTo: day, amount });
      expect(claimed.status, claimed.text).toBe(201);
    }
    const claims = (await web.t.request('GET', `/cases/${caseId}`, { token: web.region.tokens.coordinator })).json.data.claims as { id: string }[];
    const decided = await web.region.send('coordinator', caseId, 'CLAIM_DECIDED', { claimId: claims[0]!.id, decision: 'rejected', reason: 'Нет подтверждающих документов' });
    expect(decided.status, decided.text).toBe(201);
    const found: string[] = [];
    for (const [org, role] of [
      ['coordinator', 'coordinator'],
      ['provider', 'treatment_staff'],
    ] as const) {
      const session = await fetchSession(web.base, web.region.orgs[org].id, role);
      for (const path of [`/app/cases/${caseId}`, `/app/cases/${caseId}/statement`]) {
        const page = await session.request(path);
        expect(page.status, path).toBe(200);
        found.push(...foreignOn(`${role} ${path}`, page.text, CERTIFICATE_TYPED));
      }
    }
    const provider = await fetchSession(web.base, web.region.orgs.provider.id, 'treatment_staff');
    const current = await web.t.request('GET', `/cases/${caseId}`, { token: web.region.tokens.provider });
    const refused = await provider.request(`/app/cases/${caseId}/events`, {
      form: {
        _csrf: provider.csrf,
        type: 'SERVICE_CLAIMED',
        expectedVersion: String(current.json.version),
        'data.periodFrom': '2026-03-02',
        'data.periodTo': '2026-03-02',
        'data.amount': '9999999',
      },
    });
    expect(refused.status).toBe(422);
    found.push(...foreignOn('refused SERVICE_CLAIMED', refused.text, CERTIFICATE_TYPED));
    expect(found).toEqual([]);
  });

  it('a form the API refuses comes back in Russian, with its field errors; a refused break-glass too', async () => {
    const prison = await fetchSession(web.base, web.region.orgs.prison.id, 'prison_staff');
    const screened = await web.t.request('GET', `/cases/${world.people.screened.caseId}`, { token: web.region.tokens.prison });
    const refused = await prison.request(`/app/cases/${world.people.screened.caseId}/events`, {
      form: { _csrf: prison.csrf, type: 'ADMITTED', expectedVersion: String(screened.json.version), 'data.date': '' },
    });
    expect(refused.status).toBe(422);
    const found = foreignOn('refused ADMITTED', refused.text);
    const stale = await prison.request(`/app/cases/${world.people.screened.caseId}/events`, {
      form: { _csrf: prison.csrf, type: 'WITHDREW', expectedVersion: '1', 'data.date': '2026-03-02' },
    });
    expect(stale.status).toBe(409);
    found.push(...foreignOn('stale WITHDREW', stale.text));
    found.push(...foreignOn('forged form', (await prison.request('/app/sign-out', { form: { _csrf: 'forged' } })).text));
    const coordinator = await fetchSession(web.base, web.region.orgs.coordinator.id, 'coordinator');
    const breakGlass = await coordinator.request(`/app/cases/${world.people.screened.caseId}/break-glass`, { form: { _csrf: coordinator.csrf, reason: 'срочно' } });
    expect(breakGlass.status).toBe(422);
    found.push(...foreignOn('refused break-glass', breakGlass.text));
    expect(found).toEqual([]);
  });
});
