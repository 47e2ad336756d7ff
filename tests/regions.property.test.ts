import { and, eq, gt, inArray } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, breakGlassGrants, caseParties, cases, deadlines, notifications, outbox } from '../db/schema.js';
import { materialiseDue } from '../notifications/outbox.js';
import { ADMINS_QUEUE } from '../protocols/model.js';
import type { Country } from '../src/domain.js';
import { createTestContext, TEST_NOW, type TestContext } from './helpers/context.js';
import { buildRegion, type BuiltRegion } from './helpers/region.js';

/**
 * Over random worlds of two to four regions in up to three countries (time zones UTC+5 and
 * UTC+6), some without a coordinator, built in a random order, with the person in a random
 * region and a random set of protocol paths that raise escalations, alerts, e-mails,
 * disclosures and break-glass: every one of them lands in the person's own region (or, where
 * it has no coordinator, in the admins' queue), never in another region.
 */
const RUNS = 20;

let t: TestContext;
let admin: string;
let run = 0;

beforeAll(async () => {
  t = await createTestContext();
  // An admin of an organisation outside every generated region.
  admin = await t.tokenFor(await t.organisation('court', { region: 'KZ-ZZZ' }), 'admin');
});
afterAll(() => t.close());

type Path = 'released_without_plan' | 'planning_escalation' | 'referral_undecided' | 'break_glass';
const PATHS: Path[] = ['released_without_plan', 'planning_escalation', 'referral_undecided', 'break_glass'];

const regionArb = fc.record({
  country: fc.constantFrom<Country>('KZ', 'KG', 'UZ'),
  coordinator: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
});
const worldArb = fc.record({
  regions: fc.array(regionArb, { minLength: 2, maxLength: 4 }).filter((regions) => new Set(regions.map((region) => region.country)).size >= 2),
  home: fc.nat(),
  /** The home region is built at this position among the others (0: first, so decoys come after). */
  homePosition: fc.nat(),
  paths: fc.subarray(PATHS, { minLength: 1 }),
});

type World = typeof worldArb extends fc.Arbitrary<infer W> ? W : never;

async function buildWorld(world: World) {
  run += 1;
  const specs = world.regions.map((region, index) => ({ country: region.country, region: `${region.country}-W${run}R${index}`, coordinator: region.coordinator }));
  const homeIndex = world.home % specs.length;
  const others = specs.filter((_, index) => index !== homeIndex);
  const order = [...others];
  order.splice(world.homePosition % (others.length + 1), 0, specs[homeIndex]!);
  const built = new Map<string, BuiltRegion>();
  for (const spec of order) built.set(spec.region, await buildRegion(t, spec));
  const home = built.get(specs[homeIndex]!.region)!;
  return { home, decoys: others.map((spec) => built.get(spec.region)!) };
}

/** Drives the chosen paths in the home region; returns the people involved. */
async function drive(home: BuiltRegion, paths: Path[]): Promise<string[]> {
  const people: string[] = [];
  const hasCoordinator = home.orgs.coordinator !== undefined;
  if (paths.includes('released_without_plan') || paths.includes('planning_escalation')) {
    const person = await home.participant('prison', 'Wanderer');
    people.push(person.id);
    await home.consent(person.id, home.orgs.ngo);
    const plan = await home.open(
      'prison',
      'pre-release',
      person.id,
      [
        { part: 'probation', organisationId: home.orgs.probation.id },
        { part: 'ngo', organisationId: home.orgs.ngo.id },
      ],
      { releaseDate: '2026-03-05' },
    );
    expect(plan.status, plan.text).toBe(201);
    if (paths.includes('released_without_plan')) {
      const released = await home.send('prison', plan.json.id, 'RELEASED_WITHOUT_PLAN', { releasedAt: '2026-03-02T09:00:00+05:00', reason: 'Early release by court' });
      expect(released.status, released.text).toBe(201);
    }
  }
  if (paths.includes('referral_undecided')) {
    const person = await home.participant('probation', 'Lodger');
    people.push(person.id);
    const referral = await home.open('probation', 'halfway-house', person.id, [{ part: 'halfway_house', organisationId: home.orgs.house.id }], {
      expectedArrivalDate: '2026-04-01',
    });
    expect(referral.status, referral.text).toBe(201);
  }
  if (paths.includes('break_glass')) {
    const person = await home.participant('court', 'Glassy');
    people.push(person.id);
    const order = await home.open(
      'court',
      'court-ordered-treatment',
      person.id,
      [
        { part: 'probation', organisationId: home.orgs.probation.id },
        { part: 'provider', organisationId: home.orgs.provider.id },
      ],
      { caseNumber: `W-${run}`, orderDate: '2026-03-01', programme: 'ost', durationDays: 90 },
    );
    expect(order.status, order.text).toBe(201);
    if (hasCoordinator) {
      const granted = await t.request('POST', `/cases/${order.json.id}/break-glass`, {
        token: home.tokens.coordinator,
        body: { reason: 'Overdose risk reported by the family tonight' },
      });
      expect(granted.status, granted.text).toBe(201);
    }
  }
  // The region's coordinator reads each person (a disclosure on its regional basis).
  if (hasCoordinator) for (const id of people) expect((await t.request('GET', `/participants/${id}`, { token: home.tokens.coordinator })).status).toBe(200);
  return people;
}

