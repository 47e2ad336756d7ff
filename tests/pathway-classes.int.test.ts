import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../protocols/index.js';
import { redactCaseData, redactEventData } from '../src/access/redaction.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * docs/DOMAIN.md, "3. pre-release" (issue 15 item 5): each pre-release pathway has the data class
 * of its content. Accommodation, employment and education, family, finance and benefits, and
 * patronage are `social`; identity documents are `identity`; health continuity is `health`.
 */
let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

const preRelease = PROTOCOLS['pre-release']!;
const NOTES: Record<string, string> = {
  accommodation: 'Room at the shelter on Lenin st.',
  identity_documents: 'Passport renewal applied for',
  health_continuity: 'OST 60 mg daily from release day',
  employment_education: 'Welding course in Pavlodar',
  family: 'Sister in Ekibastuz',
  finance_benefits: 'Disability benefit claim',
  patronage: 'Weekly meetings at the NGO office',
};
const CLASS_OF: Record<string, string> = {
  accommodation: 'social',
  identity_documents: 'identity',
  health_continuity: 'health',
  employment_education: 'social',
  family: 'social',
  finance_benefits: 'social',
  patronage: 'social',
};

describe('the data class of each pre-release pathway', () => {
  it('an organisation seeing social but not identity cannot read the identity-documents note; it reads the social pathways', () => {
    const pathways = Object.fromEntries(Object.entries(NOTES).map(([name, note]) => [name, { status: 'in_progress', note }]));
    const social = new Set(['social'] as const);
    const redacted = redactCaseData(preRelease, { releaseDate: '2026-09-01', pathways }, social);
    expect(Object.keys(redacted.value.pathways as object).sort()).toEqual(['accommodation', 'employment_education', 'family', 'finance_benefits', 'patronage']);
    expect(JSON.stringify(redacted.value)).not.toContain('Passport');
    expect(redacted.withheld).toBe(true);
    for (const [pathway, note] of Object.entries(NOTES)) {
      const event = redactEventData(preRelease, 'PATHWAY_UPDATED', { pathway, status: 'in_progress', note }, social);
      expect(event.value, pathway).toEqual(CLASS_OF[pathway] === 'social' ? { pathway, status: 'in_progress', note } : {});
      const own = redactEventData(preRelease, 'PATHWAY_UPDATED', { pathway, status: 'in_progress', note }, new Set([CLASS_OF[pathway] as 'social']));
      expect(own.shown, pathway).toEqual(new Set([CLASS_OF[pathway]]));
    }
  });

  it('the NGO (identity by its part, no consent for social or health) reads the identity-documents pathway, not the social or health ones', async () => {
    const person = await r.participant('prison', 'Pathwaya');
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
    for (const [pathway, note] of Object.entries(NOTES))
      expect((await r.send('prison', plan.json.id, 'PATHWAY_UPDATED', { pathway, status: 'in_progress', note })).status).toBe(201);

    const read = await t.request('GET', `/cases/${plan.json.id}`, { token: r.tokens.ngo });
    expect(read.status).toBe(200);
    expect(read.json.data.pathways).toEqual({ identity_documents: { status: 'in_progress', note: NOTES.identity_documents } });
    expect(read.json.dataWithheld).toBe(true);
    const history = await t.request('GET', `/cases/${plan.json.id}/events`, { token: r.tokens.ngo });
    const updates = (history.json.items as { type: string; data: Record<string, unknown>; dataWithheld: boolean }[]).filter((item) => item.type === 'PATHWAY_UPDATED');
    expect(updates).toHaveLength(7);
    expect(updates.filter((item) => !item.dataWithheld).map((item) => item.data)).toEqual([
      { pathway: 'identity_documents', status: 'in_progress', note: NOTES.identity_documents },
    ]);
    for (const [pathway, note] of Object.entries(NOTES)) if (pathway !== 'identity_documents') expect(history.text + read.text).not.toContain(note);

    // Probation sees social by its part, health only under a consent: every pathway but health continuity.
    const probation = await t.request('GET', `/cases/${plan.json.id}`, { token: r.tokens.probation });
    expect(Object.keys(probation.json.data.pathways).sort()).toEqual(['accommodation', 'employment_education', 'family', 'finance_benefits', 'identity_documents', 'patronage']);
  });
});
