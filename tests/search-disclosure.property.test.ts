import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, breakGlassGrants, caseParties, cases, consents } from '../db/schema.js';
import { SHARING_TABLE } from '../src/access/sharing-table.js';
import { DATA_CLASSES } from '../src/domain.js';
import { createTestContext, TEST_NOW, type TestContext } from './helpers/context.js';
import { createRegion, type OrgKey, type Region } from './helpers/region.js';

/**
 * The search decides who and what it shows from facts read in its own statement
 * (src/access/viewer-facts.ts, `discloseFrom`), not by asking the policy person by person. Over
 * random people (owned in the home region or another), with random cases and parts (open,
 * closed within the 90-day window or before it), consents (valid, not yet, expired, revoked,
 * an unconfirmed proposal, tied to a closed case) and break-glass grants (live or expired), for
 * every organisation of the home region and two of another: a search by reference code shows
 * the person exactly when the policy's read (GET /participants/:id) does, with the name exactly
 * when the read discloses identity; a search by name finds them exactly then; and each search's
 * audit row names the basis the read names for identity. (The sharing table gives identity to
 * every part outright, so consents change none of it: the search does not read them, and the
 * worlds' consents show that the read, which does, agrees.)
 */
let t: TestContext;
let r: Region;
let run = 0;
type Actor = { token: string; orgId: string };
let actors: Actor[];

const DAY = 86_400_000;
const now = new Date(TEST_NOW);
const dayOffset = (days: number) => new Date(now.getTime() + days * DAY).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  const [decoy] = r.decoys;
  const home = (Object.keys(r.tokens) as OrgKey[]).map((key) => ({ token: r.tokens[key], orgId: r.orgs[key].id }));
  actors = [...home, { token: decoy!.tokens.coordinator, orgId: decoy!.orgs.coordinator.id }, { token: decoy!.tokens.ngo, orgId: decoy!.orgs.ngo.id }];
});
afterAll(() => t.close());

const PARTS = Object.entries(SHARING_TABLE).flatMap(([protocol, byPart]) => Object.keys(byPart).map((part) => ({ protocol, part })));

const worldArb = fc.record({
  owner: fc.nat(),
  cases: fc.array(fc.record({ part: fc.constantFrom(...PARTS), org: fc.nat(), closed: fc.constantFrom('open', 'recent', 'old') }), { maxLength: 4 }),
  consents: fc.array(
    fc.record({
      org: fc.nat(),
      classes: fc.subarray([...DATA_CLASSES], { minLength: 1 }),
      when: fc.constantFrom('valid', 'not_yet', 'expired', 'open_ended'),
      revoked: fc.boolean(),
      unconfirmed: fc.boolean(),
      untilClosedCase: fc.boolean(),
      /** Given to a party of one of the person's cases (where a consent decides something), else to anyone. */
      toParty: fc.boolean(),
    }),
    { maxLength: 3 },
  ),
  grants: fc.array(fc.record({ org: fc.nat(), live: fc.boolean() }), { maxLength: 2 }),
});

/** A family name no other run shares, nor begins (a name matches by the beginnings of its words): five letters that no folding changes. */
const uniqueName = (n: number) => `Zu${[...n.toString(8).padStart(5, '0')].map((digit) => 'abdeflmn'[Number(digit)]).join('')}`;

