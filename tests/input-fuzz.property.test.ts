import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/migrate.js';
import { PERMISSIONS, type Permission } from '../src/access/permissions.js';
import type { Role } from '../src/domain.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * Every route of the OpenAPI document, fed generated path parameters, queries and bodies
 * (valid-looking ids, garbage, SQL-ish and unicode strings, arbitrary JSON, mutations of a
 * valid body) with a token of a role allowed on it: never a 5xx, and a 4xx never changes data.
 */
type Operation = { 'x-permission'?: string; parameters?: Array<{ name: string; in: 'path' | 'query' }>; requestBody?: unknown };

const RUNS_PER_OPERATION = 40;
/** Tables whose content a refused request must leave alone (the audit trail records denials by design). */
const DATA_TABLES = [
  'organisations',
  'prison_units',
  'participants',
  'participant_notes',
  'cases',
  'case_parties',
  'case_events',
  'deadlines',
  'consents',
  'holidays',
  'outbox',
  'notifications',
  'break_glass_grants',
  'service_secrets',
];

const SQLISH = ["' OR '1'='1", '1; DROP TABLE cases;--', "' UNION SELECT NULL,version()--", '1) OR pg_sleep(5)--', "\\'; select 1; --", '%27%20OR%201=1', '$1', '{"$gt":""}'];
const UNICODE = [
  'Ａｌｉ',
  'Жанар Қасымова',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\uFEFF\u202E',
  '𝕏🙂',
  'a\u0301',
  '../../etc/passwd',
  '%00',
  'null',
  'undefined',
  '-1',
  '9'.repeat(40),
];

let t: TestContext;
let r: Region;
let tokenOf: (role: Role) => string;
let knownIds: string[];
let validBodies: Record<string, unknown>;

async function fingerprint(): Promise<string> {
  const parts = DATA_TABLES.map(
    (table) => sql`select ${table}::text as t, count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h from ${sql.identifier(table)} x`,
  );
  const result = await t.db.execute(sql.join(parts, sql` union all `));
  return JSON.stringify(rowsOf(result));
}

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  const admin = await t.tokenFor(r.orgs.coordinator, 'admin');
  const auditor = await t.tokenFor(r.orgs.coordinator, 'auditor');
  const byRole: Partial<Record<Role, string>> = {
    admin,
    auditor,
    coordinator: r.tokens.coordinator,
    prison_staff: r.tokens.prison,
    judge: r.tokens.court,
    probation_officer: r.tokens.probation,
    treatment_staff: r.tokens.provider,
    ngo_worker: r.tokens.ngo,
    halfway_house_staff: r.tokens.house,
  };
  tokenOf = (role) => byRole[role]!;
  const person = await r.participant('court', 'Fuzz');
  const order = await r.courtOrder(person.id, { caseNumber: 'F-1', orderDate: '2026-03-01', programme: 'ost', durationDays: 90 });
  expect(order.status).toBe(201);
  knownIds = [person.id, order.json.id, r.orgs.prison.id, r.orgs.court.id, r.orgs.house.id];
  validBodies = {
    '/participants': { identity: { firstName: 'Fuzz', lastName: 'Body', dateOfBirth: '1990-01-01' } },
    '/cases': {
      protocol: 'court-ordered-treatment',
      participantId: person.id,
      parties: [],
      data: { caseNumber: 'F-2', orderDate: '2026-03-01', programme: 'ost', durationDays: 90 },
    },
    '/cases/{id}/events': { type: 'INTAKE_RECORDED', data: { assessmentDate: '2026-03-05', rehabilitationPlan: 'Plan', consentToTreatment: true }, expectedVersion: 1 },
    '/organisations': { kind: 'ngo', name: 'Fuzz NGO', country: 'KZ', region: 'KZ-PAV', notificationEmails: ['f@example.org'] },
    '/participants/{id}/consents': {
      organisationId: r.orgs.ngo.id,
      dataClasses: ['identity'],
      purpose: 'post_release_support',
      validFrom: '2026-01-01',
      validUntil: '2027-01-01',
      signedMethod: 'written',
      witness: 'W',
      textVersion: 'v1',
    },
  };
});
afterAll(() => t?.close());

const text = () => fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom(...SQLISH, ...UNICODE));
const pathValue = () => fc.oneof(fc.constantFrom(...(knownIds ?? [])), fc.uuid(), text(), fc.integer().map(String));
const queryValue = () =>
  fc.oneof(text(), fc.integer({ min: -10, max: 100_000 }).map(String), fc.constantFrom(...(knownIds ?? []), 'open', 'overdue', 'dead', 'true', '2026-03-01'));

