import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createPostgresClient, wrapPglite, wrapPostgres, type DatabaseHandle } from '../../db/client.js';
import { withDatabase } from './database-url.js';

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/**
 * An isolated, migrated database for one test file: a copy of the run's template, on
 * PostgreSQL when TEST_DATABASE_URL is set, else in-memory PGlite. Dropped on close.
 */
export async function openTestDatabase(): Promise<DatabaseHandle & { url?: string }> {
  const url = process.env.TEST_DATABASE_URL;
  const template = inject('postgresTemplate');
  if (url && template) {
    const name = `cadap_t_${randomBytes(6).toString('hex')}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    } finally {
      await admin.end();
    }
    const databaseUrl = withDatabase(url, name);
    const handle = wrapPostgres(createPostgresClient(databaseUrl, 10), databaseUrl);
    return {
      ...handle,
      url: databaseUrl,
      close: async () => {
        await handle.close();
        const dropper = postgres(url, { max: 1, onnotice: () => {} });
        try {
          await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      },
    };
  }
  const dump = fs.readFileSync(inject('pgliteTemplate'));
  const client = await PGlite.create({ loadDataDir: new Blob([dump]) });
  return wrapPglite(client);
}
