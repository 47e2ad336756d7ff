import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../db/schema.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/** DOMAIN.md, "Authorship": an organisation always sees the data of the events it recorded itself (basis `author`). */
let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

describe('authorship', () => {
  it('the NGO sees the health pathway note it recorded, though its part sees health only under a consent; others’ stay withheld', async () => {
    const person = await r.participant('prison', 'Authora');
    await r.consent(person.id, r.orgs.ngo, 'prison', { dataClasses: ['identity'], purpose: 'release_planning' });
    const plan = await r.open(
      'prison',
      'pre-release',
      person.id,
      [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'ngo', organisationId: r.orgs.ngo.id },
      ],
      { releaseDate: '2026-09-01' },
    );
    expect(plan.status, plan.text).toBe(201);
    const own = { pathway: 'health_continuity', status: 'in_progress', note: 'Naloxone kit arranged by the NGO' };
    const recorded = await r.send('ngo', plan.json.id, 'PATHWAY_UPDATED', own);
    expect(recorded.status, recorded.text).toBe(201);
    expect(recorded.json.event.data).toMatchObject(own);
    expect((await r.send('prison', plan.json.id, 'PATHWAY_UPDATED', { pathway: 'health_continuity', status: 'in_progress', note: 'OST on release day' })).status).toBe(201);

    const history = await t.request('GET', `/cases/${plan.json.id}/events`, { token: r.tokens.ngo });
    const updates = (history.json.items as { organisationId: string; data: Record<string, unknown>; dataWithheld: boolean }[]).filter(
      (item) => 'pathway' in item.data || item.dataWithheld,
    );
    const mine = updates.find((item) => item.organisationId === r.orgs.ngo.id);
    const theirs = updates.find((item) => item.organisationId === r.orgs.prison.id);
    expect(mine?.data).toMatchObject(own);
    expect(theirs).toMatchObject({ data: {}, dataWithheld: true });
    expect(history.text).not.toContain('OST on release day');
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'case.history'), eq(auditEvents.organisationId, r.orgs.ngo.id), eq(auditEvents.subjectId, plan.json.id)));
    expect(audit?.basis).toContain('author');
    expect(audit?.dataClasses).toContain('health');
  });
});

describe('authorship after a consent ends', () => {
  it('the NGO still reads its own follow-up once its consent is revoked; the sender’s social data is withheld from it', async () => {
    const person = await r.participant('prison', 'Authorova');
    const consent = await r.consent(person.id, r.orgs.ngo, 'prison', { dataClasses: ['identity', 'contact', 'social'] });
    const handover = await r.open('prison', 'patronage', person.id, [{ part: 'ngo', organisationId: r.orgs.ngo.id }], {
      releasedAt: '2025-12-01T10:00:00+05:00',
      releaseAddressPlan: 'Shelter',
      patronagePlan: 'Weekly meetings, job club on Fridays',
    });
    expect(handover.status, handover.text).toBe(201);
    const id = handover.json.id as string;
    expect((await r.send('ngo', id, 'ACKNOWLEDGED', { caseworker: 'Aliya', plannedFirstContact: '2025-12-02' })).status).toBe(201);
    expect((await r.send('ngo', id, 'FIRST_CONTACT_MADE', { at: '2025-12-02T10:00:00+05:00', how: 'in_person' })).status).toBe(201);
    const followUp = { month: 3, housing: 'unstable', work: 'education', substanceUse: 'ost', reoffending: false };
    expect((await r.send('ngo', id, 'FOLLOW_UP_RECORDED', followUp)).status).toBe(201);

    const revoked = await t.request('POST', `/consents/${consent.id}/revoke`, { token: r.tokens.prison, body: { reason: 'The person withdrew their consent' } });
    expect(revoked.status, revoked.text).toBe(200);

    const history = await t.request('GET', `/cases/${id}/events`, { token: r.tokens.ngo });
    expect(history.status).toBe(200);
    const items = history.json.items as { type: string; data: Record<string, unknown>; dataWithheld: boolean }[];
    expect(items.find((item) => item.type === 'FOLLOW_UP_RECORDED')).toMatchObject({ data: followUp, dataWithheld: false });
    // The sender's patronage plan (social) is no longer disclosed to it.
    expect(items.find((item) => item.type === 'CASE_OPENED')?.data).not.toHaveProperty('patronagePlan');
    expect(history.text).not.toContain('job club');
    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'case.history'), eq(auditEvents.organisationId, r.orgs.ngo.id), eq(auditEvents.subjectId, id)));
    expect(audit?.basis).toContain('author');
  });
});
