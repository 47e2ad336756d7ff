import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebContext, fetchSession, type WebContext } from './web-context.js';

/**
 * A page never shows a field the API would redact for that person: the NGO patron (consent to
 * identity and contact only) sees neither the person's diagnosis (health, consent-only) nor the
 * court case number (legal, never for an NGO), on the page or in the API; the sending prison,
 * which may see both, does see them on the same page, so this test can fail.
 */
const DIAGNOSIS = 'Diagnosis-QX7-marker';
const CASE_NUMBER = 'Legal-ZK4-marker';
const ADDRESS = 'Address-JW9-marker';

let web: WebContext;
let caseId: string;
let participantId: string;
beforeAll(async () => {
  web = await createWebContext();
  const { t, region } = web;
  const registered = await t.request('POST', '/participants', {
    token: region.tokens.prison,
    body: {
      identity: { firstName: 'Redact', lastName: 'Check', dateOfBirth: '1991-05-05' },
      contact: { address: ADDRESS },
      legal: { caseNumber: CASE_NUMBER },
      health: { diagnosis: DIAGNOSIS },
    },
  });
  expect(registered.status).toBe(201);
  participantId = registered.json.id;
  await region.consent(participantId, region.orgs.ngo, 'prison', { dataClasses: ['identity', 'contact'] });
  const opened = await region.open('prison', 'patronage', participantId, [{ part: 'ngo', organisationId: region.orgs.ngo.id }], {
    releasedAt: '2026-03-01T09:00:00+05:00',
    releaseAddressPlan: 'Pavlodar',
    patronagePlan: 'Weekly meetings',
  });
  expect(opened.status).toBe(201);
  caseId = opened.json.id;
});
afterAll(async () => web?.close());

describe('web workspace: redaction', () => {
  it('the API withholds health and legal data from the NGO patron', async () => {
    const asNgo = await web.t.request('GET', `/participants/${participantId}`, { token: web.region.tokens.ngo });
    expect(asNgo.status).toBe(200);
    expect(asNgo.text).toContain(ADDRESS);
    expect(asNgo.text).not.toContain(DIAGNOSIS);
    expect(asNgo.text).not.toContain(CASE_NUMBER);
  });

  it('the NGO’s case page shows what the API shows it, and never the withheld fields', async () => {
    const session = await fetchSession(web.base, web.region.orgs.ngo.id, 'ngo_worker');
    const page = await session.request(`/app/cases/${caseId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(ADDRESS);
    expect(page.text).not.toContain(DIAGNOSIS);
    expect(page.text).not.toContain(CASE_NUMBER);
    const home = await session.request('/app');
    expect(home.text).not.toContain(DIAGNOSIS);
    expect(home.text).not.toContain(CASE_NUMBER);
  });

  it('the sending prison, which may see them, does see them on the same page', async () => {
    const session = await fetchSession(web.base, web.region.orgs.prison.id, 'prison_staff');
    const page = await session.request(`/app/cases/${caseId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(DIAGNOSIS);
    expect(page.text).toContain(CASE_NUMBER);
  });

  it('an organisation that is not a party gets “not found”, as from the API', async () => {
    const session = await fetchSession(web.base, web.region.orgs.house.id, 'halfway_house_staff');
    const page = await session.request(`/app/cases/${caseId}`);
    expect(page.status).toBe(404);
    expect(page.text).not.toContain(ADDRESS);
    expect((await web.t.request('GET', `/cases/${caseId}`, { token: web.region.tokens.house })).status).toBe(404);
  });
});
