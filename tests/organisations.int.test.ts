import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organisations, prisonUnits } from '../db/schema.js';
import type { OrganisationRow } from '../src/organisations/service.js';
import { createTestContext, type TestContext } from './helpers/context.js';

let t: TestContext;
let admin: string;
let coordinator: string;
let prison: OrganisationRow;
let prisonStaff: string;

beforeAll(async () => {
  t = await createTestContext();
  const coordinatorOrg = await t.organisation('coordinator');
  prison = await t.organisation('prison');
  admin = await t.tokenFor(coordinatorOrg, 'admin');
  coordinator = await t.tokenFor(coordinatorOrg, 'coordinator');
  prisonStaff = await t.tokenFor(prison, 'prison_staff');
});
afterAll(() => t.close());

describe('organisations', () => {
  it('a coordinator registers a halfway house in its region, with defaults from the country', async () => {
    const response = await t.request('POST', '/organisations', {
      token: coordinator,
      body: {
        kind: 'halfway_house',
        name: 'Nadezhda House',
        country: 'KZ',
        region: 'KZ-PAV',
        beds: 10,
        certificationValidUntil: '2026-12-31',
        notificationEmails: ['house@example.org'],
      },
    });
    expect(response.status).toBe(201);
    expect(response.json).toMatchObject({
      kind: 'halfway_house',
      timeZone: 'Asia/Almaty',
      locale: 'kk',
      beds: 10,
      defaultMaxStayDays: 168,
      certificationValidUntil: '2026-12-31',
      certified: true,
      notificationEmails: ['house@example.org'],
    });
    const read = await t.request('GET', `/organisations/${response.json.id}`, { token: prisonStaff });
    expect(read.status).toBe(200);
    expect(read.json).toEqual(response.json);
  });

  it('an expired certification reads as not certified', async () => {
    const response = await t.request('POST', '/organisations', {
      token: coordinator,
      body: { kind: 'ngo', name: 'Lapsed NGO', country: 'KZ', region: 'KZ-PAV', certificationValidUntil: '2026-01-31' },
    });
    expect(response.status).toBe(201);
    expect(response.json.certified).toBe(false);
  });

  it('a halfway house needs its beds', async () => {
    const response = await t.request('POST', '/organisations', { token: coordinator, body: { kind: 'halfway_house', name: 'No Beds', country: 'KZ', region: 'KZ-PAV' } });
    expect(response.status).toBe(422);
    expect(response.json.errors.map((error: { path: string }) => error.path)).toContain('body.beds');
  });

  it('a coordinator may not register organisations in another region (403), an admin may', async () => {
    const body = { kind: 'court', name: 'Bishkek Court', country: 'KG', region: 'KG-GB' };
    const before = await t.count(organisations);
    expect((await t.request('POST', '/organisations', { token: coordinator, body })).status).toBe(403);
    expect(await t.count(organisations)).toBe(before);
    const created = await t.request('POST', '/organisations', { token: admin, body });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ timeZone: 'Asia/Bishkek', locale: 'ky' });
  });

  it('a name already registered is 409 CONFLICT, case-insensitively', async () => {
    await t.request('POST', '/organisations', { token: coordinator, body: { kind: 'ngo', name: 'Twin NGO', country: 'KZ', region: 'KZ-PAV' } });
    const before = await t.count(organisations);
    const response = await t.request('POST', '/organisations', { token: coordinator, body: { kind: 'ngo', name: 'twin ngo', country: 'KZ', region: 'KZ-PAV' } });
    expect(response.status).toBe(409);
    expect(response.json).toMatchObject({ code: 'CONFLICT', detail: expect.stringMatching(/name/) });
    expect(await t.count(organisations)).toBe(before);
  });

  it('a region has one coordinator organisation', async () => {
    const response = await t.request('POST', '/organisations', { token: admin, body: { kind: 'coordinator', name: 'Second Commission', country: 'KZ', region: 'KZ-PAV' } });
    expect(response.status).toBe(409);
    expect(response.json.detail).toMatch(/coordinator/);
  });

  it('an unknown time zone is refused', async () => {
    const response = await t.request('POST', '/organisations', {
      token: admin,
      body: { kind: 'court', name: 'Mars Court', country: 'KZ', region: 'KZ-PAV', timeZone: 'Mars/Olympus' },
    });
    expect(response.status).toBe(422);
    expect(response.json.errors[0].path).toBe('body.timeZone');
  });

  it('PATCH corrects certification and addresses; fields of other kinds are refused', async () => {
    const created = await t.request('POST', '/organisations', { token: coordinator, body: { kind: 'treatment_provider', name: 'OST Site 3', country: 'KZ', region: 'KZ-PAV' } });
    expect(created.json.certified).toBe(false);
    const patched = await t.request('PATCH', `/organisations/${created.json.id}`, {
      token: coordinator,
      body: { certificationValidUntil: '2027-06-30', notificationEmails: ['ost3@example.org'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ certified: true, certificationValidUntil: '2027-06-30', notificationEmails: ['ost3@example.org'] });
    const refused = await t.request('PATCH', `/organisations/${created.json.id}`, { token: coordinator, body: { beds: 3 } });
    expect(refused.status).toBe(422);
    const unchanged = await t.request('GET', `/organisations/${created.json.id}`, { token: coordinator });
    expect(unchanged.json.beds).toBeNull();
  });

  it('PATCH of an unknown organisation is 404', async () => {
    const response = await t.request('PATCH', '/organisations/6f1c2a8e-3b7d-4c1e-9f0a-2d3b4c5e6f70', { token: admin, body: { name: 'Ghost' } });
    expect(response.status).toBe(404);
  });

  it('lists with filters and cursor pagination, every organisation exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/organisations?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await t.request('GET', query, { token: prisonStaff });
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((item: { id: string }) => item.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen.length).toBe(await t.count(organisations));
    expect(new Set(seen).size).toBe(seen.length);
    const courts = await t.request('GET', '/organisations?kind=court&country=KG', { token: prisonStaff });
    expect(courts.json.items.map((item: { name: string }) => item.name)).toEqual(['Bishkek Court']);
  });
});