describe('multi-region worlds, generated', () => {
  it(`in ${RUNS} random worlds, every coordinator part, escalation, alert, message, disclosure and break-glass stays in the person’s region`, { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (world) => {
        t.clock.set(TEST_NOW);
        const { home, decoys } = await buildWorld(world);
        const homeIds = new Set(Object.values(home.orgs).map((org) => org.id));
        const homeAddresses = new Set(Object.values(home.orgs).flatMap((org) => org.notificationEmails));
        const homeCoordinator = home.orgs.coordinator?.id;
        const people = await drive(home, world.paths);
        const firstAudit = (await t.db.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(auditEvents.seq)).at(-1)?.seq ?? 0;

        // Other regions' coordinators probe each person: 404, and no grant.
        for (const decoy of decoys) {
          if (!decoy.orgs.coordinator) continue;
          for (const id of people) expect((await t.request('GET', `/participants/${id}`, { token: decoy.tokens.coordinator })).status).toBe(404);
        }

        // Nine days on, every escalation of these paths is due: the tick turns them into messages.
        t.clock.set('2026-03-11T06:00:00Z');
        await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });
        t.clock.set(TEST_NOW);

        const theirCases = await t.db.select().from(cases).where(inArray(cases.participantId, people));
        const parties = await t.db
          .select()
          .from(caseParties)
          .where(
            inArray(
              caseParties.caseId,
              theirCases.map((row) => row.id),
            ),
          );
        for (const party of parties) expect(homeIds.has(party.organisationId), `${party.part} party`).toBe(true);
        const coordinatorParts = parties.filter((party) => party.part === 'coordinator').map((party) => party.organisationId);
        const patronage = theirCases.filter((row) => row.protocol === 'patronage');
        expect(coordinatorParts).toEqual(homeCoordinator ? patronage.map(() => homeCoordinator) : []);

        const rows = await t.db.select().from(deadlines).where(inArray(deadlines.participantId, people));
        for (const row of rows) {
          for (const concern of row.concerns) expect(homeIds.has(concern) || (concern === ADMINS_QUEUE && !homeCoordinator), `${row.rule} concerns ${concern}`).toBe(true);
        }
        // Not vacuous: each path raised what goes to the region's coordinator (or the admins).
        const toCoordinator = rows.filter((row) => row.concerns.includes(homeCoordinator ?? ADMINS_QUEUE)).map((row) => row.rule);
        if (world.paths.includes('released_without_plan')) expect(toCoordinator).toEqual(expect.arrayContaining(['released_without_plan', 'acknowledgement_overdue']));
        else if (world.paths.includes('planning_escalation')) expect(toCoordinator).toContain('planning_escalation');
        if (world.paths.includes('referral_undecided')) expect(toCoordinator).toContain('decision_overdue');
        if (world.paths.includes('break_glass')) expect(rows.some((row) => row.rule === 'break_glass')).toBe(homeCoordinator !== undefined);

        const ids = rows.map((row) => row.id);
        const inbox = ids.length > 0 ? await t.db.select().from(notifications).where(inArray(notifications.deadlineId, ids)) : [];
        const mail = ids.length > 0 ? await t.db.select().from(outbox).where(inArray(outbox.deadlineId, ids)) : [];
        // Every path but a break-glass in a region without a coordinator (no grant) tells someone within nine days.
        if (homeCoordinator || world.paths.some((path) => path !== 'break_glass')) expect(inbox.length).toBeGreaterThan(0);
        for (const notice of inbox) expect(homeIds.has(notice.organisationId), `notice ${notice.rule}`).toBe(true);
        for (const message of mail) {
          expect(homeIds.has(message.organisationId), `message ${message.rule}`).toBe(true);
          for (const address of message.toAddresses) expect(homeAddresses.has(address), address).toBe(true);
        }
        // Each path but break-glass (which tells the case owner) escalates to the coordinator within nine days.
        if (homeCoordinator && world.paths.some((path) => path !== 'break_glass')) expect(inbox.some((notice) => notice.organisationId === homeCoordinator)).toBe(true);

        // Disclosures: every successful read of these people's data was by the person's region; so was every grant.
        const disclosed = await t.db
          .select()
          .from(auditEvents)
          .where(and(inArray(auditEvents.participantId, people), eq(auditEvents.outcome, 'success')));
        for (const row of disclosed.filter((entry) => entry.dataClasses.length > 0))
          expect(homeIds.has(row.organisationId ?? ''), `${row.action} by ${row.organisationId}`).toBe(true);
        const grants = await t.db.select().from(breakGlassGrants).where(inArray(breakGlassGrants.participantId, people));
        expect(grants.map((grant) => grant.organisationId)).toEqual(world.paths.includes('break_glass') && homeCoordinator ? [homeCoordinator] : []);
        // The decoys' probes were refused and audited, each a denial.
        const prober = decoys.flatMap((decoy) => (decoy.orgs.coordinator ? [decoy.orgs.coordinator.id] : []));
        const probes =
          prober.length > 0
            ? await t.db
                .select()
                .from(auditEvents)
                .where(and(inArray(auditEvents.organisationId, prober), eq(auditEvents.action, 'participant.read'), gt(auditEvents.seq, firstAudit)))
            : [];
        expect(probes.map((row) => row.outcome)).toEqual(prober.flatMap(() => people.map(() => 'denied')));

        // Without a coordinator, the admins see the escalations in their queue (every page of it).
        if (!homeCoordinator && world.paths.some((path) => path !== 'break_glass')) {
          const queue: { caseId: string | null }[] = [];
          for (let cursor: string | null = null, first = true; first || cursor; first = false) {
            const page = await t.request('GET', `/deadlines?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: admin });
            queue.push(...page.json.items);
            cursor = page.json.nextCursor;
          }
          const mine = new Set(theirCases.map((row) => row.id));
          expect(queue.filter((item) => item.caseId !== null && mine.has(item.caseId)).length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
