import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, caseAssignees } from '../db/schema.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type BuiltRegion, type Region } from './helpers/region.js';

/**
 * A named caseworker per organisation on a case, and "my cases" (issue 16 item 6). The
 * organisation's caseworkers are the token subjects the service has seen for it in a role that
 * works with people; each party names only its own; an organisation not on the case gets 404.
 */
let t: TestContext;
let r: Region;
let karaganda: BuiltRegion;
let caseId: string;
let participantId: string;
let anna: string;
let boss: string;
let otto: string;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  karaganda = r.decoys[0]!;
  anna = await t.tokenFor(r.orgs.prison, 'prison_staff', { sub: 'anna@prison', name: 'Anna Kim' });
  boss = await t.tokenFor(r.orgs.prison, 'prison_staff', { sub: 'boss@prison', name: 'Boris Lee' });
  otto = await t.tokenFor(r.orgs.probation, 'probation_officer', { sub: 'otto@probation', name: 'Otto Park' });
  for (const token of [anna, boss, otto]) expect((await t.request('GET', '/me', { token })).status).toBe(200);
  const person = await r.participant('prison', 'Assigned');
  participantId = person.id;
  const plan = await r.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-09-01' });
  expect(plan.status, plan.text).toBe(201);
  caseId = plan.json.id;
});
afterAll(() => t.close());

const assign = (token: string, sub: string, id = caseId, requestId?: string) =>
  t.request('PUT', `/cases/${id}/assignee`, { token, body: { sub }, ...(requestId ? { headers: { 'x-request-id': requestId } } : {}) });
const myCases = async (token: string) => ((await t.request('GET', '/cases?assignee=me', { token })).json.items as { id: string }[]).map((item) => item.id);

describe('the organisation’s caseworkers', () => {
  it('are the people seen with a token for it, by name; not another organisation’s, not an admin', async () => {
    await t.request('GET', '/me', { token: await t.tokenFor(r.orgs.prison, 'admin', { sub: 'admin@prison', name: 'Ada Admin' }) });
    const listed = await t.request('GET', '/caseworkers', { token: boss });
    expect(listed.status, listed.text).toBe(200);
    const subs = listed.json.items.map((item: { sub: string }) => item.sub);
    expect(subs).toEqual(expect.arrayContaining(['anna@prison', 'boss@prison']));
    expect(subs).not.toContain('otto@probation');
    expect(subs).not.toContain('admin@prison');
    expect(listed.json.items.find((item: { sub: string }) => item.sub === 'anna@prison')).toMatchObject({ name: 'Anna Kim', roles: ['prison_staff'] });
    const names = listed.json.items.map((item: { name: string | null; sub: string }) => (item.name ?? item.sub).toLowerCase());
    expect(names).toEqual([...names].sort());
  });

  it('a new name in the token is the name from the next request', async () => {
    const renamed = await t.tokenFor(r.orgs.prison, 'prison_staff', { sub: 'anna@prison', name: 'Anna Kim-Li' });
    await t.request('GET', '/me', { token: renamed });
    const listed = await t.request('GET', '/caseworkers', { token: boss });
    expect(listed.json.items.find((item: { sub: string }) => item.sub === 'anna@prison').name).toBe('Anna Kim-Li');
    await t.request('GET', '/me', { token: anna });
  });
});

describe('assigning a case', () => {
  it('names one of the organisation’s caseworkers, audited; the case shows it to that organisation only; it is in her cases', async () => {
    const response = await assign(boss, 'anna@prison', caseId, 'assign-1');
    expect(response.status, response.text).toBe(200);
    expect(response.json).toEqual({ caseId, assignee: { sub: 'anna@prison', name: 'Anna Kim' } });
    expect((await t.request('GET', `/cases/${caseId}`, { token: boss })).json.assignee).toEqual({ sub: 'anna@prison', name: 'Anna Kim' });
    expect((await t.request('GET', `/cases/${caseId}`, { token: otto })).json.assignee).toBeNull();
    expect(await myCases(anna)).toEqual([caseId]);
    expect(await myCases(boss)).toEqual([]);
    expect(await t.db.select().from(auditEvents).where(eq(auditEvents.requestId, 'assign-1'))).toEqual([
      expect.objectContaining({ action: 'case.assign', subjectId: caseId, participantId, organisationId: r.orgs.prison.id, actorSub: 'boss@prison', outcome: 'success' }),
    ]);
  });

  it('each party names its own: probation assigns its officer without touching the prison’s', async () => {
    expect((await assign(otto, 'otto@probation')).json.assignee).toEqual({ sub: 'otto@probation', name: 'Otto Park' });
    expect(await myCases(otto)).toEqual([caseId]);
    expect((await t.request('GET', `/cases/${caseId}`, { token: anna })).json.assignee.sub).toBe('anna@prison');
  });

  it('refuses someone who is not one of the caller organisation’s caseworkers (422), writing nothing', async () => {
    const before = await t.db.select().from(caseAssignees);
    for (const sub of ['otto@probation', 'nobody@prison', 'admin@prison']) {
      const response = await assign(boss, sub);
      expect(response.status, sub).toBe(422);
      expect(response.json.errors).toEqual([expect.objectContaining({ path: 'body.sub' })]);
    }
    expect(await t.db.select().from(caseAssignees)).toEqual(before);
  });

  it('an organisation not on the case, in this region or another, gets 404, audited, and nothing changes', async () => {
    const before = await t.db.select().from(caseAssignees);
    const intruders = [
      [r.orgs.prison2, 'prison_staff'],
      [karaganda.orgs.prison, 'prison_staff'],
    ] as const;
    for (const [org, role] of intruders) {
      const token = await t.tokenFor(org, role, { sub: `mole@${org.id}` });
      await t.request('GET', '/me', { token });
      const response = await assign(token, `mole@${org.id}`, caseId, `mole-${org.id}`);
      expect(response.status).toBe(404);
      expect(await myCases(token)).toEqual([]);
      const denied = await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.requestId, `mole-${org.id}`), eq(auditEvents.outcome, 'denied')));
      expect(denied).toEqual([expect.objectContaining({ action: 'case.assign', subjectId: caseId, participantId })]);
    }
    expect(await t.db.select().from(caseAssignees)).toEqual(before);
    // An unknown case is the same 404.
    expect((await assign(boss, 'anna@prison', '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b')).status).toBe(404);
  });

  it('clearing the assignment takes the case out of her cases, audited', async () => {
    const cleared = await t.request('DELETE', `/cases/${caseId}/assignee`, { token: boss, headers: { 'x-request-id': 'unassign-1' } });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.json).toEqual({ caseId, assignee: null });
    expect(await myCases(anna)).toEqual([]);
    expect(await myCases(otto)).toEqual([caseId]);
    expect(await t.db.select().from(auditEvents).where(eq(auditEvents.requestId, 'unassign-1'))).toEqual([
      expect.objectContaining({ action: 'case.unassign', outcome: 'success' }),
    ]);
  });

  it('bad input is 422: an empty subject, an unknown field, an assignee filter other than me', async () => {
    expect((await t.request('PUT', `/cases/${caseId}/assignee`, { token: boss, body: { sub: '' } })).status).toBe(422);
    expect((await t.request('PUT', `/cases/${caseId}/assignee`, { token: boss, body: { sub: 'anna@prison', note: 'x' } })).status).toBe(422);
    expect((await t.request('GET', '/cases?assignee=anna@prison', { token: boss })).status).toBe(422);
  });
});
