import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, breakGlassGrants, deadlines } from '../db/schema.js';
import { writeCheckpoints } from '../src/audit/verify.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

async function courtCase() {
  const person = await r.participant('court', 'Glass');
  await t.request('PATCH', `/participants/${person.id}`, { token: r.tokens.court, body: { note: 'Court note' } });
  const opened = await r.courtOrder(person.id, { caseNumber: 'G-1', orderDate: '2026-03-01', programme: 'ost', durationDays: 90 });
  return { person, caseId: opened.json.id as string };
}

describe('break-glass', () => {
  it('gives the region’s coordinator every class for 4 hours, audited with the reason, and tells the owner', async () => {
    const { person, caseId } = await courtCase();
    expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.coordinator })).status).toBe(404);
    const short = await t.request('POST', `/cases/${caseId}/break-glass`, { token: r.tokens.coordinator, body: { reason: 'urgent' } });
    expect(short.status).toBe(422);
    const granted = await t.request('POST', `/cases/${caseId}/break-glass`, { token: r.tokens.coordinator, body: { reason: 'Overdose risk reported by the family tonight' } });
    expect(granted.status).toBe(201);
    expect(new Date(granted.json.expiresAt).getTime() - new Date(granted.json.grantedAt).getTime()).toBe(4 * 3_600_000);

    const read = await t.request('GET', `/participants/${person.id}`, { token: r.tokens.coordinator });
    expect(read.json.disclosed).toHaveLength(8);
    expect(read.json.disclosed.find((entry: { dataClass: string }) => entry.dataClass === 'health')).toEqual({ dataClass: 'health', basis: 'break_glass' });
    expect(read.json.notes.map((note: { text: string }) => note.text)).toContain('Court note');
    expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.coordinator })).status).toBe(200);

    const [audit] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'case.break_glass'), eq(auditEvents.subjectId, caseId)));
    expect(audit).toMatchObject({ outcome: 'success', purpose: 'Overdose risk reported by the family tonight', basis: 'break_glass' });
    const notices = await t.db
      .select()
      .from(deadlines)
      .where(and(eq(deadlines.caseId, caseId), eq(deadlines.rule, 'break_glass')));
    expect(notices).toEqual([expect.objectContaining({ kind: 'alert', concerns: [r.orgs.court.id] })]);

    t.clock.advance(4 * 3_600_000 + 1000);
    try {
      const after = await t.request('GET', `/participants/${person.id}`, { token: r.tokens.coordinator });
      expect(after.json.disclosed.map((entry: { basis: string }) => entry.basis)).not.toContain('break_glass');
      expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.coordinator })).status).toBe(404);
    } finally {
      t.clock.advance(-(4 * 3_600_000 + 1000));
    }
  });

  it('another region’s coordinator is refused as if the case did not exist, audited, no grant', async () => {
    const { caseId } = await courtCase();
    const elsewhere = await t.organisation('coordinator', { region: 'KZ-AKM' });
    const token = await t.tokenFor(elsewhere, 'coordinator');
    const response = await t.request('POST', `/cases/${caseId}/break-glass`, { token, body: { reason: 'Not my region but curious' } });
    expect(response.status).toBe(404);
    expect(await t.db.select().from(breakGlassGrants).where(eq(breakGlassGrants.organisationId, elsewhere.id))).toEqual([]);
    const [denial] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'case.break_glass'), eq(auditEvents.organisationId, elsewhere.id)));
    expect(denial).toMatchObject({ outcome: 'denied', purpose: 'Not my region but curious' });
  });

  it('lists a person’s cases to the region’s coordinator only (no data, no parties), audited; another region’s coordinator and other roles are refused', async () => {
    const { person, caseId } = await courtCase();
    const listed = await t.request('GET', `/participants/${person.id}/break-glass-cases`, { token: r.tokens.coordinator });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.json.items).toEqual([{ id: caseId, protocol: 'court-ordered-treatment', state: expect.any(String), openedAt: expect.any(String), closedAt: null }]);
    // Listing grants nothing: the case stays closed to the coordinator until break-glass.
    expect((await t.request('GET', `/cases/${caseId}`, { token: r.tokens.coordinator })).status).toBe(404);
    const read = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'participant.break_glass_cases'), eq(auditEvents.participantId, person.id), eq(auditEvents.outcome, 'success')));
    expect(read).toHaveLength(1);

    const karaganda = r.decoys[0]!;
    const elsewhere = karaganda.orgs.coordinator;
    const other = await t.request('GET', `/participants/${person.id}/break-glass-cases`, { token: karaganda.tokens.coordinator });
    expect(other.status).toBe(404);
    const [denial] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'participant.break_glass_cases'), eq(auditEvents.organisationId, elsewhere.id)));
    expect(denial).toMatchObject({ outcome: 'denied', participantId: person.id });
    expect((await t.request('GET', `/participants/${person.id}/break-glass-cases`, { token: r.tokens.court })).status).toBe(403);
    // Bad input: an id that is not one is a clear 422, naming the parameter.
    const malformed = await t.request('GET', '/participants/not-an-id/break-glass-cases', { token: r.tokens.coordinator });
    expect(malformed.status).toBe(422);
    expect(malformed.json.code).toBe('VALIDATION_FAILED');
  });
});

