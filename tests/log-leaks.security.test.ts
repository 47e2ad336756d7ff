import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summariseError } from '../src/logger.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * A database error while personal data is being written must not put that data in the logs:
 * not the query's parameters (drizzle's "Failed query … params: …"), not PostgreSQL's message
 * or `detail` (which quotes the row, as in `Key (national_id)=(…)`). A trigger installed on this
 * file's own database refuses the writes and, like PostgreSQL's own errors, quotes the row in
 * its message and detail. Every value sent is registered as seeded, so the run's teardown
 * (tests/helpers/global-setup.ts) fails the run if any log line holds one; the tests also check
 * this file's lines at once, and that the error is still logged usefully (code, constraint, table).
 */
let t: TestContext;
let r: Region;
let person: { id: string };
let caseId: string;

const REFUSED_TABLES = ['participants', 'participant_notes', 'break_glass_grants', 'case_events', 'consents'];

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  person = await r.participant('court', 'Leakcheck');
  const opened = await r.courtOrder(person.id, { caseNumber: 'LEAK-1', orderDate: '2026-03-01', programme: 'ost', durationDays: 90 });
  expect(opened.status).toBe(201);
  caseId = opened.json.id as string;
  // From here on, every write to these tables fails in the database, quoting the row.
  await t.db.execute(
    sql.raw(`
    create function test_refuse_write() returns trigger language plpgsql as $$
    begin
      raise exception 'refused row %', row_to_json(new)::text
        using errcode = '23514', detail = 'Failing row contains ' || row_to_json(new)::text, constraint = 'test_refuse_check', table = tg_table_name;
    end $$`),
  );
  for (const table of REFUSED_TABLES) {
    await t.db.execute(sql.raw(`create trigger test_refuse before insert or update on ${table} for each row execute function test_refuse_write()`));
  }
});
afterAll(() => t.close());

/** A value no other test sends, registered so the teardown looks for it in every log line of the run. */
function personal(label: string): string {
  const value = `${label}-${Math.random().toString(36).slice(2, 10)}`;
  t.registerPersonal(value);
  return value;
}

function expectNoLeak(values: string[]) {
  const all = t.logger.lines.join('\n');
  for (const value of values) expect(all, `a log line holds "${value}"`).not.toContain(value);
}

function errorLineOf(requestId: string) {
  const entries = t.logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return entries.find((entry) => entry.requestId === requestId && entry.level === 'error');
}

describe('database errors on routes carrying personal data', () => {
  it('a failed health correction logs the error code, constraint and table, never the health object', async () => {
    const diagnosis = personal('Diagnosis-opioid-dependence');
    const treatment = personal('Treatment-methadone-80mg');
    const response = await t.request('PATCH', `/participants/${person.id}`, {
      token: r.tokens.court,
      headers: { 'x-request-id': 'leak-health' },
      body: { identity: { firstName: personal('Firstname') } },
    });
    expect(response.status).toBe(500);
    const health = await t.request('PATCH', `/participants/${person.id}`, {
      token: r.tokens.provider,
      headers: { 'x-request-id': 'leak-health-2' },
      body: { health: { diagnosis, treatment } },
    });
    // The provider sees health by its part; the write reaches the database and fails there.
    expect(health.status).toBe(500);
    expect(health.text).not.toContain(diagnosis);
    expectNoLeak([diagnosis, treatment]);
    const line = errorLineOf('leak-health-2');
    expect(line).toMatchObject({ msg: 'unhandled error', code: '23514' });
    expect(String(line?.error)).toContain('test_refuse_check');
    expect(String(line?.error)).toContain('participants');
  });

  it('a failed registration logs no name, national id or note', async () => {
    const values = { firstName: personal('Aigerim'), lastName: personal('Leakova'), nationalId: personal('NID-900101'), note: personal('Note-relapse-last-week') };
    const response = await t.request('POST', '/participants', {
      token: r.tokens.prison,
      headers: { 'x-request-id': 'leak-register' },
      body: { identity: { firstName: values.firstName, lastName: values.lastName, dateOfBirth: '1990-01-01', nationalId: values.nationalId }, note: values.note },
    });
    expect(response.status).toBe(500);
    expectNoLeak(Object.values(values));
    expect(errorLineOf('leak-register')).toMatchObject({ code: '23514' });
  });

  it('a failed note logs no note text', async () => {
    const note = personal('Note-lives-with-sister');
    const response = await t.request('PATCH', `/participants/${person.id}`, { token: r.tokens.court, headers: { 'x-request-id': 'leak-note' }, body: { note } });
    expect(response.status).toBe(500);
    expectNoLeak([note]);
    expect(String(errorLineOf('leak-note')?.error)).toContain('participant_notes');
  });

  it('a failed break-glass logs no reason', async () => {
    const reason = personal('Overdose-risk-reported-by-the-family');
    const response = await t.request('POST', `/cases/${caseId}/break-glass`, { token: r.tokens.coordinator, headers: { 'x-request-id': 'leak-glass' }, body: { reason } });
    expect(response.status).toBe(500);
    expectNoLeak([reason]);
    expect(String(errorLineOf('leak-glass')?.error)).toContain('break_glass_grants');
  });

  it('a failed case event logs none of its data', async () => {
    const plan = personal('Plan-ost-and-weekly-counselling');
    const response = await r.send('provider', caseId, 'INTAKE_RECORDED', { assessmentDate: '2026-03-02', rehabilitationPlan: plan, consentToTreatment: true });
    expect(response.status).toBe(500);
    expectNoLeak([plan]);
  });

  it('a failed consent logs no witness name', async () => {
    const witness = personal('Witness-Officer-Karimova');
    const response = await t.request('POST', `/participants/${person.id}/consents`, {
      token: r.tokens.court,
      headers: { 'x-request-id': 'leak-consent' },
      body: {
        organisationId: r.orgs.ngo.id,
        dataClasses: ['identity'],
        purpose: 'post_release_support',
        validFrom: '2026-01-01',
        validUntil: '2027-12-31',
        signedMethod: 'written',
        witness,
        textVersion: 'v1',
      },
    });
    expect(response.status).toBe(500);
    expectNoLeak([witness]);
  });
});

describe('summariseError', () => {
  // The two drivers' error shapes, as drizzle wraps them: postgres.js (snake_case fields) and PGlite.
  const postgresJs = Object.assign(new Error('duplicate key value violates unique constraint "x" Key (national_id)=(800808-DUP)'), {
    name: 'PostgresError',
    code: '23505',
    constraint_name: 'participants_national_id_key',
    table_name: 'participants',
    detail: 'Key (national_id)=(800808-DUP) already exists.',
    parameters: ['800808-DUP'],
  });
  const pglite = Object.assign(new Error('invalid input syntax for type uuid: "Aigerim"'), {
    name: 'error',
    code: '22P02',
    table: 'participants',
    column: 'id',
    detail: 'Aigerim',
  });
  for (const [label, cause] of [
    ['postgres.js', postgresJs],
    ['PGlite', pglite],
  ] as const) {
    it(`keeps the ${label} error's code, constraint and table, and none of its values`, () => {
      const wrapped = Object.assign(new Error('Failed query: select 1\nparams: 800808-DUP,Aigerim'), { query: 'select 1', params: ['800808-DUP', 'Aigerim'], cause });
      const summary = summariseError(wrapped);
      expect(summary).toContain(`code=${cause.code}`);
      expect(summary).toContain('table=participants');
      expect(summary).not.toMatch(/800808|Aigerim|Failed query|params/);
    });
  }
});
