import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, caseEvents, cases, organisations, participants } from '../db/schema.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * DOMAIN.md, "Denials": every denial (403 for a role never allowed, 404 out of scope, an event
 * refused because the caller's part may not send it) is audited with the participant when
 * known, and the region's coordinator lists the denials about its region's people. Each test
 * also proves the denied request changed nothing.
 */
let t: TestContext;
let r: Region;
let elsewhereToken: string;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  // A region in another country, with its own coordinator: the test world's KG-C decoy.
  const elsewhere = r.decoys.find((decoy) => decoy.orgs.coordinator?.region === 'KG-C');
  if (!elsewhere) throw new Error('the test world has no KG-C coordinator');
  elsewhereToken = elsewhere.tokens.coordinator;
});
afterAll(() => t.close());

async function denialsOf(organisationId: string, requestId: string) {
  return t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.organisationId, organisationId), eq(auditEvents.requestId, requestId), eq(auditEvents.outcome, 'denied')));
}

async function courtCase(name: string) {
  const person = await r.participant('court', name);
  const opened = await r.open(
    'court',
    'court-ordered-treatment',
    person.id,
    [
      { part: 'probation', organisationId: r.orgs.probation.id },
      { part: 'provider', organisationId: r.orgs.provider.id },
    ],
    { caseNumber: `D-${name}`, orderDate: '2026-03-01', programme: 'ost', durationDays: 90 },
  );
  expect(opened.status).toBe(201);
  return { person, caseId: opened.json.id as string };
}

describe('every denial is audited', () => {
  it('a judge creating an organisation (403) leaves an audit row and no organisation', async () => {
    const before = await t.count(organisations);
    const response = await t.request('POST', '/organisations', {
      token: r.tokens.court,
      headers: { 'x-request-id': 'deny-org' },
      body: { kind: 'ngo', name: 'Probe NGO', country: 'KZ', region: 'KZ-PAV', notificationEmails: ['probe@example.org'] },
    });
    expect(response.status).toBe(403);
    expect(await t.count(organisations)).toBe(before);
    const rows = await denialsOf(r.orgs.court.id, 'deny-org');
    expect(rows).toEqual([
      expect.objectContaining({ outcome: 'denied', action: 'route.forbidden', subjectType: 'route', subjectId: 'POST /organisations', participantId: null, roles: ['judge'] }),
    ]);
  });

  it('a 403 on a person’s route names the person', async () => {
    const person = await r.participant('prison', 'Audited');
    const auditor = await t.tokenFor(r.orgs.coordinator, 'auditor');
    const response = await t.request('GET', `/participants/${person.id}`, { token: auditor, headers: { 'x-request-id': 'deny-auditor' } });
    expect(response.status).toBe(403);
    expect(await denialsOf(r.orgs.coordinator.id, 'deny-auditor')).toEqual([
      expect.objectContaining({ action: 'route.forbidden', subjectId: 'GET /participants/:id', participantId: person.id }),
    ]);
  });

  it('an event refused for the caller’s part leaves an audit row with the participant, and the case unchanged', async () => {
    const { person, caseId } = await courtCase('Refused');
    const [before] = await t.db.select().from(cases).where(eq(cases.id, caseId));
    const eventsBefore = await t.count(caseEvents);
    const response = await t.request('POST', `/cases/${caseId}/events`, {
      token: r.tokens.court,
      headers: { 'x-request-id': 'deny-part' },
      body: {
        type: 'INTAKE_RECORDED',
        data: { assessmentDate: '2026-03-02', rehabilitationPlan: 'A plan the court may not write', consentToTreatment: true },
        expectedVersion: before!.version,
      },
    });
    expect(response.status).toBe(422);
    expect(response.json.code).toBe('EVENT_NOT_ALLOWED');
    const [after] = await t.db.select().from(cases).where(eq(cases.id, caseId));
    expect(after).toEqual(before);
    expect(await t.count(caseEvents)).toBe(eventsBefore);
    expect(await denialsOf(r.orgs.court.id, 'deny-part')).toEqual([
      expect.objectContaining({ action: 'case.event.INTAKE_RECORDED', subjectType: 'case', subjectId: caseId, participantId: person.id, outcome: 'denied' }),
    ]);
  });

  it('an event refused for another reason (wrong state) is a business refusal, not a denial', async () => {
    const { caseId } = await courtCase('WrongState');
    const response = await r.send('provider', caseId, 'TREATMENT_COMPLETED', { date: '2026-03-02' });
    expect(response.status).toBe(422);
    expect(
      await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.subjectId, caseId), eq(auditEvents.outcome, 'denied'))),
    ).toEqual([]);
  });

  it('a 404 out-of-scope read of a person leaves an audit row with the participant', async () => {
    const person = await r.participant('prison', 'Hidden');
    const response = await t.request('GET', `/participants/${person.id}`, { token: r.tokens.ngo2, headers: { 'x-request-id': 'deny-read' } });
    expect(response.status).toBe(404);
    expect(await denialsOf(r.orgs.ngo2.id, 'deny-read')).toEqual([expect.objectContaining({ action: 'participant.read', participantId: person.id })]);
  });

  it('a 404 for an id that is no one’s names no participant', async () => {
    const response = await t.request('GET', '/participants/3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b', { token: r.tokens.ngo2, headers: { 'x-request-id': 'deny-nobody' } });
    expect(response.status).toBe(404);
    expect(await denialsOf(r.orgs.ngo2.id, 'deny-nobody')).toEqual([expect.objectContaining({ action: 'participant.read', participantId: null })]);
  });

  it('another region’s coordinator reading a case (404) is audited with the case’s participant', async () => {
    const { person, caseId } = await courtCase('CaseProbe');
    const response = await t.request('GET', `/cases/${caseId}`, { token: elsewhereToken, headers: { 'x-request-id': 'deny-case' } });
    expect(response.status).toBe(404);
    const [row] = await t.db.select().from(auditEvents).where(eq(auditEvents.requestId, 'deny-case'));
    expect(row).toMatchObject({ action: 'case.read', outcome: 'denied', participantId: person.id });
  });
});

