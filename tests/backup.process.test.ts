import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseConfig } from '../db/client.js';
import { rowsOf } from '../db/migrate.js';
import { signLocalToken } from '../src/auth/local-token.js';
import { EMBEDDED_AUDIENCE, EMBEDDED_ISSUER } from '../src/config.js';
import { withDatabase } from './helpers/database-url.js';
import { runToCompletion, serviceEnv, startServiceProcess, type ServiceProcess } from './helpers/process.js';

/**
 * `cadap backup` and `cadap restore` as an operator runs them, on the embedded database (PGlite in
 * a data folder) or, with TEST_DATABASE_URL, on PostgreSQL (pg_dump and pg_restore into fresh
 * databases this file creates and drops). Data is made through the API; the backup is taken
 * while the service runs, once while requests write; each restore lands in an empty folder or
 * database, every table holds as many rows as the source, and `cadap audit verify` passes on the
 * copy (with its signed checkpoints, so the restored checkpoint key is what makes it pass).
 */
const adminUrl = process.env.TEST_DATABASE_URL;
const onPostgres = Boolean(adminUrl);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-backup-test-'));
const sourceDir = path.join(work, 'source');
const suffix = `${process.pid}_${Date.now()}`;
const databases = { source: `cadap_bk_src_${suffix}`, quiet: `cadap_bk_quiet_${suffix}`, busy: `cadap_bk_busy_${suffix}`, empty: `cadap_bk_empty_${suffix}` };
const urlOf = (name: string) => withDatabase(adminUrl!, name);
/** The role that owns the restored tables, another than the source's owner (as on a new server). */
const restoringRole = `cadap_bk_owner_${suffix}`;
const asRestoringRole = (url: string) => Object.assign(new URL(url), { username: restoringRole, password: '' }).toString();
const sourceConfig: DatabaseConfig = onPostgres ? { kind: 'postgres', url: urlOf(databases.source), poolMax: 2 } : { kind: 'pglite', dataDir: sourceDir };
const sourceEnv = serviceEnv({
  DATA_DIR: sourceDir,
  // Nothing writes but the test's requests: no tick, no rate-limit counts, checkpoints only at a graceful stop.
  SCHEDULER: 'off',
  RATE_LIMIT: 'off',
  AUDIT_CHECKPOINT_CRON: '0 0 1 1 *',
  AUDIT_CHECKPOINT_EVERY_ROWS: '1000000',
  ...(onPostgres ? { DATABASE_URL: urlOf(databases.source), AUTH_EMBEDDED_KEY: 'true', SEED_DEMO: 'true' } : {}),
});
const cadap = (args: string[], env: NodeJS.ProcessEnv = sourceEnv) => runToCompletion('src/cli/cadap.ts', args, env);

/** Where a restore goes: an empty folder (embedded) or an empty database and a folder for its key files (PostgreSQL). */
function restoreTarget(name: 'quiet' | 'busy' | 'empty') {
  const dataDir = path.join(work, `restored-${name}`);
  const url = onPostgres ? (name === 'quiet' ? asRestoringRole(urlOf(databases[name])) : urlOf(databases[name])) : '';
  const env = serviceEnv(onPostgres ? { DATA_DIR: dataDir, DATABASE_URL: url } : { DATA_DIR: dataDir });
  const config: DatabaseConfig = onPostgres ? { kind: 'postgres', url, poolMax: 2 } : { kind: 'pglite', dataDir };
  return { dataDir, env, config, args: onPostgres ? [] : ['--data-dir', dataDir] };
}

/** Every table's rows, counted here independently of the command's own counting. */
async function tableCounts(config: DatabaseConfig): Promise<Record<string, number>> {
  const database = await openDatabase(config);
  try {
    const tables = rowsOf<{ schema: string; name: string }>(
      await database.db.execute(
        sql`select table_schema as schema, table_name as name from information_schema.tables where table_type = 'BASE TABLE' and table_schema in ('public', 'drizzle') order by 1, 2`,
      ),
    );
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const [row] = rowsOf<{ n: number }>(await database.db.execute(sql.raw(`select count(*)::int as n from "${table.schema}"."${table.name}"`)));
      counts[`${table.schema}.${table.name}`] = Number(row!.n);
    }
    return counts;
  } finally {
    await database.close();
  }
}

