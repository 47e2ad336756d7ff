import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle } from '../../db/client.js';
import type { DatabaseConfig } from '../../src/config.js';
import type { Options } from './options.js';

export type Databases = {
  /** A database for one dataset: a fresh one on the PostgreSQL server, or a PGlite folder under `work`. */
  createTarget: (label: string, embedded?: boolean) => Promise<DatabaseConfig>;
  /** Drops a database createTarget made on the server. */
  drop: (target: DatabaseConfig) => Promise<void>;
  /** The server's version, or null on PGlite. */
  serverVersion: () => Promise<string | null>;
  /** Drops what is left of the created databases (unless kept), then closes the admin connection. */
  close: (keep: boolean) => Promise<void>;
};

export function createDatabases(options: Pick<Options, 'pgUrl' | 'mode'>, work: string): Databases {
  const pgUrl = options.pgUrl;
  const admin = pgUrl ? postgres(pgUrl, { max: 1, onnotice: () => {} }) : null;
  const created: string[] = [];
  const dropNamed = async (name: string) => {
    created.splice(created.indexOf(name), 1);
    await admin!.unsafe(`drop database if exists ${name} with (force)`);
  };
  return {
    async createTarget(label, embedded = options.mode === 'pglite') {
      if (!embedded) {
        const name = `cadap_bench_${label}_${Date.now().toString(36)}`;
        await admin!.unsafe(`create database ${name}`);
        created.push(name);
        const url = new URL(pgUrl!);
        url.pathname = `/${name}`;
        return { kind: 'postgres', url: url.toString(), poolMax: 10 };
      }
      const dataDir = path.join(work, label);
      fs.mkdirSync(dataDir, { recursive: true });
      return { kind: 'pglite', dataDir };
    },
    async drop(target) {
      if (target.kind === 'postgres') await dropNamed(new URL(target.url).pathname.slice(1));
    },
    async serverVersion() {
      return admin ? ((await admin`show server_version`)[0] as { server_version: string }).server_version : null;
    },
    async close(keep) {
      try {
        if (!keep) for (const name of [...created]) await dropNamed(name);
      } finally {
        await admin?.end();
      }
    },
  };
}

export async function withDatabase<T>(target: DatabaseConfig, run: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const database = await openDatabase(target);
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}
