import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, notifications } from '../db/schema.js';
import { materialiseDue } from '../notifications/outbox.js';
import { createTestContext, TEST_NOW, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * What a hostile review of the trust rules found (each failed before its fix): an upper-case
 * organisation id slipping past the self-consent check, denials written without their person
 * or not at all, and a former party getting the person back by opening a new case.
 */
let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

const DAY = 86_400_000;
const CONSENT = { purpose: 'court_supervision', validFrom: '2026-01-01', validUntil: '2027-12-31', signedMethod: 'written', witness: 'Officer Reviewa', textVersion: 'v1' };

async function courtOrderWithNgo() {
  const registered = await t.request('POST', '/participants', {
    token: r.tokens.court,
    body: { identity: { firstName: 'Upper', lastName: 'Casova', dateOfBirth: '1989-02-02' }, health: { diagnosis: 'opioid use disorder' } },
  });
  const person = registered.json as { id: string; referenceCode: string };
  await r.consent(person.id, r.orgs.ngo, 'court', { dataClasses: ['identity'] });
  const opened = await r.open(
    'court',
    'court-ordered-treatment',
    person.id,
    [
      { part: 'probation', organisationId: r.orgs.probation.id },
      { part: 'provider', organisationId: r.orgs.provider.id },
      { part: 'ngo', organisationId: r.orgs.ngo.id },
    ],
    { caseNumber: 'R-13', orderDate: '2026-03-01', programme: 'ost', durationDays: 180 },
  );
  expect(opened.status, opened.text).toBe(201);
  return { person, caseId: opened.json.id as string };
}

describe('consent attestation', () => {
  it('the named NGO cannot attest its own consent by writing its organisation id in upper case', async () => {
    const { person, caseId } = await courtOrderWithNgo();
    const before = await t.request('GET', `/participants/${person.id}`, { token: r.tokens.ngo });
    expect('health' in before.json).toBe(false);
    const recorded = await t.request('POST', `/participants/${person.id}/consents`, {
      token: r.tokens.ngo,
      body: { ...CONSENT, organisationId: r.orgs.ngo.id.toUpperCase(), dataClasses: ['health', 'notes'], caseId },
    });
    expect(recorded.status, `${recorded.text}\n${t.logger.lines.filter((line) => line.includes(recorded.json?.requestId ?? '-')).join('\n')}`).toBe(201);
    // It names the NGO itself, so it must be a pending proposal.
    expect(recorded.json.organisationId).toBe(r.orgs.ngo.id);
    expect(recorded.json).toMatchObject({ status: 'pending', proposed: true, validNow: false });
    const after = await t.request('GET', `/participants/${person.id}`, { token: r.tokens.ngo });
    expect('health' in after.json).toBe(false);
    // And the court could not revoke it (criminal-justice): only void.
  });
});

describe('denials', () => {
  it('a confirm or void by an organisation outside the person’s cases is audited with the participant', async () => {
    const { person, caseId } = await courtOrderWithNgo();
    const proposal = await t.request('POST', `/participants/${person.id}/consents`, {
      token: r.tokens.ngo,
      body: { ...CONSENT, organisationId: r.orgs.ngo.id, dataClasses: ['health'], caseId },
    });
    expect(proposal.status).toBe(201);
    const stranger = r.decoys[1]!.tokens.ngo;
    expect((await t.request('POST', `/consents/${proposal.json.id}/confirm`, { token: stranger })).status).toBe(404);
    expect((await t.request('POST', `/consents/${proposal.json.id}/void`, { token: stranger, body: { reason: 'Probing you' } })).status).toBe(404);
    const rows = await t.db
      .select({ action: auditEvents.action, participantId: auditEvents.participantId })
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, proposal.json.id), eq(auditEvents.outcome, 'denied'), eq(auditEvents.organisationId, r.decoys[1]!.orgs.ngo.id)));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.participantId, row.action).toBe(person.id);
  });

  it('another region’s coordinator asking for a prison’s occupancy is audited', async () => {
    const answer = await t.request('GET', `/organisations/${r.orgs.prison.id}/occupancy`, { token: r.decoys[1]!.tokens.coordinator });
    expect(answer.status).toBe(404);
    const rows = await t.db
      .select({ action: auditEvents.action, subjectId: auditEvents.subjectId })
      .from(auditEvents)
      .where(and(eq(auditEvents.organisationId, r.decoys[1]!.orgs.coordinator.id), eq(auditEvents.outcome, 'denied'), eq(auditEvents.requestId, answer.json.requestId)));
    expect(rows).toEqual([{ action: 'organisation.occupancy', subjectId: r.orgs.prison.id }]);
  });

  it('marking another organisation’s notice read is a 404, audited with the person, and marks nothing', async () => {
    const { person } = await courtOrderWithNgo();
    const proposal = await t.request('POST', `/participants/${person.id}/consents`, {
      token: r.tokens.ngo,
      body: { ...CONSENT, organisationId: r.orgs.ngo.id, dataClasses: ['health'] },
    });
    expect(proposal.status, proposal.text).toBe(201);
    // The court (record owner) is told of the proposal at the next tick; the NGO tries to mark the court's notice read.
    await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });
    const [notice] = (await t.db.select().from(notifications).where(eq(notifications.organisationId, r.orgs.court.id))).filter(
      (row) => row.participantReference === person.referenceCode,
    );
    expect(notice).toBeDefined();
    const answer = await t.request('POST', `/notifications/${notice!.id}/read`, { token: r.tokens.ngo });
    expect(answer.status).toBe(404);
    const [after] = await t.db.select().from(notifications).where(eq(notifications.id, notice!.id));
    expect(after!.readAt).toBeNull();
    const rows = await t.db
      .select({ action: auditEvents.action, subjectId: auditEvents.subjectId })
      .from(auditEvents)
      .where(and(eq(auditEvents.organisationId, r.orgs.ngo.id), eq(auditEvents.outcome, 'denied'), eq(auditEvents.requestId, answer.json.requestId)));
    expect(rows).toEqual([{ action: 'notification.read', subjectId: notice!.id }]);
  });
});