describe('notices about people', () => {
  it('a national id registered twice succeeds and tells the region’s coordinator of a possible duplicate', async () => {
    const body = { identity: { firstName: 'Twin', lastName: 'Record', dateOfBirth: '1980-08-08', nationalId: '800808-DUP' } };
    expect((await t.request('POST', '/participants', { token: r.tokens.prison, body })).status).toBe(201);
    const second = await t.request('POST', '/participants', { token: r.tokens.probation, body: { identity: { ...body.identity, nationalId: '800808dup' } } });
    expect(second.status).toBe(201);
    const queue = await t.request('GET', '/deadlines', { token: r.tokens.coordinator });
    expect(queue.json.items).toContainEqual(expect.objectContaining({ rule: 'possible_duplicate', kind: 'alert', caseId: null, participantReference: second.json.referenceCode }));
    const probationQueue = await t.request('GET', '/deadlines', { token: r.tokens.probation });
    expect(probationQueue.json.items.map((item: { rule: string }) => item.rule)).not.toContain('possible_duplicate');
  });

  it('a consent expiring within 14 days reminds the case owner; revocation voids the reminder', async () => {
    const person = await r.participant('prison', 'Expiring');
    const plan = await r.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-09-01' });
    const consent = await r.consent(person.id, r.orgs.probation, 'prison', { validUntil: '2026-03-10' });
    const [reminder] = await t.db
      .select()
      .from(deadlines)
      .where(eq(deadlines.dedupeKey, `consent:${consent.id}:expiring`));
    expect(reminder).toMatchObject({ rule: 'consent_expiring', caseId: plan.json.id, concerns: [r.orgs.prison.id], status: 'open', dueAt: new Date('2026-02-24T04:00:00.000Z') });
    await t.request('POST', `/consents/${consent.id}/revoke`, { token: r.tokens.prison, body: { reason: 'Asked to stop' } });
    const [voided] = await t.db
      .select()
      .from(deadlines)
      .where(eq(deadlines.dedupeKey, `consent:${consent.id}:expiring`));
    expect(voided?.status).toBe('void');
  });
});

