import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/migrate.js';
import type { Role } from '../src/domain.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { TEST_AUDIENCE, TEST_ISSUER } from './helpers/keys.js';
import { serviceEnv, startServiceProcess, type ServiceProcess } from './helpers/process.js';
import { startSmtpServer } from './helpers/smtp.js';
import { onPostgres } from './helpers/test-database.js';

/**
 * Two real service processes on one PostgreSQL database, as a scaled-out deployment runs:
 * writes through one are read through the other, a capacity race split across both admits
 * exactly the capacity, both schedulers tick and each due message is sent exactly once, and
 * the rate limit holds across both within its documented bound.
 */
const READ_LIMIT = 20;
const FLUSH_MS = 100;
// A window long enough that one run of the rate-limit test rarely crosses a boundary (a run that does is repeated).
const WINDOW_SECONDS = 3600;

describe.skipIf(!onPostgres)('two instances on one PostgreSQL database', { timeout: 120_000 }, () => {
  let t: TestContext;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const dirs: string[] = [];
  const services: ServiceProcess[] = [];
  let a: string;
  let b: string;
  let orgs: Record<'prison' | 'court' | 'probation' | 'provider', { id: string }>;
  const token = (org: { id: string }, role: Role, sub = `${role}-1`) => t.issuer.sign({ org: org.id, roles: [role], sub }, { now: new Date(), ttlSeconds: 3600 });

  beforeAll(async () => {
    t = await createTestContext();
    smtp = await startSmtpServer();
    orgs = {
      prison: await t.organisation('prison'),
      court: await t.organisation('court'),
      probation: await t.organisation('probation'),
      provider: await t.organisation('treatment_provider'),
    };
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-two-'));
    dirs.push(shared);
    const jwks = path.join(shared, 'jwks.json');
    fs.writeFileSync(jwks, JSON.stringify({ keys: [t.issuer.es.publicJwk] }));
    const start = () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-inst-'));
      dirs.push(dataDir);
      const service = startServiceProcess(
        serviceEnv({
          DATA_DIR: dataDir,
          DATABASE_URL: t.database.url!,
          DATABASE_POOL_MAX: '5',
          MIGRATE_ON_START: 'true',
          SEED_DEMO: 'false',
          AUTH_JWKS_FILE: jwks,
          AUTH_ISSUER: TEST_ISSUER,
          AUTH_AUDIENCE: TEST_AUDIENCE,
          AUTH_ALGORITHMS: 'ES256',
          AUDIT_CHECKPOINT_KEY_FILE: path.join(shared, 'checkpoint-key.pem'),
          // The national id key is shared like the checkpoint key (here: the test world's own).
          NATIONAL_ID_KEY_FILE: t.nationalIdKeyFile,
          SMTP_URL: smtp.url,
          SCHEDULER: 'on',
          SCHEDULER_CRON: '* * * * * *',
          RATE_LIMIT_READ: `${READ_LIMIT}/100000`,
          RATE_LIMIT_FLUSH_MS: String(FLUSH_MS),
          RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
        }),
      );
      services.push(service);
      return service.ready;
    };
    // The shared checkpoint key is created by the first; both migrate at once under the advisory lock.
    a = await start();
    b = await start();
  });
  afterAll(async () => {
    for (const service of services) service.child.kill('SIGTERM');
    await Promise.all(services.map((service) => service.exited));
    await smtp?.close();
    await t?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (base: string, method: string, route: string, bearer: string, body?: unknown) => {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
  };

  it('a write through one instance is read through the other', async () => {
    const court = await token(orgs.court, 'judge');
    const created = await call(a, 'POST', '/participants', court, { identity: { firstName: 'Two', lastName: 'Instances', dateOfBirth: '1990-01-01' } });
    expect(created.status).toBe(201);
    const read = await call(b, 'GET', `/participants/${created.json.id}`, court);
    expect(read.status).toBe(200);
    expect(read.json.identity.lastName).toBe('Instances');
    const corrected = await call(b, 'PATCH', `/participants/${created.json.id}`, court, { identity: { lastName: 'Corrected' }, expectedVersion: created.json.version });
    expect(corrected.status).toBe(200);
    expect((await call(a, 'GET', `/participants/${created.json.id}`, court)).json.identity.lastName).toBe('Corrected');
  });

  it('a capacity race split across both instances admits exactly the capacity; the rest are waitlisted', async () => {
    const prison = await token(orgs.prison, 'prison_staff');
    const places = 3;
    const unit = await call(a, 'POST', `/organisations/${orgs.prison.id}/units`, prison, { kind: 'clean_zone', name: 'Two instances', places });
    expect(unit.status).toBe(201);
    const contenders: string[] = [];
    for (let i = 0; i < places * 2; i += 1) {
      const person = await call(a, 'POST', '/participants', prison, { identity: { firstName: 'Race', lastName: `R${i}`, dateOfBirth: '1990-01-01' } });
      const opened = await call(b, 'POST', '/cases', prison, {
        protocol: 'unit-enrolment',
        participantId: person.json.id,
        parties: [],
        data: { unitId: unit.json.id, expectedReleaseDate: '2028-06-01' },
      });
      expect(opened.status).toBe(201);
      const screened = await call(a, 'POST', `/cases/${opened.json.id}/events`, prison, {
        type: 'SCREENED',
        data: { date: '2026-11-20', outcome: 'suitable' },
        expectedVersion: 1,
      });
      expect(screened.status).toBe(201);
      contenders.push(opened.json.id);
    }
    const admission = { date: '2026-11-21', consentToTreatment: true, unitAgreementSigned: true };
    const responses = await Promise.all(
      contenders.map((id, i) => call(i % 2 === 0 ? a : b, 'POST', `/cases/${id}/events`, prison, { type: 'ADMITTED', data: admission, expectedVersion: 2 })),
    );
    expect(responses.map((response) => response.status)).toEqual(contenders.map(() => 201));
    const states = responses.map((response) => response.json.case.state as string).sort();
    expect(states).toEqual([...Array(places).fill('enrolled'), ...Array(places).fill('waitlisted')]);
    const occupancy = await call(b, 'GET', `/organisations/${orgs.prison.id}/occupancy`, prison);
    expect(occupancy.json.units.find((item: { unitId: string }) => item.unitId === unit.json.id)).toMatchObject({ used: places, free: 0, waiting: places });
  });

  it('both schedulers tick, and each due message is delivered exactly once', async () => {
    const court = await token(orgs.court, 'judge');
    const before = smtp.received.length;
    // Orders dated a month ago: the 14-day intake deadline is already due, for court and probation.
    for (let i = 0; i < 4; i += 1) {
      const person = await call(i % 2 ? a : b, 'POST', '/participants', court, { identity: { firstName: 'Mail', lastName: `M${i}`, dateOfBirth: '1990-01-01' } });
      const opened = await call(i % 2 ? b : a, 'POST', '/cases', court, {
        protocol: 'court-ordered-treatment',
        participantId: person.json.id,
        parties: [
          { part: 'probation', organisationId: orgs.probation.id },
          { part: 'provider', organisationId: orgs.provider.id },
        ],
        data: { caseNumber: `TWO-${i}`, orderDate: '2026-10-20', programme: 'ost', durationDays: 180 },
      });
      expect(opened.status).toBe(201);
    }
    const outboxRows = async () => rowsOf<{ status: string; message_id: string }>(await t.db.execute(sql`select status, message_id from outbox`));
    let rows = await outboxRows();
    for (let i = 0; i < 100 && (rows.length < 8 || rows.some((row) => row.status !== 'sent')); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      rows = await outboxRows();
    }
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(rows.every((row) => row.status === 'sent')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // a few more ticks of both: nothing is sent again
    const received = smtp.received.slice(before).map((message) => message.messageId.replace(/[<>]/g, ''));
    expect(new Set(received).size).toBe(received.length);
    expect(received.sort()).toEqual(rows.map((row) => row.message_id.replace(/[<>]/g, '')).sort());
    // Both instances did scheduler work (each logs its ticks); the dedupe keys made it harmless.
    const ticked = services.filter((service) => service.stdout().includes('"msg":"scheduler tick"'));
    expect(ticked.length).toBeGreaterThanOrEqual(1);
    process.stdout.write(`two instances: ${rows.length} due messages, ${received.length} delivered, no duplicate; instances that sent: ${ticked.length} of 2\n`);
  });

  it('the rate limit holds across both instances, within one flush interval', async () => {
    const probation = await token(orgs.probation, 'probation_officer', 'rate-limited-officer');
    // The shared row of this subject's read bucket (src/http/rate-limit.ts keeps a digest, never the subject).
    const digest = createHash('sha256').update(`subject\u0000${orgs.probation.id}\u0000rate-limited-officer`).digest('base64url').slice(0, 22);
    const windowMs = WINDOW_SECONDS * 1000;
    const windowOf = (at: number) => Math.floor(at / windowMs) * windowMs;
    const sharedCount = async (windowStart: number) =>
      Number(
        rowsOf<{ count: number }>(
          await t.db.execute(
            sql`select count from rate_limit_windows where bucket = ${`read:subject:${digest}`} and window_start = ${new Date(windowStart).toISOString()}::timestamptz`,
          ),
        )[0]?.count ?? 0,
      );
    // Alternates between the instances; after each admitted request, waits until the instance that took it
    // has shared its count (the row says so), which the bound assumes: no fixed sleep a busy machine outruns.
    const alternate = async () => {
      const windowStart = windowOf(Date.now());
      const statuses: number[] = [];
      for (let i = 0; i < READ_LIMIT + 10; i += 1) {
        const response = await call(i % 2 === 0 ? a : b, 'GET', '/me', probation);
        statuses.push(response.status);
        if (response.status === 429) {
          expect(response.json.code).toBe('RATE_LIMITED');
          expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
          continue;
        }
        const admitted = statuses.filter((status) => status === 200).length;
        for (let wait = 0; wait < 400 && (await sharedCount(windowStart)) < admitted && windowOf(Date.now()) === windowStart; wait += 1) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      return { statuses, sameWindow: windowOf(Date.now()) === windowStart };
    };
    // A run that crosses a window boundary starts counting afresh midway; it is run again, in the new window.
    let run = await alternate();
    if (!run.sameWindow) run = await alternate();
    expect(run.sameWindow).toBe(true);
    const { statuses } = run;
    const admitted = statuses.filter((status) => status === 200).length;
    // Each instance alone would admit READ_LIMIT (2 × READ_LIMIT together); shared, at most one more than the limit slips through.
    expect(admitted).toBeGreaterThanOrEqual(READ_LIMIT);
    expect(admitted).toBeLessThanOrEqual(READ_LIMIT + 1);
    expect(statuses.slice(-5)).toEqual([429, 429, 429, 429, 429]);
    process.stdout.write(`two instances: rate limit ${READ_LIMIT}, ${statuses.length} requests alternating, ${admitted} admitted\n`);
  });
});
