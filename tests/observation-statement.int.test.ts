import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/migrate.js';
import { verifyAuditTrail } from '../src/audit/verify.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';
import { statementCounter } from './helpers/statements.js';
import { onPostgres } from './helpers/test-database.js';

/**
 * An observation that writes nothing but the case's data, its history row and its audit row (a
 * drug test on an enrolled prisoner) is recorded without a transaction around it: the case read
 * without a lock, then one statement that changes the case only at the version read, inserts the
 * history row and appends the audit row (`recordObservation`, src/cases/observations.ts). What the
 * lock gave, this must still give: racing events on one case are recorded one at a time or
 * refused as stale, never both written at one version and never lost; a failure anywhere in the
 * statement writes nothing at all; an observation that does more is recorded in a transaction on
 * the case as read, and only if the case is still at that version.
 */
let t: TestContext;
let r: Region;
let counter: ReturnType<typeof statementCounter>;

beforeAll(async () => {
  t = await createTestContext();
  counter = statementCounter(t.db);
  r = await createRegion(t);
});
afterAll(() => t.close());

/** What the database holds of a case: its row's version and time, its history's versions, and its successful event audit rows' actions (sorted: the test clock stands still, so rows on different chains have no order). */
async function stored(id: string) {
  const [row] = rowsOf<{ version: number; updated_at: string }>(await t.db.execute(sql`select version, updated_at::text from cases where id = ${id}`));
  const history = rowsOf<{ version: number; type: string }>(await t.db.execute(sql`select version, type from case_events where case_id = ${id} order by version`));
  const audited = rowsOf<{ action: string }>(
    await t.db.execute(sql`select action from audit_events where subject_id = ${id} and action like 'case.event.%' and outcome = 'success' order by action`),
  );
  return { version: row!.version, updatedAt: row!.updated_at, history, audited: audited.map((entry) => entry.action) };
}

describe('a drug test in one statement', () => {
  it('is the unlocked read and one statement, and answers as a read of the case after it does', async () => {
    const target = await r.enrolled('Single');
    const { result: response, statements } = await counter.during(() => r.drugTest(target.id, target.version));
    expect(response.status, response.text).toBe(201);
    expect(statements, statements.join('\n')).toHaveLength(2);
    expect(statements[0]).not.toMatch(/for update/i);
    expect(statements[1]).toMatch(/^\s*with recursive changed as \(\s*update "cases"/i);
    const read = await t.request('GET', `/cases/${target.id}`, { token: r.tokens.prison });
    expect(response.json.case).toEqual(read.json);
    const history = await t.request('GET', `/cases/${target.id}/events?limit=50`, { token: r.tokens.prison });
    expect(history.json.items.at(-1)).toEqual(response.json.event);
    const after = await stored(target.id);
    expect(after.version).toBe(target.version + 1);
    expect(after.history.at(-1)).toEqual({ version: target.version + 1, type: 'DRUG_TEST_RECORDED' });
    expect(after.audited.filter((action) => action === 'case.event.DRUG_TEST_RECORDED')).toHaveLength(1);
  });

  it('racing at one version: one is recorded, every other is STALE_VERSION, and nothing else is written', async () => {
    const target = await r.enrolled('Racing');
    const before = await stored(target.id);
    const responses = await Promise.all(Array.from({ length: 8 }, () => r.drugTest(target.id, target.version)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses, responses.map((response) => response.text).join('\n')).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const refused of responses.filter((response) => response.status === 409)) expect(refused.json.code).toBe('STALE_VERSION');
    const after = await stored(target.id);
    expect(after.version).toBe(target.version + 1);
    expect(after.history).toEqual([...before.history, { version: target.version + 1, type: 'DRUG_TEST_RECORDED' }]);
    expect(after.audited).toEqual([...before.audited, 'case.event.DRUG_TEST_RECORDED'].sort());
  });

  it('racing clients that retry when stale: each test recorded exactly once, at consecutive versions, each with its audit row, and the trail verifies', async () => {
    const target = await r.enrolled('Retrying');
    const before = await stored(target.id);
    const clients = 6;
    const attempts: number[] = [];
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        let version = target.version;
        for (let attempt = 1; attempt <= 50; attempt++) {
          const response = await r.drugTest(target.id, version, client % 2 === 0 ? 'negative' : 'positive');
          if (response.status === 201) return attempts.push(attempt);
          expect(response.status, response.text).toBe(409);
          const current = await t.request('GET', `/cases/${target.id}`, { token: r.tokens.prison });
          version = current.json.version as number;
        }
        throw new Error(`client ${client} was never recorded`);
      }),
    );
    expect(attempts).toHaveLength(clients);
    const after = await stored(target.id);
    expect(after.version).toBe(target.version + clients);
    expect(after.history.slice(before.history.length)).toEqual(
      Array.from({ length: clients }, (_, index) => ({ version: target.version + 1 + index, type: 'DRUG_TEST_RECORDED' })),
    );
    expect(after.audited).toEqual([...before.audited, ...Array.from({ length: clients }, () => 'case.event.DRUG_TEST_RECORDED')].sort());
    expect((await verifyAuditTrail(t.db, t.auditSigner, t.clock.now())).ok).toBe(true);
  });
});

