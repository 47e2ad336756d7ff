import type { Executor } from './client.js';

type Runnable = { execute(placeholders?: Record<string, unknown>): Promise<unknown> };

/**
 * A hot read built once per database and run as a prepared statement: drizzle builds its SQL
 * once instead of on every call, and on PostgreSQL postgres.js parses it once per connection (it
 * names the statement per connection and prepares it again on a new one). `build` uses
 * `sql.placeholder` for every value. In a transaction the query goes through the transaction's
 * own client, so it is built there (still prepared on that connection).
 *
 * Named statements are safe while backends are killed only with the postgres.js patch
 * (patches/postgres+3.4.9.patch, tests/driver-termination.fault.test.ts): without it a query
 * killed mid-result could make the next result on that connection come back with `undefined`
 * for its first row.
 */
export function preparedPerDatabase<P extends Runnable>(name: string, build: (db: Executor) => { prepare(name: string): P }): (db: Executor) => P {
  const prepared = new WeakMap<Executor, P>();
  return (db) => {
    if ('rollback' in db) return build(db).prepare(name);
    let query = prepared.get(db);
    if (!query) {
      query = build(db).prepare(name);
      prepared.set(db, query);
    }
    return query;
  };
}