describe('accounting of disclosures and the audit API', () => {
  it('lists every disclosure of a person for the record owner, as JSON and as a printable page', async () => {
    const person = await r.participant('prison', 'Accounted');
    await t.request('GET', `/participants/${person.id}`, { token: r.tokens.prison });
    await t.request('GET', `/participants/${person.id}`, { token: r.tokens.coordinator });
    const report = await t.request('GET', `/participants/${person.id}/disclosures`, { token: r.tokens.prison });
    expect(report.status).toBe(200);
    expect(report.json.items.map((item: { action: string; organisation: { id: string } }) => [item.action, item.organisation.id])).toEqual([
      ['participant.register', r.orgs.prison.id],
      ['participant.read', r.orgs.prison.id],
      ['participant.read', r.orgs.coordinator.id],
    ]);
    expect(report.json.items[2]).toMatchObject({ basis: 'region_coordinator', dataClasses: ['identity', 'custody', 'legal', 'compliance'] });
    const page = await t.request('GET', `/participants/${person.id}/disclosures?format=html`, { token: r.tokens.prison });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain(person.referenceCode);
    expect(page.text).toContain(r.orgs.coordinator.name);
    expect(page.text).not.toContain('Accounted');
    expect((await t.request('GET', `/participants/${person.id}/disclosures`, { token: r.tokens.probation })).status).toBe(404);
  });

  it('pages the disclosures like every other list (?limit=, ?cursor=), none lost or repeated', async () => {
    const person = await r.participant('prison', 'Paged');
    for (let read = 0; read < 4; read += 1) await t.request('GET', `/participants/${person.id}`, { token: r.tokens.prison });
    const all = await t.request('GET', `/participants/${person.id}/disclosures`, { token: r.tokens.prison });
    expect(all.json.items).toHaveLength(5);
    expect(all.json.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; json: { items: { at: string; action: string }[]; nextCursor: string | null } } = await t.request(
        'GET',
        `/participants/${person.id}/disclosures?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: r.tokens.prison },
      );
      expect(page.status).toBe(200);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.items.map((item) => `${item.at}|${item.action}`));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.json.items.map((item: { at: string; action: string }) => `${item.at}|${item.action}`));
    expect((await t.request('GET', `/participants/${person.id}/disclosures?limit=0`, { token: r.tokens.prison })).status).toBe(422);
    // The limits every list has (API.md: default 50, at most 200).
    expect((await t.request('GET', `/participants/${person.id}/disclosures?limit=201`, { token: r.tokens.prison })).status).toBe(422);
    // A cursor of the right shape but not from this list: 422, not a database error.
    const forged = Buffer.from(JSON.stringify(['not a time', 1])).toString('base64url');
    expect((await t.request('GET', `/participants/${person.id}/disclosures?cursor=${forged}`, { token: r.tokens.prison })).status).toBe(422);
    // So for every list sorted by a time and an id: a time that is no time, or an id that is no UUID.
    const cursors = [
      ['not a time', '10000000-0000-4000-8000-000000000001'],
      ['2026-03-02T06:00:00.000Z', 'not-a-uuid'],
    ].map((key) => Buffer.from(JSON.stringify(key)).toString('base64url'));
    for (const path of ['/cases', '/deadlines', '/notifications']) {
      for (const cursor of cursors) expect((await t.request('GET', `${path}?cursor=${cursor}`, { token: r.tokens.prison })).status, `${path} ${cursor}`).toBe(422);
    }
  });

  it('verifies the trail over HTTP and serves its signed checkpoints', async () => {
    const auditor = await t.tokenFor(r.orgs.coordinator, 'auditor');
    await writeCheckpoints(t.db, t.auditSigner, t.clock.now());
    const verified = await t.request('GET', '/audit/verify', { token: auditor });
    expect(verified.json).toMatchObject({ ok: true, legacyRows: 0 });
    expect(verified.json.rows).toBeGreaterThan(10);
    const checkpoints = await t.request('GET', '/audit/checkpoints', { token: auditor });
    expect(checkpoints.json.items.length).toBeGreaterThan(0);
    expect(checkpoints.json.items[0]).toMatchObject({ keyId: t.auditSigner.keyId, signature: expect.any(String) });
    expect((await t.request('GET', '/audit/verify', { token: r.tokens.prison })).status).toBe(403);
  });

  it('a coordinator reads its region’s trail with participant ids; the reading is itself audited', async () => {
    const list = await t.request('GET', '/audit?outcome=denied&limit=5', { token: r.tokens.coordinator });
    expect(list.status).toBe(200);
    expect(list.json.items.every((item: { outcome: string }) => item.outcome === 'denied')).toBe(true);
    const reads = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'audit.read'), eq(auditEvents.organisationId, r.orgs.coordinator.id)));
    expect(reads.length).toBeGreaterThan(0);
  });
});
