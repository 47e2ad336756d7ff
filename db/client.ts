import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { acquireDataDirLock, clearStalePostmasterPid, type DataDirLock } from './data-dir-lock.js';
import { migratePgliteClient, migratePostgresUrl } from './migrate.js';
import { schema } from './schema.js';

/** Which database to open: src/config.ts parses it from the environment. */
export type DatabaseConfig =
  /** Embedded PGlite: the database lives in `dataDir/pgdata`, and `dataDir` is locked to one process. */
  { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; poolMax: number };

/** The one database type the code base uses: drizzle over PGlite or postgres.js, same schema. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either the database or an open transaction: services accept both so callers choose the boundary. */
export type Executor = Database | Transaction;

export type DatabaseHandle = {
  kind: 'pglite' | 'postgres';
  db: Database;
  /** Applies the committed migrations (db/migrations), the same files on either driver. */
  migrate(): Promise<void>;
  /** Runs a trivial query; throws when the database cannot be reached. */
  ping(): Promise<void>;
  /**
   * PGlite only: a tar of the data folder (PGlite's `dumpDataDir`) taken between transactions, so
   * it is consistent while the service writes (PostgreSQL is backed up with pg_dump instead).
   */
  snapshot?(): Promise<Uint8Array>;
  close(): Promise<void>;
};

export function wrapPglite(client: PGlite, onClose?: () => void): DatabaseHandle {
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    kind: 'pglite',
    db,
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

export function wrapPostgres(client: postgres.Sql, url: string): DatabaseHandle {
  const db = drizzlePostgres(client, { schema }) as unknown as Database;
  return {
    kind: 'postgres',
    db,
    migrate: () => migratePostgresUrl(url),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}

export function createPostgresClient(url: string, max: number): postgres.Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: 5,
    idle_timeout: 60,
  });
}

/**
 * Opens the configured database. PGlite's data folder is locked for this process first;
 * a second process is refused with a clear message.
 */
export async function openDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
  if (config.kind === 'postgres') return wrapPostgres(createPostgresClient(config.url, config.poolMax), config.url);
  const lock: DataDirLock = acquireDataDirLock(config.dataDir);
  try {
    const pgData = path.join(config.dataDir, 'pgdata');
    clearStalePostmasterPid(pgData);
    const client = await PGlite.create({ dataDir: pgData });
    return wrapPglite(client, () => lock.release());
  } catch (error) {
    lock.release();
    throw error;
  }
}
