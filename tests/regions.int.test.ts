import { and, arrayContains, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, caseParties, cases, deadlines, notifications, organisations, outbox } from '../db/schema.js';
import { materialiseDue } from '../notifications/outbox.js';
import { ADMINS_QUEUE } from '../protocols/model.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { buildRegion, createRegion, type Region } from './helpers/region.js';

/**
 * "The region's coordinator" is the coordinator whose region code equals the person's region,
 * and no other (docs/DOMAIN.md, "Regions").
 */
let t: TestContext;
let r: Region;
let admin: string;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  admin = await t.tokenFor(r.orgs.coordinator, 'admin');
});
afterAll(() => t.close());

const tick = () => materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });

async function queueOf(organisationId: string) {
  return t.db
    .select()
    .from(deadlines)
    .where(arrayContains(deadlines.concerns, [organisationId]));
}

describe('the region’s coordinator', () => {
  it('is the home region’s, even when another region’s coordinator row comes first in a scan (the issue’s reproduction)', async () => {
    // As admin: a coordinator in KG-GB (beside the fixture's decoy regions); then the home coordinator is corrected, so its row moves to the end of the heap.
    const created = await t.request('POST', '/organisations', {
      token: admin,
      body: { kind: 'coordinator', name: 'Bishkek City Commission', country: 'KG', region: 'KG-GB', notificationEmails: ['chui@example.org'] },
    });
    expect(created.status, created.text).toBe(201);
    const foreign = created.json as { id: string };
    const moved = await t.request('PATCH', `/organisations/${r.orgs.coordinator.id}`, { token: admin, body: { notificationEmails: ['home-commission@example.org'] } });
    expect(moved.status, moved.text).toBe(200);
    const foreignToken = await t.tokenFor(foreign, 'coordinator');

    // As the prison: a person, a consent for the NGO, a plan with the NGO, released without a plan.
    const person = await r.participant('prison', 'Zhanarkul');
    await r.consent(person.id, r.orgs.ngo);
    const plan = await r.open(
      'prison',
      'pre-release',
      person.id,
      [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'ngo', organisationId: r.orgs.ngo.id },
      ],
      { releaseDate: '2026-03-20' },
    );
    expect(plan.status, plan.text).toBe(201);
    const released = await r.send('prison', plan.json.id, 'RELEASED_WITHOUT_PLAN', { releasedAt: '2026-03-02T09:00:00+05:00', reason: 'Early release by court' });
    expect(released.status, released.text).toBe(201);

    // The patronage case's coordinator part is the home region's coordinator.
    const [patronage] = await t.db
      .select()
      .from(cases)
      .where(and(eq(cases.participantId, person.id), eq(cases.protocol, 'patronage')));
    expect(patronage).toBeDefined();
    const parties = await t.db.select().from(caseParties).where(eq(caseParties.caseId, patronage!.id));
    expect(parties.filter((party) => party.part === 'coordinator').map((party) => party.organisationId)).toEqual([r.orgs.coordinator.id]);

    // The escalation goes home; the foreign coordinator has nothing in its queue, inbox or outbox, now or after 48 hours.
    expect((await r.deadlinesOf(plan.json.id)).filter((row) => row.kind === 'alert')).toEqual([
      expect.objectContaining({ rule: 'released_without_plan', concerns: [r.orgs.coordinator.id] }),
    ]);
    await tick();
    t.clock.advance(49 * 3_600_000);
    try {
      await tick();
      const overdue = (await r.deadlinesOf(patronage!.id)).find((row) => row.rule === 'acknowledgement_overdue');
      expect(overdue).toMatchObject({ status: 'fired', concerns: [r.orgs.coordinator.id] });
      expect(await queueOf(foreign.id)).toEqual([]);
      expect(await t.db.select().from(notifications).where(eq(notifications.organisationId, foreign.id))).toEqual([]);
      expect(await t.db.select().from(outbox).where(eq(outbox.organisationId, foreign.id))).toEqual([]);
      const homeMail = await t.db.select().from(outbox).where(eq(outbox.organisationId, r.orgs.coordinator.id));
      expect(homeMail.map((row) => row.rule).sort()).toEqual(['acknowledgement_overdue', 'released_without_plan']);
      expect(homeMail.every((row) => row.toAddresses.join() === 'home-commission@example.org')).toBe(true);
      expect((await t.request('GET', '/deadlines', { token: foreignToken })).json.items).toEqual([]);
    } finally {
      t.clock.advance(-49 * 3_600_000);
    }

    // The foreign coordinator may not read the person: 404, audited as a denial.
    const read = await t.request('GET', `/participants/${person.id}`, { token: foreignToken });
    expect(read.status).toBe(404);
    expect(read.text).not.toContain('Zhanarkul');
    const denials = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.organisationId, foreign.id), eq(auditEvents.action, 'participant.read')));
    expect(denials.map((row) => row.outcome)).toEqual(['denied']);
    // The home coordinator may: it is the patronage case's coordinator part.
    const home = await t.request('GET', `/participants/${person.id}`, { token: r.tokens.coordinator });
    expect(home.status).toBe(200);
    expect(home.json.disclosed).toContainEqual({ dataClass: 'identity', basis: 'party' });
  });
});

