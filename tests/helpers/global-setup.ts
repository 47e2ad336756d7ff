import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { migratePgliteClient, migratePostgresUrl } from '../../db/migrate.js';
import { withDatabase } from './database-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresTemplate: string | null;
    logDir: string;
  }
}

/**
 * Migrates once per run: a PGlite data-dir dump that every test file loads, and, with
 * TEST_DATABASE_URL, a PostgreSQL template database that each file copies with
 * `CREATE DATABASE … TEMPLATE`.
 */
export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-test-'));
  const pglite = await PGlite.create();
  await migratePgliteClient(pglite);
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  const dumpFile = path.join(dir, 'template.tar');
  fs.writeFileSync(dumpFile, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', dumpFile);

  const url = process.env.TEST_DATABASE_URL;
  let template: string | null = null;
  if (url) {
    template = `cadap_tpl_${process.pid}_${Date.now().toString(36)}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE ${template}`);
    } finally {
      await admin.end();
    }
    await migratePostgresUrl(withDatabase(url, template));
  }
  project.provide('postgresTemplate', template);
  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(logDir);
  project.provide('logDir', logDir);

  return async () => {
    const leaks = findLeaks(logDir);
    fs.rmSync(dir, { recursive: true, force: true });
    if (url && template) {
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    }
    if (leaks.length > 0) {
      process.exitCode = 1;
      throw new Error(`The service logged personal data or tokens during the tests:\n${leaks.slice(0, 20).join('\n')}`);
    }
  };
}

const TOKEN = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

/** Every log line of the run against every personal value the tests seeded, and against token shapes. */
export function findLeaks(logDir: string): string[] {
  const files = fs.readdirSync(logDir);
  const seeded = new Set(files.filter((file) => file.startsWith('seeded-')).flatMap((file) => fs.readFileSync(path.join(logDir, file), 'utf8').split('\n').filter(Boolean)));
  const leaks: string[] = [];
  let lines = 0;
  for (const file of files.filter((name) => name.startsWith('log-'))) {
    for (const line of fs.readFileSync(path.join(logDir, file), 'utf8').split('\n')) {
      lines += 1;
      if (TOKEN.test(line)) leaks.push(`token in ${file}: ${line.slice(0, 200)}`);
      for (const value of seeded) if (line.includes(value)) leaks.push(`"${value}" in ${file}: ${line.slice(0, 200)}`);
    }
  }
  process.stdout.write(`log check: ${lines} log lines of the run checked against ${seeded.size} seeded personal values and token shapes\n`);
  return leaks;
}