/** The paths of every string in a value (at least one: the empty path stands for "none"). */
function stringPaths(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return [path];
  if (value === null || typeof value !== 'object') return path.length === 0 ? [[]] : [];
  const found = Object.entries(value).flatMap(([key, item]) => stringPaths(item, [...path, key]));
  return path.length === 0 && found.length === 0 ? [[]] : found;
}

function replaced(valid: unknown, path: string[], value: string): unknown {
  if (path.length === 0) return valid;
  const copy = structuredClone(valid) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

/** Mutates a valid body: a field replaced by anything, a string in it by generated text, a field removed, or an unknown field added. */
function mutated(valid: unknown) {
  const keys = Object.keys(valid as object);
  return fc.oneof(
    fc.record({ key: fc.constantFrom(...keys), value: fc.jsonValue({ maxDepth: 2 }) }).map(({ key, value }) => ({ ...(valid as object), [key]: value })),
    // A string anywhere in the valid body replaced by generated text (NUL, lone surrogates, …).
    fc.record({ path: fc.constantFrom(...stringPaths(valid)), value: text() }).map(({ path, value }) => replaced(valid, path, value)),
    fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(valid as object).filter(([k]) => k !== key))),
    fc.record({ key: fc.string({ maxLength: 10 }), value: fc.jsonValue({ maxDepth: 1 }) }).map(({ key, value }) => ({ ...(valid as object), [key]: value })),
  );
}

describe('input fuzzing over every route', () => {
  it('never answers 5xx, and a 4xx never changes data', { timeout: 120_000 }, async () => {
    const paths = (await t.request('GET', '/openapi.json')).json.paths as Record<string, Record<string, Operation>>;
    const operations = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
    );
    expect(operations.length).toBeGreaterThan(30);
    let requests = 0;
    let baseline = await fingerprint();
    for (const { path, method, operation } of operations) {
      const permission = operation['x-permission'] as Permission | 'public' | undefined;
      const roles: readonly Role[] = permission && permission !== 'public' ? PERMISSIONS[permission] : [];
      const pathParams = path.match(/\{(\w+)\}/g)?.map((name) => name.slice(1, -1)) ?? [];
      const queryParams = (operation.parameters ?? []).filter((param) => param.in === 'query').map((param) => param.name);
      const valid = validBodies[path];
      const body = operation.requestBody
        ? fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.string({ maxLength: 50 }).map((raw) => ({ raw })),
            ...(valid ? [mutated(valid)] : []),
          )
        : fc.constant(undefined);
      const input = fc.record({
        role: roles.length ? fc.constantFrom(...roles) : fc.constant(undefined),
        params: fc.tuple(...pathParams.map(() => pathValue())),
        query: fc.dictionary(fc.oneof(fc.constantFrom(...(queryParams.length ? queryParams : ['x'])), fc.string({ maxLength: 8 })), queryValue(), { maxKeys: 4 }),
        body,
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ role, params, query, body: payload }) => {
          let url = path;
          // A URL cannot carry a lone surrogate (encodeURIComponent throws): it arrives as U+FFFD, as from a browser.
          pathParams.forEach((name, index) => (url = url.replace(`{${name}}`, encodeURIComponent((params[index] ?? '').replace(/[\ud800-\udfff]/gu, '\uFFFD')))));
          const search = new URLSearchParams(query).toString();
          const raw = payload && typeof payload === 'object' && 'raw' in payload && Object.keys(payload).length === 1 ? String((payload as { raw: unknown }).raw) : undefined;
          // Straight to the app, not through t.request: generated strings are not seeded personal values for the log check.
          const headers: Record<string, string> = role ? { authorization: `Bearer ${tokenOf(role)}` } : {};
          if (raw !== undefined || payload !== undefined) headers['content-type'] = 'application/json';
          const sent = await t.app.request(search ? `${url}?${search}` : url, { method, headers, body: raw ?? (payload === undefined ? undefined : JSON.stringify(payload)) });
          const response = { status: sent.status, text: await sent.text() };
          requests += 1;
          expect(response.status, `${method} ${url}?${search} → ${response.status} ${response.text.slice(0, 300)}`).toBeLessThan(500);
          const after = await fingerprint();
          if (response.status >= 400) expect(after, `${method} ${url} answered ${response.status} but changed data`).toBe(baseline);
          baseline = after;
        }),
        { numRuns: RUNS_PER_OPERATION, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
      );
    }
    process.stdout.write(`input fuzzing: ${requests} requests over ${operations.length} operations, no 5xx, no change on any 4xx\n`);
  });
});
