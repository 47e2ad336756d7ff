import postgres from 'postgres';
import { createPostgresClient, wrapPostgres } from '../db/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditTrail } from '../src/audit/verify.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';
import { onPostgres } from './helpers/test-database.js';

/**
 * PostgreSQL kills the service's backends mid-transaction (`pg_terminate_backend`, as an
 * administrator or a failover would) while cases are opened and events recorded concurrently.
 * Nothing may be half-written: a case change exists if and only if its history and audit rows
 * do; every acknowledged write is there; the only 5xx is 503 UNAVAILABLE with Retry-After;
 * the audit chains verify.
 */
const DRIVE_MS = 4000;
const WORKERS = 6;

describe.skipIf(!onPostgres)('backends terminated mid-transaction (PostgreSQL)', { timeout: 150_000 }, () => {
  let t: TestContext;
  let r: Region;
  let admin: postgres.Sql;
  let databaseName: string;

  beforeAll(async () => {
    t = await createTestContext();
    r = await createRegion(t);
    databaseName = new URL(t.database.url!).pathname.slice(1);
    admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin?.end();
    await t?.close();
  });

  async function openOrder(personId: string, n: number) {
    return r.open(
      'court',
      'court-ordered-treatment',
      personId,
      [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'provider', organisationId: r.orgs.provider.id },
      ],
      { caseNumber: `T-${n}`, orderDate: '2026-03-01', programme: 'ost', durationDays: 180 },
    );
  }

  it('leaves no partial write, loses no acknowledged write, and answers only 503 UNAVAILABLE while backends die', async () => {
    const caseIds: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const person = await r.participant('court', `Term${i}`);
      const opened = await openOrder(person.id, i);
      expect(opened.status).toBe(201);
      caseIds.push(opened.json.id);
      expect((await r.send('provider', opened.json.id, 'INTAKE_RECORDED', { assessmentDate: '2026-03-02', rehabilitationPlan: 'Plan', consentToTreatment: true })).status).toBe(
        201,
      );
    }

    const spare = await r.participant('court', 'Spare');
    const acknowledgedEvents: Array<{ caseId: string; version: number }> = [];
    const acknowledgedCases: string[] = [];
    const acknowledgedParticipants: string[] = [];
    const statuses = new Map<number, number>();
    const badServerErrors: string[] = [];
    const note = (response: { status: number; headers: Headers; json: { code?: string } | undefined }) => {
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500 && !(response.status === 503 && response.json?.code === 'UNAVAILABLE' && response.headers.get('retry-after'))) {
        badServerErrors.push(`${response.status} ${JSON.stringify(response.json)}`);
      }
    };

    let driving = true;
    let terminated = 0;
    const acknowledged = () => acknowledgedEvents.length + acknowledgedCases.length + acknowledgedParticipants.length;
    const killer = (async () => {
      let seen = 0;
      let fruitless = 0;
      while (driving) {
        const killed = await admin`
          select pg_terminate_backend(pid) as ok from pg_stat_activity
          where datname = ${databaseName} and pid <> pg_backend_pid() and backend_type = 'client backend'`;
        terminated += killed.filter((row) => row.ok).length;
        // Kill every 20–80 ms while writes get through. On a loaded machine a request can take
        // longer than that, and then every one would die: after each kill with no write
        // acknowledged since the one before, the pause doubles (up to 25×), so work keeps getting
        // through between kills however slow the machine is, and kills still land mid-transaction.
        const now = acknowledged();
        fruitless = now > seen ? 0 : fruitless + 1;
        seen = now;
        await new Promise((resolve) => setTimeout(resolve, (20 + Math.random() * 60) * Math.min(2 ** fruitless, 25)));
      }
    })();

    let n = 100;
    const worker = async (w: number) => {
      while (driving) {
        const choice = Math.random();
        if (choice < 0.7) {
          const caseId = caseIds[Math.floor(Math.random() * caseIds.length)]!;
          const current = await t.request('GET', `/cases/${caseId}`, { token: r.tokens.provider });
          note(current);
          if (current.status !== 200) continue;
          const sent = await t.request('POST', `/cases/${caseId}/events`, {
            token: r.tokens.provider,
            body: { type: 'ATTENDANCE_RECORDED', data: { date: '2026-03-02', attended: true, kind: 'group' }, expectedVersion: current.json.version },
          });
          note(sent);
          if (sent.status === 201) acknowledgedEvents.push({ caseId, version: sent.json.event.version });
          else expect([409, 503], JSON.stringify(sent.json)).toContain(sent.status);
        } else if (choice < 0.85) {
          const person = await t.request('POST', '/participants', {
            token: r.tokens.court,
            body: { identity: { firstName: `W${w}`, lastName: 'Kill', dateOfBirth: '1990-01-01' } },
          });
          note(person);
          if (person.status === 201) acknowledgedParticipants.push(person.json.id);
          else expect(person.status, JSON.stringify(person.json)).toBe(503);
        } else {
          const person = await t.request('GET', `/participants?reference=P-0000-0000`, { token: r.tokens.court });
          note(person);
          const opened = await openOrder(spare.id, (n += 1));
          note(opened);
          if (opened.status === 201) acknowledgedCases.push(opened.json.id);
          else expect(opened.status, JSON.stringify(opened.json)).toBe(503);
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w).catch((error: unknown) => badServerErrors.push(String(error))));
    // Drive for DRIVE_MS, and on until enough work got through for the checks below to mean
    // something (a kill fails every read waiting in the audit trail's group commit at once).
    const started = Date.now();
    const enough = () => acknowledgedEvents.length > 5 && terminated > 10;
    while (Date.now() - started < DRIVE_MS || (!enough() && Date.now() - started < 60_000)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    driving = false;
    await Promise.all(workers);
    await killer;

    // The fault was real: backends died, requests were turned away, and work still got done.
    expect(terminated).toBeGreaterThan(10);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(acknowledgedEvents.length).toBeGreaterThan(5);
    expect(badServerErrors).toEqual([]);

    // The service recovers by itself once the killing stops.
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i += 1) {
      ready = (await t.request('GET', '/health/ready')).status;
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready).toBe(200);

    const db = postgres(t.database.url!, { max: 1, onnotice: () => {} });
    try {
      // Every case's version and state agree with its history, versions without gaps.
      const mismatched = await db`
        select c.id, c.version, c.state, count(e.id)::int as events, max(e.version) as last_version,
               (select e2.to_state from case_events e2 where e2.case_id = c.id order by e2.version desc limit 1) as last_state
        from cases c left join case_events e on e.case_id = c.id
        group by c.id
        having c.version <> count(e.id) or c.version <> max(e.version)
            or c.state <> (select e2.to_state from case_events e2 where e2.case_id = c.id order by e2.version desc limit 1)`;
      expect(mismatched).toEqual([]);
      // Every history row has its audit row (same case, same event), and no audit row claims a change that is not there.
      const unaudited = await db`
        select h.case_id, h.type, h.n as history, coalesce(a.n, 0) as audit from
          (select case_id::text as case_id, case when type = 'CASE_OPENED' then 'case.open' else 'case.event.' || type end as type, count(*)::int as n from case_events group by 1, 2) h
          full join (select subject_id as case_id, action as type, count(*)::int as n from audit_events
                     where subject_type = 'case' and outcome = 'success' and (action = 'case.open' or action like 'case.event.%') group by 1, 2) a
          on a.case_id = h.case_id and a.type = h.type
        where coalesce(h.n, -1) <> coalesce(a.n, -1)`;
      expect(unaudited).toEqual([]);
      const participantsUnaudited = await db`
        select p.id from participants p where not exists (
          select 1 from audit_events a where a.subject_id = p.id::text and a.action = 'participant.register' and a.outcome = 'success')`;
      expect(participantsUnaudited).toEqual([]);

      // Every acknowledged write is there.
      for (const { caseId, version } of acknowledgedEvents) {
        const [row] = await db`select type from case_events where case_id = ${caseId} and version = ${version}`;
        expect(row?.type, `acknowledged event ${caseId} v${version}`).toBe('ATTENDANCE_RECORDED');
      }
      const cases = acknowledgedCases.length ? await db`select id from cases where id in ${db(acknowledgedCases)}` : [];
      expect(cases.length).toBe(acknowledgedCases.length);
      const people = acknowledgedParticipants.length ? await db`select id from participants where id in ${db(acknowledgedParticipants)}` : [];
      expect(people.length).toBe(acknowledgedParticipants.length);
    } finally {
      await db.end();
    }

    // Verified over fresh connections: the app's pool may still hold connections killed while
    // idle, each of which fails its next query once (the service answers that one with 503).
    const fresh = wrapPostgres(createPostgresClient(t.database.url!, 8), t.database.url!);
    const report = await verifyAuditTrail(fresh.db, t.auditSigner, t.clock.now()).finally(() => fresh.close());
    expect(report.ok, JSON.stringify(report.chains.filter((chain) => !chain.ok))).toBe(true);
    process.stdout.write(
      `backend termination: ${terminated} backends terminated in ${DRIVE_MS} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `acknowledged ${acknowledgedEvents.length} events, ${acknowledgedCases.length} cases, ${acknowledgedParticipants.length} participants; none lost\n`,
    );
  });
});
