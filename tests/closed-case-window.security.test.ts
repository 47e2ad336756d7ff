import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../db/schema.js';
import { createTestContext, TEST_NOW, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * DOMAIN.md, "The 90-day window": it applies to the case, its history and the person's
 * consents as it does to the person. After it, a former party gets 404 (audited) for each of
 * them, and lists leave them out.
 */
let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

const DAY = 86_400_000;

/** A halfway-house referral the house declines (a final state, so the case closes now), with a consent naming the house. */
async function closedReferral() {
  const person = await r.participant('probation', 'Window');
  const consent = await r.consent(person.id, r.orgs.house, 'probation', { dataClasses: ['health'], purpose: 'housing', witness: 'Witness Windowa' });
  const opened = await r.open('probation', 'halfway-house', person.id, [{ part: 'halfway_house', organisationId: r.orgs.house.id }], { expectedArrivalDate: '2026-04-20' });
  expect(opened.status, opened.text).toBe(201);
  const declined = await r.send('house', opened.json.id, 'DECLINED', { reason: 'Too far from the family' });
  expect(declined.json.case.closedAt).not.toBeNull();
  return { person, caseId: opened.json.id as string, consentId: consent.id };
}

/** Tokens signed now: the clock moves further than a token lives. */
const house = () => t.tokenFor(r.orgs.house, 'halfway_house_staff');
const probation = () => t.tokenFor(r.orgs.probation, 'probation_officer');

async function houseView(personId: string, caseId: string) {
  const token = await house();
  return {
    case: await t.request('GET', `/cases/${caseId}`, { token }),
    history: await t.request('GET', `/cases/${caseId}/events`, { token }),
    listed: await t.request('GET', `/cases?participantId=${personId}`, { token }),
    all: await t.request('GET', '/cases?limit=200', { token }),
    consents: await t.request('GET', `/participants/${personId}/consents`, { token }),
    person: await t.request('GET', `/participants/${personId}`, { token }),
  };
}

describe('the 90-day window after a case closes', () => {
  it('a former party reads the case, its history, the case lists and the person’s consents for 90 days, then gets 404 for each, audited', async () => {
    const { person, caseId, consentId } = await closedReferral();
    try {
      t.clock.advance(89 * DAY);
      const within = await houseView(person.id, caseId);
      expect(within.case.status).toBe(200);
      expect(within.history.status).toBe(200);
      expect(within.listed.json.items.map((item: { id: string }) => item.id)).toEqual([caseId]);
      expect(within.all.json.items.map((item: { id: string }) => item.id)).toContain(caseId);
      expect(within.consents.status).toBe(200);
      expect(within.consents.json.items.map((item: { id: string }) => item.id)).toEqual([consentId]);
      expect(within.person.status).toBe(200);

      t.clock.set(new Date(new Date(TEST_NOW).getTime() + 400 * DAY));
      const after = await houseView(person.id, caseId);
      expect(after.person.status).toBe(404);
      expect(after.case.status).toBe(404);
      expect(after.case.json.code).toBe('NOT_FOUND');
      expect(after.history.status).toBe(404);
      expect(after.consents.status).toBe(404);
      expect(after.consents.text).not.toContain('Windowa');
      expect(after.listed.status).toBe(200);
      expect(after.listed.json.items).toEqual([]);
      expect(after.all.json.items.map((item: { id: string }) => item.id)).not.toContain(caseId);

      const denied = await t.db
        .select({ action: auditEvents.action })
        .from(auditEvents)
        .where(and(eq(auditEvents.organisationId, r.orgs.house.id), eq(auditEvents.outcome, 'denied'), eq(auditEvents.at, t.clock.now())));
      expect(denied.map((row) => row.action)).toEqual(expect.arrayContaining(['case.read', 'case.history', 'consent.list', 'participant.read']));
      // No success row was written for the refused reads.
      const leaked = await t.db
        .select({ action: auditEvents.action })
        .from(auditEvents)
        .where(and(eq(auditEvents.organisationId, r.orgs.house.id), eq(auditEvents.outcome, 'success'), eq(auditEvents.at, t.clock.now())));
      expect(leaked).toEqual([]);

      // The case's owner is a former party too: the window is the same for every party.
      expect((await t.request('GET', `/cases/${caseId}`, { token: await probation() })).status).toBe(404);
      // The record owner keeps the person's consents (DOMAIN.md rule 2 has no window).
      const owner = await t.request('GET', `/participants/${person.id}/consents`, { token: await probation() });
      expect(owner.status).toBe(200);
    } finally {
      t.clock.set(TEST_NOW);
    }
  });

  it('a former party gets the old case back only while it is again a party to one of the person’s cases in the window', async () => {
    const { person, caseId } = await closedReferral();
    try {
      t.clock.set(new Date(new Date(TEST_NOW).getTime() + 400 * DAY));
      expect((await t.request('GET', `/cases/${caseId}`, { token: await house() })).status).toBe(404);
      const again = await t.request('POST', '/cases', {
        token: await probation(),
        body: {
          protocol: 'halfway-house',
          participantId: person.id,
          parties: [{ part: 'halfway_house', organisationId: r.orgs.house.id }],
          data: { expectedArrivalDate: '2027-05-01' },
        },
      });
      expect(again.status, again.text).toBe(201);
      expect((await t.request('GET', `/cases/${caseId}`, { token: await house() })).status).toBe(200);
      expect((await t.request('GET', `/participants/${person.id}/consents`, { token: await house() })).status).toBe(200);
    } finally {
      t.clock.set(TEST_NOW);
    }
  });
});