describe('the 90-day window', () => {
  it('a former party cannot get the person back after the window by opening a new case', async () => {
    // The prison owns the record and plans the release with probation; the plan is cancelled (the case closes now).
    const person = await r.participant('prison', 'Reopena');
    const opened = await r.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-09-01' });
    expect(opened.status, opened.text).toBe(201);
    const cancelled = await r.send('prison', opened.json.id, 'CANCELLED', { reason: 'Transferred abroad' });
    expect(cancelled.status, cancelled.text).toBe(201);
    expect(cancelled.json.case.closedAt).not.toBeNull();
    try {
      t.clock.set(new Date(new Date(TEST_NOW).getTime() + 400 * DAY));
      const prison = await t.tokenFor(r.orgs.prison, 'prison_staff');
      const probation = await t.tokenFor(r.orgs.probation, 'probation_officer');
      // The record owner moves the person's address long after the window closed for probation.
      const patched = await t.request('PATCH', `/participants/${person.id}`, { token: prison, body: { contact: { address: 'Secret street 7, Pavlodar' } } });
      expect(patched.status, patched.text).toBe(200);
      expect((await t.request('GET', `/participants/${person.id}`, { token: probation })).status).toBe(404);
      // The former party opens a new referral for the person it can no longer see.
      const reopened = await t.request('POST', '/cases', {
        token: probation,
        body: {
          protocol: 'halfway-house',
          participantId: person.id,
          parties: [{ part: 'halfway_house', organisationId: r.orgs.house.id }],
          data: { expectedArrivalDate: '2027-05-01' },
        },
      });
      const read = await t.request('GET', `/participants/${person.id}`, { token: probation });
      expect({ open: reopened.status, read: read.status, address: read.text.includes('Secret street') }).toEqual({ open: 422, read: 404, address: false });
    } finally {
      t.clock.set(new Date(TEST_NOW));
    }
  });
});

describe('unstorable text outside bodies', () => {
  it('NUL in query strings, repeated query parameters and path segments is refused, never a 500', async () => {
    const token = r.tokens.prison;
    const paths = [
      '/cases?state=a%00b',
      '/cases?state=planning&state=%00',
      '/cases?protocol=pre-release&protocol=%00',
      '/participants?reference=%00',
      '/participants?reference=ABC&reference=%00',
      '/deadlines?status=open&before=%00',
      '/notifications?limit=10&cursor=%00',
      '/cases?cursor=%00',
      '/audit?action=%00',
      '/indicators?table=%00',
      '/calendars/K%00',
      '/organisations?region=%00',
    ];
    const answers: Record<string, number> = {};
    for (const path of paths) answers[path] = (await t.request('GET', path, { token })).status;
    expect(Object.entries(answers).filter(([, status]) => status >= 500)).toEqual([]);
  });
});
