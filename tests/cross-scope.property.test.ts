import fc from 'fast-check';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, caseEvents, cases, consents, participants } from '../db/schema.js';
import { hasPermission, type Permission } from '../src/access/permissions.js';
import type { Role } from '../src/domain.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * Cross-scope reads and writes, generated: organisations from another region, and
 * organisations of the same region that take no part, try every personal-data route on
 * participants, cases and consents they are outside of. None may succeed, nothing may
 * change, and each attempt writes exactly one audit row: a denial.
 */
let t: TestContext;
let r: Region;
const RUNS = 10_000;

type Actor = { token: string; roles: Role[]; label: string };
type Target = { participantId: string; reference: string; caseId: string; consentId: string };
const outsiders: Actor[] = [];
const targets: Target[] = [];

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies vary by route */
type Operation = {
  permission: Permission;
  run: (actor: Actor, target: Target) => Promise<{ status: number; json: any; requestId: string | null }>;
  ok: (status: number, json: any) => boolean;
};
/* eslint-enable @typescript-eslint/no-explicit-any */

const notFound = (status: number) => status === 404;
const consentBody = (organisationId: string) => ({
  organisationId,
  dataClasses: ['identity', 'health'],
  purpose: 'housing',
  validFrom: '2026-01-01',
  validUntil: '2026-12-31',
  signedMethod: 'written',
  witness: 'Intruder',
  textVersion: 'v1',
});

