import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresClient, type DatabaseHandle } from '../db/client.js';
import { onPostgres, openTestDatabase } from './helpers/test-database.js';

/**
 * postgres.js itself, with the service's client options and no service around it, while
 * PostgreSQL kills its backends (`pg_terminate_backend`). A query on a killed backend may fail;
 * what must never happen is a query that resolves with a wrong answer. postgres.js 3.4.9 counted
 * the rows of a result in a variable of the connection that only a completed query set back to 0:
 * a query killed after some of its rows had arrived left the count behind, and the first result
 * read on the reconnected connection started at that offset, a sparse array whose first element
 * was `undefined` (the service read "no such participant" for a person who exists). The killed
 * query's error was also left behind, and failed the first query of the new connection.
 * patches/postgres+3.4.9.patch resets both when a connection closes and at every ReadyForQuery.
 */
const PEOPLE = 2000;
/** The drive below stops after this many kills that landed on a backend running a query. */
const KILLS_MID_QUERY = 40;

describe.skipIf(!onPostgres)('postgres.js under pg_terminate_backend (PostgreSQL)', { timeout: 240_000 }, () => {
  let database: DatabaseHandle & { url?: string };
  let admin: postgres.Sql;

  beforeAll(async () => {
    database = await openTestDatabase();
    admin = postgres(database.url!, { max: 1, onnotice: () => {} });
    await admin`create table driver_probe (id int primary key, name text not null)`;
    await admin`insert into driver_probe select i, 'person ' || i from generate_series(1, ${PEOPLE}::int) i`;
  });
  afterAll(async () => {
    await admin?.end();
    await database?.close();
  });

  async function until(condition: () => Promise<boolean>) {
    while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  for (const prepare of [true, false]) {
    it(`a ${prepare ? 'named (prepared)' : 'unnamed'} query killed after some of its rows arrived leaves nothing behind for the next queries`, async () => {
      const client = createPostgresClient(database.url!, 1);
      try {
        const [backend] = await client`select pg_backend_pid() as pid`;
        // Streams 1,999 rows (well over PostgreSQL's 8 kB output buffer, so they reach the
        // client), then sleeps before the 2,000th: the kill lands in the middle of the result.
        const streaming = client
          .unsafe(`select i, repeat('x', 100) as pad, case when i = 2000 then pg_sleep(600) end as pause from generate_series(1, 3000) i`, [], { prepare })
          .then(
            () => 'resolved',
            (error: { code?: string }) => error.code,
          );
        await until(async () => (await admin`select 1 from pg_stat_activity where pid = ${backend!.pid} and wait_event = 'PgSleep'`).length === 1);
        const [killed] = await admin`select pg_terminate_backend(${backend!.pid}) as ok`;
        expect(killed!.ok).toBe(true);
        expect(['57P01', 'CONNECTION_CLOSED']).toContain(await streaming);

        // The same connection, reconnected: every query answers, and in full.
        for (const id of [7, 8, 9]) {
          const rows = await client.unsafe('select id, name from driver_probe where id = $1', [id], { prepare });
          expect(Array.from(rows)).toEqual([{ id, name: `person ${id}` }]);
        }
      } finally {
        await client.end({ timeout: 5 });
      }
    });
  }

  it('concurrent named and unnamed queries of several shapes never resolve with a wrong answer while backends die', async () => {
    const client = createPostgresClient(database.url!, 4);
    const wrong: string[] = [];
    let answered = 0;
    let failed = 0;
    let killsMidQuery = 0;
    let driving = true;

    const check = (shape: string, rows: readonly unknown[], expected: unknown[]) => {
      const got = Array.from(rows);
      if (JSON.stringify(got) === JSON.stringify(expected)) answered += 1;
      else wrong.push(`${shape}: ${got.length} rows, ${got.filter((row) => row === undefined).length} missing, expected ${expected.length}`);
    };
    const someone = () => 1 + Math.floor(Math.random() * PEOPLE);
    const shapes = [
      async () => {
        const id = someone();
        check('one person (named)', await client.unsafe('select id, name from driver_probe where id = $1', [id], { prepare: true }), [{ id, name: `person ${id}` }]);
      },
      async () => {
        const id = someone();
        check('one person (unnamed)', await client.unsafe('select id, name from driver_probe where id = $1::int', [id], { prepare: false }), [{ id, name: `person ${id}` }]);
      },
      async () => {
        const rows = await client.unsafe('select id from driver_probe where id <= $1 order by id', [1500], { prepare: true });
        check(
          '1,500 people (named)',
          rows,
          Array.from({ length: 1500 }, (_, i) => ({ id: i + 1 })),
        );
      },
      async () => {
        check('a count (unnamed)', await client.unsafe('select count(*)::int as n from driver_probe', [], { prepare: false }), [{ n: PEOPLE }]);
      },
      async () => {
        const id = someone();
        const rows = await client.unsafe(`select json_build_object('id', id, 'name', name) as person from driver_probe where id = $1`, [id], { prepare: true });
        check('one person as JSON (named)', rows, [{ person: { id, name: `person ${id}` } }]);
      },
    ];

    const killer = (async () => {
      while (killsMidQuery < KILLS_MID_QUERY && wrong.length === 0) {
        const [killed] = await admin`
          select count(*) filter (where pg_terminate_backend(pid))::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and state = 'active'`;
        killsMidQuery += killed!.n;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
      }
      driving = false;
    })();
    const workers = Array.from({ length: 8 }, async () => {
      while (driving) {
        await shapes[Math.floor(Math.random() * shapes.length)]!().catch(() => {
          failed += 1;
        });
      }
    });
    try {
      await killer;
      await Promise.all(workers);
    } finally {
      await client.end({ timeout: 5 });
    }

    expect(wrong).toEqual([]);
    expect(killsMidQuery).toBeGreaterThanOrEqual(KILLS_MID_QUERY);
    expect(failed).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(0);
  });
});