/** A folder's files and a digest of each, to show a refused restore changed nothing. */
function filesOf(folder: string): Record<string, string> {
  if (!fs.existsSync(folder)) return {};
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files[path.relative(folder, file)] = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    }
  }
  return files;
}

async function admin(statement: string) {
  const client = postgres(adminUrl!, { max: 1, onnotice: () => {} });
  try {
    await client.unsafe(statement);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (!onPostgres) return;
  await admin(`CREATE ROLE ${restoringRole} LOGIN`);
  for (const [key, name] of Object.entries(databases)) await admin(`CREATE DATABASE ${name}${key === 'quiet' ? ` OWNER ${restoringRole}` : ''}`);
});

let service: ServiceProcess | undefined;
afterAll(async () => {
  service?.child.kill('SIGKILL');
  if (service) await service.exited;
  fs.rmSync(work, { recursive: true, force: true });
  if (!onPostgres) return;
  for (const name of Object.values(databases)) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`DROP ROLE IF EXISTS ${restoringRole}`);
});

describe(`cadap backup and restore on ${onPostgres ? 'PostgreSQL' : 'the embedded database'}`, { timeout: 240_000 }, () => {
  let url: string;
  let prisonToken: string;
  let prisonId: string;
  const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);

  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${prisonToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> & { id: string } };
  };
  const register = (lastName: string) => call('POST', '/participants', { identity: { firstName: 'Backup', lastName, dateOfBirth: '1990-01-01' } });

  async function start() {
    service = startServiceProcess(sourceEnv);
    url = await service.ready;
    const organisations = JSON.parse(fs.readFileSync(path.join(sourceDir, 'auth', 'organisations.json'), 'utf8')) as { id: string; kind: string }[];
    prisonId = organisations.find((org) => org.kind === 'prison')!.id;
    prisonToken = await signLocalToken(
      path.join(sourceDir, 'auth'),
      { org: prisonId, roles: ['prison_staff'], sub: 'backup-test' },
      { issuer: EMBEDDED_ISSUER, audience: EMBEDDED_AUDIENCE, ttlSeconds: 3600 },
    );
  }

  it('makes people, cases, events and audit rows through the API; a graceful stop signs checkpoints', async () => {
    await start();
    const units = await call('GET', `/organisations/${prisonId}/units`);
    expect(units.status).toBe(200);
    const unitId = (units.json.items as { id: string }[])[0]!.id;
    for (let i = 0; i < 3; i += 1) {
      const person = await register(`Before-${i}`);
      expect(person.status).toBe(201);
      const opened = await call('POST', '/cases', { protocol: 'unit-enrolment', participantId: person.json.id, parties: [], data: { unitId, expectedReleaseDate: '2029-06-01' } });
      expect(opened.status).toBe(201);
      const screened = await call('POST', `/cases/${opened.json.id}/events`, { type: 'SCREENED', data: { date: day, outcome: 'suitable' }, expectedVersion: 1 });
      expect(screened.status).toBe(201);
      expect((await call('GET', `/participants/${person.json.id}`)).status).toBe(200);
    }
    service!.child.kill('SIGTERM');
    expect(await service!.exited).toBe(0);
    const counts = await tableCounts(sourceConfig);
    for (const table of ['participants', 'cases', 'case_events', 'audit_events', 'audit_checkpoints']) expect(counts[`public.${table}`]).toBeGreaterThan(0);
  });

  let quiet: string;
  let busy: string;
  let before: number;
  let after: number;

  it('backs up while the service runs, once while requests write and once at rest', async () => {
    before = (await tableCounts(sourceConfig))['public.participants']! + 1;
    await start();
    expect((await register('After-checkpoint')).status).toBe(201);
    busy = path.join(work, 'busy.tar.gz');
    let backupDone = false;
    const backup = cadap(['backup', '--out', busy]).finally(() => (backupDone = true));
    let written = 0;
    do {
      expect((await register(`During-${written}`)).status).toBe(201);
      written += 1;
    } while (!backupDone);
    after = before + written;
    const result = await backup;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Backup written to ${busy}`);
    expect(result.stdout).toContain(onPostgres ? 'from pg_dump (PostgreSQL)' : `from the running service (PID ${service!.child.pid})`);
    expect(fs.statSync(busy).mode & 0o777).toBe(0o600);

    quiet = path.join(work, 'quiet.tar.gz');
    const rest = await cadap(['backup', '--out', quiet]);
    expect(rest.code).toBe(0);
    // The summary names tables, counts and files, never a person.
    expect(rest.stdout).not.toMatch(/Before-|During-|After-checkpoint/);
    expect(rest.stdout).toContain('key files: audit/checkpoint-key.pem, auth/national-id.key, auth/web-session.key, auth/signing-key.json, auth/jwks.json');
    // Nothing writes now: a kill leaves the source exactly as this backup saw it.
    service!.child.kill('SIGKILL');
    await service!.exited;
    service = undefined;
  });

  it('restores the backup taken at rest into an empty target: every table holds what the source holds, and audit verify passes with the restored key', async () => {
    const source = await tableCounts(sourceConfig);
    const target = restoreTarget('quiet');
    const result = await cadap(['restore', '--from', quiet, ...target.args], target.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('each table as the backup counted it');
    expect(result.stdout).toContain(`audit/checkpoint-key.pem -> ${path.join(target.dataDir, 'audit', 'checkpoint-key.pem')}`);
    expect(await tableCounts(target.config)).toEqual(source);
    expect(fs.statSync(path.join(target.dataDir, 'auth', 'signing-key.json')).mode & 0o777).toBe(0o600);
    if (onPostgres) {
      // Restored by another role than the source's owner (the dump's default privileges name that one): it owns
      // the tables and has the default grants; the service's role keeps its grants (and the trail's refusals), the trail its triggers.
      const restored = postgres(urlOf(databases.quiet), { max: 1, onnotice: () => {} });
      try {
        const [row] = await restored<{ owner: string; insert: boolean; update: boolean; triggers: number; defaults: number }[]>`select
          (select tableowner from pg_tables where schemaname = 'public' and tablename = 'audit_events') as owner,
          has_table_privilege('cadap_app', 'public.participants', 'INSERT') as insert,
          has_table_privilege('cadap_app', 'public.audit_events', 'UPDATE') as update,
          (select count(*)::int from pg_trigger where not tgisinternal and tgrelid in ('public.audit_events'::regclass, 'public.audit_checkpoints'::regclass)) as triggers,
          (select count(*)::int from pg_default_acl where defaclrole = ${restoringRole}::regrole and defaclacl::text like '%cadap_app%') as defaults`;
        expect(row).toEqual({ owner: restoringRole, insert: true, update: false, triggers: 4, defaults: 2 });
      } finally {
        await restored.end();
      }
    }
    const verify = await cadap(['audit', 'verify'], target.env);
    expect(verify.stdout).toContain(`Audit trail verified: ${source['public.audit_events']} rows`);
    expect(verify.stdout).toMatch(/: \d+ rows, [1-9]\d* checkpoints, ok/);
    expect(verify.code).toBe(0);
    // The checkpoints were signed with the backed-up key: with another one they do not verify.
    const otherKey = await cadap(['audit', 'verify'], { ...target.env, AUDIT_CHECKPOINT_KEY_FILE: path.join(work, 'another-checkpoint-key.pem') });
    expect(otherKey.code).toBe(1);
  });

  it('restores the backup taken while requests wrote: a consistent copy of some moment in between', async () => {
    const target = restoreTarget('busy');
    const result = await cadap(['restore', '--from', busy, ...target.args], target.env);
    expect(result.code).toBe(0);
    const participants = (await tableCounts(target.config))['public.participants']!;
    expect(participants).toBeGreaterThanOrEqual(before);
    expect(participants).toBeLessThanOrEqual(after);
    process.stdout.write(`backup while writing: ${after - before} people registered while the backup ran; the copy holds ${participants - before} of them\n`);
    const verify = await cadap(['audit', 'verify'], target.env);
    expect(verify.stdout).toContain('Audit trail verified');
    expect(verify.code).toBe(0);
  });

  it(`refuses ${onPostgres ? 'a database' : 'a folder'} that is not empty, and an archive name that exists, changing nothing`, async () => {
    const target = onPostgres
      ? { ...restoreTarget('quiet'), env: serviceEnv({ DATA_DIR: path.join(work, 'restored-quiet'), DATABASE_URL: urlOf(databases.source) }) }
      : restoreTarget('quiet');
    // Counted first: opening an embedded database writes to its files.
    const rows = await tableCounts(onPostgres ? sourceConfig : target.config);
    const files = filesOf(target.dataDir);
    const result = await cadap(['restore', '--from', quiet, ...target.args], target.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not empty');
    expect(result.stderr).toContain('Nothing was changed.');
    expect(result.stdout).toBe('');
    expect(filesOf(target.dataDir)).toEqual(files);
    expect(await tableCounts(onPostgres ? sourceConfig : target.config)).toEqual(rows);

    const archive = fs.readFileSync(quiet);
    const again = await cadap(['backup', '--out', quiet]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists: a backup never replaces a file');
    expect(fs.readFileSync(quiet).equals(archive)).toBe(true);
  });

  it('refuses a cut-short or a damaged archive with a clear error, changing nothing', async () => {
    const archive = fs.readFileSync(quiet);
    const cut = path.join(work, 'cut.tar.gz');
    fs.writeFileSync(cut, archive.subarray(0, Math.floor(archive.length / 2)));
    const damaged = path.join(work, 'damaged.tar.gz');
    const bytes = Buffer.from(archive);
    for (let i = 0; i < 8; i += 1) bytes[Math.floor(bytes.length / 2) + i] = 0xff - bytes[Math.floor(bytes.length / 2) + i]!;
    fs.writeFileSync(damaged, bytes);
    const target = restoreTarget('empty');
    for (const file of [cut, damaged]) {
      const result = await cadap(['restore', '--from', file, ...target.args], target.env);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`the backup ${file} cannot be used: it is not a whole gzip file`);
      expect(result.stderr).toContain('Nothing was changed.');
      expect(fs.existsSync(target.dataDir)).toBe(false);
      if (onPostgres) expect(await tableCounts(target.config)).toEqual({});
    }
  });

  it.skipIf(!onPostgres)('without pg_dump on PATH, writes nothing and prints the procedure with the key files', async () => {
    const out = path.join(work, 'no-pg-dump.tar.gz');
    const result = await cadap(['backup', '--out', out], { ...sourceEnv, PATH: path.join(work, 'no-programs-here') });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('pg_dump is not on PATH');
    expect(result.stderr).toContain('pg_dump --format=custom --file=cadap.pgdump');
    expect(result.stderr).toContain(`${path.join(sourceDir, 'audit', 'checkpoint-key.pem')} (AUDIT_CHECKPOINT_KEY_FILE)`);
    expect(result.stderr).toContain('ALTER DEFAULT PRIVILEGES');
    expect(fs.existsSync(out)).toBe(false);
  });

  it.skipIf(onPostgres)('backs up a stopped data folder by opening it itself', async () => {
    const source = await tableCounts(sourceConfig);
    const offline = path.join(work, 'offline.tar.gz');
    const result = await cadap(['backup', '--out', offline]);
    expect(result.code).toBe(0);
    const rows = Object.values(source).reduce((sum, n) => sum + n, 0);
    expect(result.stdout).toContain(`from the stopped data folder; ${Object.keys(source).length} tables, ${rows} rows`);
  });
});
