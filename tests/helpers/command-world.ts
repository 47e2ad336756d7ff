import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, type DatabaseConfig, type DatabaseHandle } from '../../db/client.js';
import { withDatabase } from './database-url.js';
import { runToCompletion, serviceEnv } from './process.js';

/**
 * A fresh, empty database for a test of the command line as a deployer runs it: embedded PGlite
 * in a new DATA_DIR, or a new PostgreSQL database when TEST_DATABASE_URL is set (created by
 * `create`, dropped with the folder by `remove`). `cadap` runs the command line as a process on it;
 * `withDatabase` opens it from the test while no command holds it (the embedded one is locked to
 * one process).
 */
export function commandWorld(name: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `cadap-${name}-`));
  const adminUrl = process.env.TEST_DATABASE_URL;
  const databaseName = `cadap_${name}_${process.pid}_${Date.now()}`;
  const url = adminUrl ? withDatabase(adminUrl, databaseName) : undefined;
  const databaseConfig: DatabaseConfig = url ? { kind: 'postgres', url, poolMax: 2 } : { kind: 'pglite', dataDir };
  const env = serviceEnv({ DATA_DIR: dataDir, ...(url ? { DATABASE_URL: url, AUTH_EMBEDDED_KEY: 'true' } : {}) });
  const asAdmin = async (statement: string) => {
    if (!adminUrl) return;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(statement);
    } finally {
      await admin.end();
    }
  };
  return {
    dataDir,
    kind: url ? ('PostgreSQL' as const) : ('PGlite' as const),
    env,
    cadap: (...args: string[]) => runToCompletion('src/cli/cadap.ts', args, env),
    create: () => asAdmin(`CREATE DATABASE ${databaseName}`),
    remove: async () => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await asAdmin(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    },
    async withDatabase<T>(work: (db: DatabaseHandle['db']) => Promise<T>): Promise<T> {
      const database = await openDatabase(databaseConfig);
      try {
        return await work(database.db);
      } finally {
        await database.close();
      }
    },
  };
}
