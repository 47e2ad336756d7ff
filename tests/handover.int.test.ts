import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * docs/DOMAIN.md, "Handover package". A patronage case opened by RELEASED
 * carries the contact phone, the release time and address, the continuity-of-care needs
 * (health, under consent) and the patronage plan (the plan's patronage pathway note).
 */
let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

const PATHWAYS = ['accommodation', 'identity_documents', 'health_continuity', 'employment_education', 'family', 'finance_benefits', 'patronage'];

/** A plan with probation and the NGO (its consent naming the given classes), every pathway settled. */
async function planFor(name: string, dataClasses: string[]) {
  const person = await r.participant('prison', name);
  await r.consent(person.id, r.orgs.ngo, 'prison', { dataClasses, purpose: 'post_release_support' });
  const plan = await r.open(
    'prison',
    'pre-release',
    person.id,
    [
      { part: 'probation', organisationId: r.orgs.probation.id },
      { part: 'ngo', organisationId: r.orgs.ngo.id },
    ],
    { releaseDate: '2026-04-15' },
  );
  expect(plan.status, plan.text).toBe(201);
  const id = plan.json.id as string;
  // The NGO writes the patronage plan; the prison later marks the pathway done without a note of its own.
  expect(
    (await r.send('ngo', id, 'PATHWAY_UPDATED', { pathway: 'patronage', status: 'in_progress', organisationId: r.orgs.ngo.id, note: 'Weekly meetings at the NGO office' })).status,
  ).toBe(201);
  expect((await r.send('prison', id, 'PATHWAY_UPDATED', { pathway: 'health_continuity', status: 'done', note: 'OST 60 mg daily from release day' })).status).toBe(201);
  for (const pathway of PATHWAYS.filter((other) => other !== 'health_continuity'))
    expect((await r.send('prison', id, 'PATHWAY_UPDATED', { pathway, status: 'done' })).status).toBe(201);
  return { person, id };
}

async function handoverOf(planId: string, personId: string) {
  const list = await t.request('GET', `/cases?participantId=${personId}&protocol=patronage`, { token: r.tokens.ngo });
  const item = list.json.items.find((candidate: { parentCaseId: string }) => candidate.parentCaseId === planId);
  expect(item).toBeDefined();
  return t.request('GET', `/cases/${item.id}`, { token: r.tokens.ngo });
}

describe('the handover package', () => {
  it('RELEASED opens patronage with the contact phone, release time and address, the NGO’s patronage plan and (under consent) continuity of care', async () => {
    const { person, id } = await planFor('Handova', ['identity', 'contact', 'health', 'social']);
    expect((await r.send('prison', id, 'PLAN_AGREED', {})).status).toBe(201);
    const released = await r.send('prison', id, 'RELEASED', {
      releasedAt: '2026-04-15T09:30:00+05:00',
      releaseAddress: 'Pavlodar, Satpaev st. 12',
      contactPhone: '+7 701 555 0101',
    });
    expect(released.status, released.text).toBe(201);

    const handover = await handoverOf(id, person.id);
    expect(handover.status).toBe(200);
    expect(handover.json.data).toMatchObject({
      contactPhone: '+7 701 555 0101',
      releasedAt: '2026-04-15T09:30:00+05:00',
      releaseDate: '2026-04-15',
      releaseAddressPlan: 'Pavlodar, Satpaev st. 12',
      patronagePlan: 'Weekly meetings at the NGO office',
      continuityOfCare: 'OST 60 mg daily from release day',
    });
    expect(handover.json.dataWithheld).toBe(false);
  });

  it('without a consent covering health, the NGO gets the package but not the continuity of care', async () => {
    const { person, id } = await planFor('Partova', ['identity', 'contact', 'social']);
    expect((await r.send('prison', id, 'PLAN_AGREED', {})).status).toBe(201);
    expect(
      (await r.send('prison', id, 'RELEASED', { releasedAt: '2026-04-15T09:30:00+05:00', releaseAddress: 'Pavlodar, Toraigyrov st. 7', contactPhone: '+7 701 555 0102' })).status,
    ).toBe(201);
    const handover = await handoverOf(id, person.id);
    expect(handover.json.data).toMatchObject({ contactPhone: '+7 701 555 0102', patronagePlan: 'Weekly meetings at the NGO office' });
    expect(handover.json.data).not.toHaveProperty('continuityOfCare');
    expect(handover.json.dataWithheld).toBe(true);
    expect(handover.text).not.toContain('OST 60 mg');
  });

  it('RELEASED_WITHOUT_PLAN carries the contact phone too; a malformed phone is refused', async () => {
    const { person, id } = await planFor('Unplanova', ['identity', 'contact', 'health', 'social']);
    const bad = await r.send('prison', id, 'RELEASED_WITHOUT_PLAN', { releasedAt: '2026-04-10T09:00:00+05:00', reason: 'Early release by court', contactPhone: 'call the sister' });
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toContainEqual(expect.objectContaining({ path: 'body.data.contactPhone' }));
    const released = await r.send('prison', id, 'RELEASED_WITHOUT_PLAN', {
      releasedAt: '2026-04-10T09:00:00+05:00',
      reason: 'Early release by court',
      contactPhone: '+7 701 555 0103',
    });
    expect(released.status, released.text).toBe(201);
    const handover = await handoverOf(id, person.id);
    expect(handover.json.data).toMatchObject({ contactPhone: '+7 701 555 0103', releasedAt: '2026-04-10T09:00:00+05:00', patronagePlan: 'Weekly meetings at the NGO office' });
  });
});
