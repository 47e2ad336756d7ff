import type { SQL } from 'drizzle-orm';
import type { Executor } from './client.js';

type Runnable = { execute(placeholders?: Record<string, unknown>): Promise<unknown> };

/** What drizzle keeps of a transaction (its own client, and the options its database's session shares with every transaction's). */
type TransactionSession = { client?: unknown; options?: object };

/**
 * A hot read built once per database and run as a prepared statement: drizzle builds its SQL
 * once instead of on every call, and on PostgreSQL postgres.js parses it once per connection (it
 * names the statement per connection and prepares it again on a new one). `build` uses
 * `sql.placeholder` for every value.
 *
 * In a transaction the query must run on the transaction's own client. drizzle's prepared query
 * (postgres.js and PGlite alike) keeps its client in `client`, and a transaction's session keeps
 * the transaction's client in `session.client` and the database's options in `session.options`
 * (the same object for every transaction of one database): the query is built once per database
 * from the first transaction, and each call runs a view of it whose `client` is the calling
 * transaction's. Built on every call was 4% of the service's CPU under the event load. Should a
 * drizzle upgrade rename either field, the query is built on every call again, as before.
 *
 * Named statements are safe while backends are killed only with the postgres.js patch
 * (patches/postgres+3.4.9.patch, tests/driver-termination.fault.test.ts): without it a query
 * killed mid-result could make the next result on that connection come back with `undefined`
 * for its first row.
 */
export function preparedPerDatabase<P extends Runnable>(name: string, build: (db: Executor) => { prepare(name: string): P }): (db: Executor) => P {
  const prepared = new WeakMap<object, P>();
  return (db) => {
    if ('rollback' in db) {
      const session = (db as unknown as { session?: TransactionSession }).session;
      if (!session?.options || session.client === undefined) return build(db).prepare(name);
      let query = prepared.get(session.options);
      if (!query) {
        query = build(db).prepare(name);
        if (!('client' in query)) return query;
        prepared.set(session.options, query);
      }
      return Object.create(query, { client: { value: session.client } }) as P;
    }
    let query = prepared.get(db);
    if (!query) {
      query = build(db).prepare(name);
      prepared.set(db, query);
    }
    return query;
  };
}

/** What drizzle keeps of a database or transaction to run a statement with: its session (its own client) and its dialect. */
type Internals = {
  session: { prepareQuery(query: { sql: string; params: unknown[] }, fields: undefined, name: string, arrayMode: boolean): Runnable };
  dialect: { sqlToQuery(statement: SQL): { sql: string; params: unknown[] } };
};

/**
 * A raw statement (a `sql` template with a `sql.placeholder` for every value) run as a named
 * prepared statement, for statements drizzle's builders cannot express (the audit append's
 * recursive `with`): its text is built once, and on PostgreSQL postgres.js parses it once per
 * connection, as `preparedPerDatabase` does. A transaction runs it on its own client (its
 * session's). Returns the driver's result (`rowsOf` reads its rows).
 */
export function preparedStatement(name: string, statement: SQL): (db: Executor, values: Record<string, unknown>) => Promise<unknown> {
  let built: { sql: string; params: unknown[] } | undefined;
  return (db, values) => {
    const { session, dialect } = db as unknown as Internals;
    built ??= dialect.sqlToQuery(statement);
    return session.prepareQuery(built, undefined, name, false).execute(values);
  };
}