describe('when the statement fails in the database', () => {
  it('nothing of the event is written: not the case, not its history, not its audit row', async () => {
    const target = await r.enrolled('Refused');
    await t.db.execute(
      sql.raw(`
      create function test_refuse_observation() returns trigger language plpgsql as $$
      begin
        if tg_table_name = 'case_events' and new.type = 'DRUG_TEST_RECORDED' or tg_table_name = 'audit_events' and new.action = 'case.event.DRUG_TEST_RECORDED' then
          raise exception 'refused in test';
        end if;
        return new;
      end $$`),
    );
    try {
      for (const table of ['audit_events', 'case_events']) {
        const before = await stored(target.id);
        await t.db.execute(sql.raw(`create trigger test_refuse_observation before insert on ${table} for each row execute function test_refuse_observation()`));
        try {
          const response = await r.drugTest(target.id, target.version);
          expect(response.status, `${table}: ${response.text}`).toBe(500);
        } finally {
          await t.db.execute(sql.raw(`drop trigger test_refuse_observation on ${table}`));
        }
        expect(await stored(target.id), table).toEqual(before);
      }
    } finally {
      await t.db.execute(sql.raw(`drop function test_refuse_observation()`));
    }
    // Nothing held: the same event goes through once the database takes it.
    expect((await r.drugTest(target.id, target.version)).status).toBe(201);
  });
});

describe('an observation that does more than its own writes', () => {
  async function activePatronage(name: string) {
    const person = await r.participant('prison', name);
    await r.consent(person.id, r.orgs.ngo);
    const handover = await r.handover(person.id);
    expect(handover.status, handover.text).toBe(201);
    const id = handover.json.id as string;
    expect((await r.send('ngo', id, 'ACKNOWLEDGED', { caseworker: 'Aliya', plannedFirstContact: '2026-03-02' })).json.case.state).toBe('acknowledged');
    const active = await r.send('ngo', id, 'FIRST_CONTACT_MADE', { at: '2026-03-02T12:00:00+05:00', how: 'in_person' });
    expect(active.json.case.state).toBe('active');
    return { id, version: active.json.case.version as number };
  }

  const contact = (id: string, version: number, date: string) =>
    t.request('POST', `/cases/${id}/events`, { token: r.tokens.ngo, body: { type: 'CONTACT_RECORDED', data: { date, kind: 'phone', outcome: 'Fine' }, expectedVersion: version } });

  it('a contact, which moves its deadline, is recorded in a transaction that locks the case at the version it was decided on', async () => {
    const target = await activePatronage('Contacted');
    const { result: response, statements } = await counter.during(() => contact(target.id, target.version, '2026-03-05'));
    expect(response.status, response.text).toBe(201);
    expect(response.json.case).toMatchObject({ version: target.version + 1, data: { nextContactDue: '2026-03-12' } });
    // The unlocked read, then the row locked and its version checked before anything is written.
    expect(statements[0]).not.toMatch(/for update/i);
    expect(statements[1]).toMatch(/^select "version" from "cases" where "cases"."id" = \$1 for update$/);
    const due = (await r.deadlinesOf(target.id)).filter((row) => row.rule === 'contact_due' && row.status === 'open');
    expect(due.map((row) => row.dueAt.toISOString().slice(0, 10))).toEqual(['2026-03-12']);
  });

  it('racing contacts at one version: one moves the deadline, the other is STALE_VERSION and moves nothing', async () => {
    const target = await activePatronage('Contacted twice');
    const before = await stored(target.id);
    const responses = await Promise.all([contact(target.id, target.version, '2026-03-04'), contact(target.id, target.version, '2026-03-06')]);
    expect(responses.map((response) => response.status).sort(), responses.map((response) => response.text).join('\n')).toEqual([201, 409]);
    const recorded = responses.find((response) => response.status === 201)!;
    const after = await stored(target.id);
    expect(after.version).toBe(target.version + 1);
    expect(after.history).toEqual([...before.history, { version: target.version + 1, type: 'CONTACT_RECORDED' }]);
    expect(after.audited).toEqual([...before.audited, 'case.event.CONTACT_RECORDED'].sort());
    const due = (await r.deadlinesOf(target.id)).filter((row) => row.rule === 'contact_due' && row.status === 'open');
    expect(due.map((row) => row.dueAt.toISOString().slice(0, 10))).toEqual([recorded.json.case.data.nextContactDue]);
  });
});