describe('GET /audit/denials', () => {
  it('the coordinator of the person’s region sees who probed them; another region’s coordinator does not', async () => {
    const person = await r.participant('prison', 'Probed');
    expect((await t.request('GET', `/participants/${person.id}`, { token: r.tokens.ngo, headers: { 'x-request-id': 'probe-1' } })).status).toBe(404);
    expect((await t.request('GET', `/participants/${person.id}`, { token: elsewhereToken, headers: { 'x-request-id': 'probe-2' } })).status).toBe(404);

    const own = await t.request('GET', '/audit/denials?limit=200', { token: r.tokens.coordinator });
    expect(own.status).toBe(200);
    const about = own.json.items.filter((item: { participantId: string }) => item.participantId === person.id);
    expect(about.map((item: { requestId: string; organisationId: string; outcome: string }) => [item.requestId, item.organisationId, item.outcome]).sort()).toEqual([
      ['probe-1', r.orgs.ngo.id, 'denied'],
      ['probe-2', expect.any(String), 'denied'],
    ]);
    expect(own.json.items.every((item: { outcome: string }) => item.outcome === 'denied')).toBe(true);

    const other = await t.request('GET', '/audit/denials?limit=200', { token: elsewhereToken });
    expect(other.status).toBe(200);
    expect(other.json.items.map((item: { participantId: string | null }) => item.participantId)).not.toContain(person.id);
    // Every row the other coordinator sees is about a person of its own region (here: none).
    const regionOf = new Map((await t.db.select({ id: participants.id, region: participants.region }).from(participants)).map((row) => [row.id, row.region]));
    for (const item of other.json.items as { participantId: string }[]) expect(regionOf.get(item.participantId)).toBe('KG-C');
  });

  it('pages with a cursor, newest first', async () => {
    const person = await r.participant('prison', 'Paged');
    for (const n of [1, 2, 3]) await t.request('GET', `/participants/${person.id}`, { token: r.tokens.house, headers: { 'x-request-id': `page-${n}` } });
    const first = await t.request('GET', `/audit/denials?participantId=${person.id}&limit=2`, { token: r.tokens.coordinator });
    expect(first.json.items.map((item: { requestId: string }) => item.requestId)).toEqual(['page-3', 'page-2']);
    const second = await t.request('GET', `/audit/denials?participantId=${person.id}&limit=2&cursor=${encodeURIComponent(first.json.nextCursor)}`, { token: r.tokens.coordinator });
    expect(second.json.items.map((item: { requestId: string }) => item.requestId)).toEqual(['page-1']);
    expect(second.json.nextCursor).toBeNull();
  });

  it('is for coordinators only: an auditor gets 403, itself audited', async () => {
    const auditor = await t.tokenFor(r.orgs.coordinator, 'auditor');
    const response = await t.request('GET', '/audit/denials', { token: auditor, headers: { 'x-request-id': 'deny-denials' } });
    expect(response.status).toBe(403);
    expect(await denialsOf(r.orgs.coordinator.id, 'deny-denials')).toHaveLength(1);
  });
});
