import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { acquireDataDirLock, clearStalePostmasterPid, type DataDirLock } from './data-dir-lock.js';
import { migratePgliteClient, migratePostgresUrl } from './migrate.js';
import { schema } from './schema.js';
import { openFromTemplate } from './template.js';

/** Which database to open: src/config.ts parses it from the environment. */
export type DatabaseConfig =
  /** Embedded PGlite: the database lives in `dataDir/pgdata`, and `dataDir` is locked to one process. */
  { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; poolMax: number };

/** The one database type the code base uses: drizzle over PGlite or postgres.js, same schema. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either the database or an open transaction: services accept both so callers choose the boundary. */
export type Executor = Database | Transaction;

/**
 * How the driver's connections are used right now (for the metrics). PostgreSQL: postgres.js's pool
 * (`max` connections, opened on demand and closed when idle). Embedded PGlite is one connection that
 * runs one query or transaction at a time: in use while one runs, the others waiting behind it.
 */
export type PoolStats = { max: number; inUse: number; idle: number; connecting: number; waiting: number };

export type DatabaseHandle = {
  kind: 'pglite' | 'postgres';
  db: Database;
  poolStats(): PoolStats;
  /** Applies the committed migrations (db/migrations), the same files on either driver. */
  migrate(): Promise<void>;
  /** Runs a trivial query; throws when the database cannot be reached. */
  ping(): Promise<void>;
  /**
   * PGlite only: a tar of the data folder (PGlite's `dumpDataDir`) taken between transactions, so
   * it is consistent while the service writes (PostgreSQL is backed up with pg_dump instead).
   */
  snapshot?(): Promise<Uint8Array>;
  /** PGlite only, when this open made a new database: copied from the migrated template, or created by PGlite (db/template.ts). */
  created?: 'template' | 'initdb';
  close(): Promise<void>;
};

export function wrapPglite(client: PGlite, onClose?: () => void): DatabaseHandle {
  const inFlight = countCalls(client);
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    kind: 'pglite',
    db,
    poolStats: () => {
      const calls = inFlight();
      return { max: 1, inUse: Math.min(calls, 1), idle: calls === 0 ? 1 : 0, connecting: 0, waiting: Math.max(calls - 1, 0) };
    },
    migrate: () => migratePgliteClient(client),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    snapshot: async () => {
      // A checkpoint first writes the shared buffers to the files, so the copy needs little recovery
      // when it is opened. Then the copy is read while no transaction is open: the transaction lock
      // waits for an open one to end (a query alone takes only the query lock, so a transaction's
      // own statements could otherwise run around the copy). The tar is read from the files at once,
      // with nothing written in between.
      await client.exec('CHECKPOINT');
      const dump = await client._runExclusiveTransaction(() => client.dumpDataDir('none'));
      return new Uint8Array(await dump.arrayBuffer());
    },
    close: async () => {
      try {
        if (!client.closed) await client.close();
      } finally {
        onClose?.();
      }
    },
  };
}

/** What patches/postgres+3.4.9.patch adds to postgres.js: its queues' lengths, which it does not expose. */
type PooledClient = postgres.Sql & { poolStats?: () => PoolStats };

export function wrapPostgres(client: postgres.Sql, url: string): DatabaseHandle {
  const db = drizzlePostgres(client, { schema }) as unknown as Database;
  return {
    kind: 'postgres',
    db,
    poolStats: () => {
      const stats = (client as PooledClient).poolStats;
      if (!stats) throw new Error('postgres.js pool statistics are missing: is patches/postgres+3.4.9.patch applied (npm ci runs patch-package)?');
      return stats();
    },
    migrate: () => migratePostgresUrl(url),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * Counts the calls PGlite is running or queueing: every query, exec and transaction of the
 * service goes through these three methods (a transaction's own queries go through its `tx`, so
 * are not counted twice), and PGlite runs them one at a time behind a mutex it does not expose.
 */
function countCalls(client: PGlite): () => number {
  let calls = 0;
  const methods = client as unknown as Record<'query' | 'exec' | 'transaction', (...args: unknown[]) => Promise<unknown>>;
  for (const name of ['query', 'exec', 'transaction'] as const) {
    const original = methods[name].bind(client);
    methods[name] = async (...args: unknown[]) => {
      calls += 1;
      try {
        return await original(...args);
      } finally {
        calls -= 1;
      }
    };
  }
  return () => calls;
}

/**
 * The service's connections. `jit` is off for them (a startup parameter, so for every statement
 * on the connection): the service's statements are short, and PostgreSQL decides to compile one
 * from the planner's cost estimate alone, so an estimate that balloons (stale statistics, a
 * parameter the planner cannot see) cost about 200 ms of compiling for a statement that runs in
 * one (bench/README.md, the thirteenth and fourteenth passes).
 */
export function createPostgresClient(url: string, max: number): postgres.Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: 5,
    idle_timeout: 60,
    connection: { jit: 'off' },
  });
}

/**
 * Opens the configured database. PGlite's data folder is locked for this process first;
 * a second process is refused with a clear message. `fromTemplate`: a new embedded database is
 * made from the migrated template (db/template.ts), for callers that migrate anyway (the service
 * with MIGRATE_ON_START, `cadap migrate`); others get an empty, unmigrated one as before.
 */
export async function openDatabase(config: DatabaseConfig, options: { fromTemplate?: boolean } = {}): Promise<DatabaseHandle> {
  if (config.kind === 'postgres') return wrapPostgres(createPostgresClient(config.url, config.poolMax), config.url);
  const lock: DataDirLock = acquireDataDirLock(config.dataDir);
  try {
    const pgData = path.join(config.dataDir, 'pgdata');
    clearStalePostmasterPid(pgData);
    const { client, created } = await openFromTemplate(pgData, { use: options.fromTemplate === true });
    return { ...wrapPglite(client, () => lock.release()), ...(created ? { created } : {}) };
  } catch (error) {
    lock.release();
    throw error;
  }
}