describe('a region without a coordinator', () => {
  it('escalates to the admins’ work queue, never to another region’s coordinator', async () => {
    const orphan = await buildRegion(t, { country: 'KZ', region: 'KZ-AKT', coordinator: false });
    expect(orphan.orgs.coordinator).toBeUndefined();
    const adminToken = await t.tokenFor(orphan.orgs.court, 'admin');
    const coordinators = await t.db.select().from(organisations).where(eq(organisations.kind, 'coordinator'));
    expect(coordinators.length).toBeGreaterThanOrEqual(3);

    // A plan still open 2 working days before release escalates; released without a plan, with the NGO named.
    const person = await orphan.participant('prison', 'Orphaned');
    await orphan.consent(person.id, orphan.orgs.ngo);
    const plan = await orphan.open(
      'prison',
      'pre-release',
      person.id,
      [
        { part: 'probation', organisationId: orphan.orgs.probation.id },
        { part: 'ngo', organisationId: orphan.orgs.ngo.id },
      ],
      { releaseDate: '2026-03-05' },
    );
    expect(plan.status, plan.text).toBe(201);
    expect((await orphan.deadlinesOf(plan.json.id)).find((row) => row.rule === 'planning_escalation')).toMatchObject({ status: 'open', concerns: [ADMINS_QUEUE] });
    const released = await orphan.send('prison', plan.json.id, 'RELEASED_WITHOUT_PLAN', { releasedAt: '2026-03-02T09:00:00+05:00', reason: 'Early release by court' });
    expect(released.status, released.text).toBe(201);

    // The patronage case opens without a coordinator part; its escalation is the admins'.
    const [patronage] = await t.db
      .select()
      .from(cases)
      .where(and(eq(cases.participantId, person.id), eq(cases.protocol, 'patronage')));
    expect(patronage).toBeDefined();
    const parties = await t.db.select().from(caseParties).where(eq(caseParties.caseId, patronage!.id));
    expect(parties.map((party) => party.part).sort()).toEqual(['ngo', 'sender']);
    expect((await orphan.deadlinesOf(patronage!.id)).find((row) => row.rule === 'acknowledgement_overdue')).toMatchObject({ kind: 'escalation', concerns: [ADMINS_QUEUE] });

    const adminQueue = async () =>
      ((await t.request('GET', '/deadlines?limit=200', { token: adminToken })).json.items as { rule: string; participantReference: string; kind: string }[]).filter(
        (item) => item.participantReference === person.referenceCode,
      );
    expect((await adminQueue()).map((item) => `${item.kind}:${item.rule}`).sort()).toEqual(['alert:released_without_plan', 'escalation:acknowledgement_overdue']);

    // The tick sends them to no inbox and no address, and the admins still see them: their queue has no inbox.
    t.clock.advance(49 * 3_600_000);
    try {
      await tick();
      expect((await adminQueue()).map((item) => `${item.kind}:${item.rule}`).sort()).toEqual(['alert:released_without_plan', 'escalation:acknowledgement_overdue']);
    } finally {
      t.clock.advance(-49 * 3_600_000);
    }
    const rows = await t.db.select().from(deadlines).where(eq(deadlines.participantId, person.id));
    for (const coordinator of coordinators) {
      expect(
        rows.filter((row) => row.concerns.includes(coordinator.id)),
        coordinator.region,
      ).toEqual([]);
      const token = await t.tokenFor(coordinator, 'coordinator');
      const queue = (await t.request('GET', '/deadlines?limit=200', { token })).json.items as { participantReference: string }[];
      expect(
        queue.filter((item) => item.participantReference === person.referenceCode),
        coordinator.region,
      ).toEqual([]);
      expect(
        await t.db
          .select()
          .from(notifications)
          .where(and(eq(notifications.organisationId, coordinator.id), eq(notifications.participantReference, person.referenceCode))),
      ).toEqual([]);
    }
    const mail = await t.db
      .select()
      .from(outbox)
      .where(
        inArray(
          outbox.deadlineId,
          rows.map((row) => row.id),
        ),
      );
    expect(mail.map((row) => row.organisationId).filter((id) => coordinators.some((coordinator) => coordinator.id === id))).toEqual([]);
    // Staff without the admin role do not hold the admins' queue.
    const prisonQueue = (await t.request('GET', '/deadlines?limit=200', { token: orphan.tokens.prison })).json.items as { rule: string }[];
    expect(prisonQueue.map((item) => item.rule)).not.toContain('acknowledgement_overdue');
  });
});