describe('prison units', () => {
  it('the prison’s staff add and list units', async () => {
    const created = await t.request('POST', `/organisations/${prison.id}/units`, { token: prisonStaff, body: { kind: 'atlantis', name: 'Atlantis A', places: 25 } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ organisationId: prison.id, kind: 'atlantis', places: 25 });
    const list = await t.request('GET', `/organisations/${prison.id}/units`, { token: prisonStaff });
    expect(list.json.items.map((unit: { name: string }) => unit.name)).toEqual(['Atlantis A']);
    const coordinatorView = await t.request('GET', `/organisations/${prison.id}/units`, { token: coordinator });
    expect(coordinatorView.status).toBe(200);
  });

  it('another prison’s staff get 404 and write nothing', async () => {
    const other = await t.organisation('prison');
    const token = await t.tokenFor(other, 'prison_staff');
    const before = await t.count(prisonUnits);
    expect((await t.request('GET', `/organisations/${prison.id}/units`, { token })).status).toBe(404);
    expect((await t.request('POST', `/organisations/${prison.id}/units`, { token, body: { kind: 'clean_zone', name: 'Intruder', places: 1 } })).status).toBe(404);
    expect(await t.count(prisonUnits)).toBe(before);
  });

  it('a judge may never manage units (403)', async () => {
    const court = await t.organisation('court');
    const token = await t.tokenFor(court, 'judge');
    expect((await t.request('GET', `/organisations/${prison.id}/units`, { token })).status).toBe(403);
  });

  it('units belong to prisons only; negative places are refused', async () => {
    const court = await t.organisation('court');
    const onCourt = await t.request('POST', `/organisations/${court.id}/units`, { token: admin, body: { kind: 'atlantis', name: 'X', places: 3 } });
    expect(onCourt.status).toBe(422);
    const negative = await t.request('POST', `/organisations/${prison.id}/units`, { token: admin, body: { kind: 'atlantis', name: 'Y', places: -1 } });
    expect(negative.status).toBe(422);
  });
});
