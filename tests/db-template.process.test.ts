import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedMigrationCount, MIGRATIONS_FOLDER } from '../db/migrate.js';
import { openFromTemplate } from '../db/template.js';
import { findTemplate, templateKey } from '../db/template-build.mjs';
import { serviceEnv, startServiceProcess } from './helpers/process.js';

/**
 * A new embedded database is a copy of a migrated template (db/template-build.mjs), made once per
 * PGlite version and set of migrations. These tests keep their templates in a folder of their own,
 * except the service's starts, which use the default one (node_modules/.cache/cadap-db-template).
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-db-template-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
let folders = 0;
const folder = (name: string) => {
  folders += 1;
  return path.join(work, `${name}-${folders}`);
};

async function withClient<T>(pgData: string, body: (client: PGlite) => Promise<T>): Promise<T> {
  const client = await PGlite.create({ dataDir: pgData });
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

const appliedMigrations = (pgData: string) =>
  withClient(pgData, async (client) => (await client.query<{ count: number }>('select count(*)::int as count from drizzle.__drizzle_migrations')).rows[0]!.count);

/** A copy of the committed migrations with one more, so its templates have another key. */
function migrationsWithOneMore(): string {
  const copy = folder('migrations');
  fs.cpSync(MIGRATIONS_FOLDER, copy, { recursive: true });
  const journalFile = path.join(copy, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { idx: number; when: number; tag: string }[] };
  const last = journal.entries.at(-1)!;
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag: '9999_template_test' });
  fs.writeFileSync(journalFile, JSON.stringify(journal));
  fs.writeFileSync(path.join(copy, '9999_template_test.sql'), 'CREATE TABLE "template_test_marker" ("id" integer);');
  return copy;
}

describe('the embedded database template', { timeout: 300_000 }, () => {
  const root = folder('templates');

  it('is built when missing, and a new database is a migrated copy of it', async () => {
    const pgData = path.join(folder('data'), 'pgdata');
    const opened = await openFromTemplate(pgData, { root });
    await opened.client.close();
    expect(opened.created).toBe('template');
    const template = findTemplate(root, templateKey(MIGRATIONS_FOLDER));
    expect(template).not.toBeNull();
    expect(await appliedMigrations(pgData)).toBe(expectedMigrationCount());
    // The template itself is never opened by the database made from it: it stays as built.
    expect(fs.existsSync(path.join(template!, 'postmaster.pid'))).toBe(false);
    // A second new database uses the same template; an existing one is left as it is.
    const again = await openFromTemplate(path.join(folder('data'), 'pgdata'), { root });
    await again.client.close();
    expect(again.created).toBe('template');
    const existing = await openFromTemplate(pgData, { root });
    await existing.client.close();
    expect(existing.created).toBeUndefined();
  });

  it('is never used for other migrations: those get a template of their own, and the old one is removed', async () => {
    const oldKey = templateKey(MIGRATIONS_FOLDER);
    expect(findTemplate(root, oldKey)).not.toBeNull();
    const migrations = migrationsWithOneMore();
    const newKey = templateKey(migrations);
    expect(newKey).not.toBe(oldKey);
    const pgData = path.join(folder('data'), 'pgdata');
    const opened = await openFromTemplate(pgData, { root, migrations });
    await opened.client.close();
    expect(opened.created).toBe('template');
    expect(findTemplate(root, newKey)).not.toBeNull();
    expect(fs.existsSync(path.join(root, oldKey))).toBe(false);
    expect(await appliedMigrations(pgData)).toBe(expectedMigrationCount() + 1);
    expect(await withClient(pgData, async (client) => (await client.query(`select to_regclass('template_test_marker') is not null as present`)).rows)).toEqual([{ present: true }]);
  });

  it('is never used half-written (no manifest): it is rebuilt', async () => {
    const own = folder('templates');
    const key = templateKey(MIGRATIONS_FOLDER);
    // A template folder whose copy stopped part-way: a few of the files, and no manifest.
    fs.mkdirSync(path.join(own, key, 'pgdata'), { recursive: true });
    fs.writeFileSync(path.join(own, key, 'pgdata', 'PG_VERSION'), '17\n');
    expect(findTemplate(own, key)).toBeNull();
    const pgData = path.join(folder('data'), 'pgdata');
    const opened = await openFromTemplate(pgData, { root: own });
    await opened.client.close();
    expect(opened.created).toBe('template');
    expect(fs.existsSync(path.join(own, key, 'template.json'))).toBe(true);
    expect(await appliedMigrations(pgData)).toBe(expectedMigrationCount());
  });

  it('that copies but does not open is removed, and PGlite creates the database itself', async () => {
    const own = folder('templates');
    const first = await openFromTemplate(path.join(folder('data'), 'pgdata'), { root: own });
    await first.client.close();
    const key = templateKey(MIGRATIONS_FOLDER);
    // Damaged after it was made: the control file cut short.
    fs.truncateSync(path.join(own, key, 'pgdata', 'global', 'pg_control'), 100);
    const pgData = path.join(folder('data'), 'pgdata');
    const opened = await openFromTemplate(pgData, { root: own });
    try {
      expect(opened.created).toBe('initdb');
      expect((await opened.client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await opened.client.close();
    }
    expect(fs.existsSync(path.join(own, key))).toBe(false);
  });

  it('a copy cut short by a killed start is thrown away, and the next start makes a whole one', async () => {
    const pgData = path.join(folder('data'), 'pgdata');
    fs.mkdirSync(`${pgData}.from-template`, { recursive: true });
    fs.writeFileSync(path.join(`${pgData}.from-template`, 'PG_VERSION'), '17\n');
    const opened = await openFromTemplate(pgData, { root });
    await opened.client.close();
    expect(opened.created).toBe('template');
    expect(fs.existsSync(`${pgData}.from-template`)).toBe(false);
    expect(await appliedMigrations(pgData)).toBe(expectedMigrationCount());
  });
});

describe('npm start on an empty folder', { timeout: 300_000 }, () => {
  it('creates the database from the template; two starting at once: one runs, the other is refused; the data survives a restart', async () => {
    const dataDir = folder('service');
    const env = serviceEnv({ DATA_DIR: dataDir });
    const first = startServiceProcess(env, 'npm-start');
    const second = startServiceProcess(env, 'npm-start');
    // Exactly one takes the data folder's lock; the other exits 75 (EX_TEMPFAIL) and leaves the folder alone.
    const refused = await Promise.race([first.exited.then(() => [first, second] as const), second.exited.then(() => [second, first] as const)]);
    const [loser, winner] = refused;
    expect(await loser.exited).toBe(75);
    expect(loser.stderr()).toContain('in use by another running process');
    await winner.ready;
    expect(winner.stdout()).toContain('created the embedded database from its migrated template');
    expect(winner.stdout()).toContain('seeded the demo region');
    winner.child.kill('SIGTERM');
    expect(await winner.exited).toBe(0);
    const pgData = path.join(dataDir, 'pgdata');
    const participants = () => withClient(pgData, async (client) => (await client.query<{ count: number }>('select count(*)::int as count from participants')).rows[0]!.count);
    const seeded = await participants();
    expect(seeded).toBeGreaterThan(0);

    const restarted = startServiceProcess(env, 'npm-start');
    await restarted.ready;
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
    expect(restarted.stdout()).not.toContain('created the embedded database');
    expect(restarted.stdout()).not.toContain('seeded the demo region');
    expect(await participants()).toBe(seeded);
  });
});