describe('the search discloses what the policy discloses', () => {
  it('for every organisation, over random cases, consents and grants', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (world) => {
        run += 1;
        const lastName = uniqueName(run);
        const owner = actors[world.owner % actors.length]!;
        const registered = await t.request('POST', '/participants', { token: owner.token, body: { identity: { firstName: 'Aru', lastName, dateOfBirth: '1990-01-01' } } });
        expect(registered.status, registered.text).toBe(201);
        const person = registered.json as { id: string; referenceCode: string };
        const caseIds: string[] = [];
        for (const spec of world.cases) {
          const id = randomUUID();
          const closedAt = spec.closed === 'open' ? null : new Date(now.getTime() - (spec.closed === 'recent' ? 30 : 120) * DAY);
          const at = new Date(now.getTime() - 200 * DAY);
          await t.db.insert(cases).values({
            id,
            protocol: spec.part.protocol,
            protocolVersion: 1,
            participantId: person.id,
            ownerOrganisationId: owner.orgId,
            state: 'x',
            data: {},
            version: 1,
            openedAt: at,
            closedAt,
            updatedAt: at,
          });
          await t.db.insert(caseParties).values({ caseId: id, part: spec.part.part, organisationId: actors[spec.org % actors.length]!.orgId, assignedAt: at });
          caseIds.push(id);
        }
        const closedCase = world.cases.findIndex((spec) => spec.closed !== 'open');
        for (const spec of world.consents) {
          const party = spec.toParty && world.cases.length > 0 ? world.cases[spec.org % world.cases.length]!.org : spec.org;
          const org = actors[party % actors.length]!.orgId;
          const recorder = actors.find((actor) => actor.orgId !== org)!.orgId;
          const [validFrom, validUntil] = {
            valid: [dayOffset(-10), dayOffset(10)],
            not_yet: [dayOffset(3), dayOffset(30)],
            expired: [dayOffset(-30), dayOffset(-3)],
            open_ended: [dayOffset(-3), null],
          }[spec.when];
          await t.db.insert(consents).values({
            id: randomUUID(),
            participantId: person.id,
            organisationId: org,
            dataClasses: spec.classes,
            purpose: 'post_release_support',
            validFrom: validFrom!,
            validUntil,
            untilCaseId: spec.untilClosedCase && closedCase >= 0 ? caseIds[closedCase]! : null,
            signedMethod: 'written',
            witness: 'W',
            textVersion: 'v1',
            recordedByOrganisationId: recorder,
            recordedBySub: 'test',
            recordedAt: now,
            proposed: spec.unconfirmed,
            revokedAt: spec.revoked ? now : null,
          });
        }
        if (caseIds.length > 0) {
          for (const spec of world.grants) {
            const at = new Date(now.getTime() - 2 * 3_600_000);
            await t.db.insert(breakGlassGrants).values({
              id: randomUUID(),
              caseId: caseIds[0]!,
              participantId: person.id,
              organisationId: actors[spec.org % actors.length]!.orgId,
              actorSub: 'test',
              reason: 'test',
              grantedAt: at,
              expiresAt: new Date(at.getTime() + (spec.live ? 4 : 1) * 3_600_000),
            });
          }
        }

        for (const actor of actors) {
          const read = await t.request('GET', `/participants/${person.id}`, { token: actor.token });
          expect([200, 404]).toContain(read.status);
          const disclosed = read.status === 200 ? (read.json.disclosed as { dataClass: string; basis: string }[]) : [];
          const identity = disclosed.find((entry) => entry.dataClass === 'identity');

          const byCode = await t.request('POST', '/participants/search', { token: actor.token, body: { reference: person.referenceCode } });
          expect(byCode.status, byCode.text).toBe(200);
          const found = (byCode.json.items as { id: string; identity?: { lastName: string } }[]).filter((item) => item.id === person.id);
          expect(found.length).toBe(read.status === 200 ? 1 : 0);
          if (found[0]) expect(found[0].identity?.lastName).toBe(identity ? lastName : undefined);

          const requestId = `sd-${run}-${actor.orgId}`;
          const byName = await t.request('POST', '/participants/search', { token: actor.token, body: { name: lastName }, headers: { 'x-request-id': requestId } });
          expect(byName.status, byName.text).toBe(200);
          expect((byName.json.items as { id: string }[]).map((item) => item.id)).toEqual(identity ? [person.id] : []);
          const rows = await t.db
            .select({ basis: auditEvents.basis, dataClasses: auditEvents.dataClasses })
            .from(auditEvents)
            .where(and(eq(auditEvents.requestId, requestId), eq(auditEvents.action, 'participant.search')));
          expect(rows).toEqual(identity ? [{ basis: identity.basis, dataClasses: ['identity'] }] : []);
        }
      }),
      { numRuns: 40 },
    );
  }, 240_000);
});