describe.runIf(onPostgres)('its locks, beside a transaction on PostgreSQL', () => {
  /** A resident of a house of its own (beds to spare), and a token of the house's staff. */
  async function resident(name: string) {
    const house = await t.organisation('halfway_house', { region: r.orgs.house.region, beds: 5 });
    const token = await t.tokenFor(house, 'halfway_house_staff');
    const person = await r.participant('prison', name);
    const stay = await r.open('prison', 'halfway-house', person.id, [{ part: 'halfway_house', organisationId: house.id }], { expectedArrivalDate: '2026-03-02' });
    expect(stay.status, stay.text).toBe(201);
    const id = stay.json.id as string;
    const send = async (type: string, data: Record<string, unknown>) => {
      const current = await t.request('GET', `/cases/${id}`, { token });
      return t.request('POST', `/cases/${id}/events`, { token, body: { type, data, expectedVersion: current.json.version } });
    };
    expect((await send('ACCEPTED', {})).status).toBe(201);
    const arrived = await send('ARRIVED', { arrivedAt: '2026-03-02T10:00:00+05:00' });
    expect(arrived.json.case.state, arrived.text).toBe('resident');
    return { id, version: arrived.json.case.version as number, house, token };
  }

  it('takes the sender’s organisation before a chain head, as a capacity decision does, so the two cannot deadlock', async () => {
    const stay = await resident('Locked out');
    const other = postgres(t.database.url!, { max: 3, onnotice: () => {} });
    try {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      // A capacity decision on the house (capacity.ts): its row locked, then, at the end of the
      // transaction, its audit append, here waiting for every head at once.
      const decision = other.begin(async (tx) => {
        await tx`select beds from organisations where id = ${stay.house.id} for update`;
        holding();
        await released;
        await tx`select chain from audit_chains order by chain for update`;
      });
      await held;
      // An incident that is not a relapse is an observation recorded in one statement.
      const incident = t.request('POST', `/cases/${stay.id}/events`, {
        token: stay.token,
        body: { type: 'INCIDENT_RECORDED', data: { date: '2026-03-02', kind: 'curfew' }, expectedVersion: stay.version },
      });
      for (let wait = 0; wait < 200; wait += 1) {
        const [waiting] = await other`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
        if (waiting!.n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      // Waiting for the house's row, the incident holds no chain head.
      const free = await other`select chain from audit_chains for update skip locked`;
      release();
      expect(free.map((row) => row.chain as string).sort()).toEqual(Array.from({ length: 8 }, (_, index) => `chain-${index}`));
      await decision;
      const response = await incident;
      expect(response.status, response.text).toBe(201);
      expect((await stored(stay.id)).version).toBe(stay.version + 1);
    } finally {
      await other.end();
    }
  });
});