function call(method: string, path: (target: Target) => string, body?: (target: Target, actor: Actor) => unknown) {
  return async (actor: Actor, target: Target) => {
    const requestId = `xs-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
    const response = await t.request(method, path(target), { token: actor.token, body: body?.(target, actor), headers: { 'x-request-id': requestId } });
    return { status: response.status, json: response.json, requestId };
  };
}

const OPERATIONS: Operation[] = [
  { permission: 'participants:read', run: call('GET', (x) => `/participants/${x.participantId}`), ok: notFound },
  { permission: 'participants:read', run: call('GET', (x) => `/participants?reference=${x.reference}`), ok: (status, json) => status === 200 && json.items.length === 0 },
  {
    permission: 'participants:correct',
    run: call(
      'PATCH',
      (x) => `/participants/${x.participantId}`,
      () => ({ contact: { address: 'Hijacked' } }),
    ),
    ok: notFound,
  },
  { permission: 'cases:read', run: call('GET', (x) => `/cases/${x.caseId}`), ok: notFound },
  { permission: 'cases:read', run: call('GET', (x) => `/cases/${x.caseId}/events`), ok: notFound },
  {
    permission: 'cases:event',
    run: call(
      'POST',
      (x) => `/cases/${x.caseId}/events`,
      () => ({ type: 'PARTY_ASSIGNED', data: { part: 'ngo', organisationId: r.orgs.ngo2.id }, expectedVersion: 1 }),
    ),
    ok: notFound,
  },
  { permission: 'consents:read', run: call('GET', (x) => `/participants/${x.participantId}/consents`), ok: notFound },
  {
    permission: 'consents:record',
    run: call(
      'POST',
      (x) => `/participants/${x.participantId}/consents`,
      () => consentBody(r.orgs.ngo2.id),
    ),
    ok: notFound,
  },
  {
    permission: 'consents:revoke',
    run: call(
      'POST',
      (x) => `/consents/${x.consentId}/revoke`,
      () => ({ reason: 'Not mine to revoke' }),
    ),
    ok: notFound,
  },
  { permission: 'disclosures:read', run: call('GET', (x) => `/participants/${x.participantId}/disclosures`), ok: notFound },
  {
    permission: 'cases:break-glass',
    run: call(
      'POST',
      (x) => `/cases/${x.caseId}/break-glass`,
      () => ({ reason: 'Curious about this person' }),
    ),
    ok: notFound,
  },
  {
    permission: 'cases:open',
    run: call(
      'POST',
      () => '/cases',
      (x, actor) => ({
        protocol: actor.roles.includes('judge')
          ? 'court-ordered-treatment'
          : actor.roles.includes('prison_staff')
            ? 'pre-release'
            : actor.roles.includes('coordinator')
              ? 'rehabilitation-certificate'
              : 'halfway-house',
        participantId: x.participantId,
        parties: [],
        data: {},
      }),
    ),
    ok: (status, json) => status === 422 && json.errors?.[0]?.path === 'body.participantId',
  },
];

async function snapshot() {
  const count = async (table: Parameters<TestContext['count']>[0]) => t.count(table);
  const [versions] = await t.db.select({ sum: sql<number>`coalesce(sum(${participants.version}), 0)::int` }).from(participants);
  const [revoked] = await t.db
    .select({ n: sql<number>`count(*)::int` })
    .from(consents)
    .where(sql`${consents.revokedAt} is not null`);
  return { cases: await count(cases), events: await count(caseEvents), consents: await count(consents), revoked: revoked?.n, versions: versions?.sum };
}

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  // The cases and people the outsiders try to reach: one case of each kind, parties all in region KZ-PAV.
  const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, { token: r.tokens.prison, body: { kind: 'atlantis', name: 'Scope unit', places: 5 } });
  const scenarios: [keyof Region['orgs'], string, { part: string; organisationId: string }[], Record<string, unknown>][] = [
    [
      'court',
      'court-ordered-treatment',
      [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'provider', organisationId: r.orgs.provider.id },
      ],
      { caseNumber: 'S-1', orderDate: '2026-03-01', programme: 'ost', durationDays: 90 },
    ],
    ['prison', 'unit-enrolment', [], { unitId: unit.json.id, expectedReleaseDate: '2027-01-01' }],
    ['prison', 'pre-release', [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-09-01' }],
    ['probation', 'halfway-house', [{ part: 'halfway_house', organisationId: r.orgs.house.id }], { expectedArrivalDate: '2026-04-01' }],
    ['prison', 'patronage', [{ part: 'ngo', organisationId: r.orgs.ngo.id }], { releasedAt: '2026-03-02T10:00:00+05:00', releaseAddressPlan: 'Shelter', patronagePlan: 'Weekly' }],
  ];
  for (const [opener, protocol, parties, data] of scenarios) {
    const person = await r.participant(opener, 'Scoped');
    const consent = await r.consent(person.id, r.orgs.ngo, opener);
    const opened = await r.open(opener, protocol, person.id, parties, data);
    expect(opened.status, opened.text).toBe(201);
    targets.push({ participantId: person.id, reference: person.referenceCode, caseId: opened.json.id, consentId: consent.id });
  }
  // Outsiders: every operational role in another region, and same-region organisations with no part.
  const elsewhere = { country: 'KZ' as const, region: 'KZ-AKM' };
  const foreign: [Parameters<TestContext['organisation']>[0], Role][] = [
    ['prison', 'prison_staff'],
    ['court', 'judge'],
    ['probation', 'probation_officer'],
    ['treatment_provider', 'treatment_staff'],
    ['ngo', 'ngo_worker'],
    ['halfway_house', 'halfway_house_staff'],
    ['coordinator', 'coordinator'],
  ];
  for (const [kind, role] of foreign) {
    const org = await t.organisation(kind, elsewhere);
    outsiders.push({ token: await t.tokenFor(org, role), roles: [role], label: `${kind}@KZ-AKM` });
  }
  outsiders.push({ token: r.tokens.prison2, roles: ['prison_staff'], label: 'prison2@KZ-PAV (no part)' });
  outsiders.push({ token: r.tokens.ngo2, roles: ['ngo_worker'], label: 'ngo2@KZ-PAV (no part)' });
  const otherProvider = await t.organisation('treatment_provider');
  outsiders.push({ token: await t.tokenFor(otherProvider, 'treatment_staff'), roles: ['treatment_staff'], label: 'provider2@KZ-PAV (no part)' });
}, 60_000);
afterAll(() => t.close());

describe('cross-scope access, generated', () => {
  it(`0 of ${RUNS} cross-scope reads and writes succeed, nothing changes, each denial writes exactly one audit row`, { timeout: 600_000 }, async () => {
    const before = await snapshot();
    let attempts = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.nat(), async (actorPick, operationPick, targetPick) => {
        const actor = outsiders[actorPick % outsiders.length]!;
        const allowed = OPERATIONS.filter((operation) => hasPermission(actor.roles, operation.permission));
        const operation = allowed[operationPick % allowed.length]!;
        const target = targets[targetPick % targets.length]!;
        const result = await operation.run(actor, target);
        attempts += 1;
        expect(operation.ok(result.status, result.json), `${actor.label} ${operation.permission} → ${result.status}`).toBe(true);
        const rows = await t.db.select({ outcome: auditEvents.outcome }).from(auditEvents).where(eq(auditEvents.requestId, result.requestId!));
        expect(rows, `${actor.label} ${operation.permission}`).toEqual([{ outcome: 'denied' }]);
      }),
      { numRuns: RUNS },
    );
    expect(attempts).toBeGreaterThanOrEqual(RUNS);
    expect(await snapshot()).toEqual(before);
  });
});
