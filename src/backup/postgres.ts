import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { Config } from '../config.js';
import { DATABASE_MEMBER, type BackupArchive } from './archive.js';
import { BackupRefused, type RestoreReport, type TakenBackup } from './outcome.js';
import { keyFileDestinations, keyFilesOf, readKeyFiles, writeKeyFile } from './key-files.js';
import { countDifferences, countTableRows } from './table-counts.js';

/**
 * PostgreSQL is backed up with its own tools: `pg_dump -Fc` inside a read-only repeatable-read
 * transaction whose snapshot it shares (`--snapshot`), so the row counts in the manifest are those
 * of the dump, consistent while the service runs; restored with `pg_restore` into an empty
 * database in one transaction. The programs come from PATH, in the server's major version; where
 * they are missing the command prints the procedure instead (`postgresProcedure`).
 */
type Environment = Record<string, string | undefined>;

/** The database's URL for libpq without its password, which goes in PGPASSWORD: never in a process's arguments. */
function libpqTarget(url: string, environment: Environment): { dbname: string; env: Environment } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: parsed.toString(), env: { ...environment, ...(password ? { PGPASSWORD: password } : {}) } };
}

/** `pg_dump (PostgreSQL) 15.20`, or undefined when the program is not on PATH. */
function programVersion(program: string, environment: Environment): string | undefined {
  const result = spawnSync(program, ['--version'], { env: environment, encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout.trim();
}

/** Runs a program to the end; its stdout, or a BackupRefused with its stderr. */
function run(program: string, args: string[], environment: Environment): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new BackupRefused(`${program} failed (exit code ${code}):\n${stderr.trim()}`, 1))));
  });
}

/** The procedure by hand, with this configuration's key files: printed where pg_dump or pg_restore is missing. */
export function postgresProcedure(config: Config): string {
  const keys = keyFilesOf(config)
    .map((file) => `    ${file.path}${file.setting ? ` (${file.setting})` : ''}`)
    .join('\n');
  return `Back up PostgreSQL by hand (see "Backups" in the README), with pg_dump and pg_restore of the server's major version:
  1. pg_dump --format=custom --file=cadap.pgdump "$DATABASE_URL"   (as the database owner; consistent while the service runs)
  2. Keep these key files with the dump (the database does not hold them; without them its audit checkpoints,
     national id digests and tokens are worthless):
${keys}
Restore, in this order: an empty database (CREATE DATABASE); the cadap_app role (roles are not in a dump; cadap migrate creates it);
  as the role that is to own the tables, the dump without its default privileges (they name the old owner):
    pg_restore --list cadap.pgdump | grep -v ' DEFAULT ACL ' > cadap.list
    pg_restore --exit-on-error --single-transaction --no-owner --use-list=cadap.list --dbname="$DATABASE_URL" cadap.pgdump
  then, as that role, ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cadap_app
  and ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO cadap_app;
  the key files back in their places; cadap audit verify.`;
}

async function withTemporaryFolder<T>(work: (folder: string) => Promise<T>): Promise<T> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-backup-'));
  try {
    return await work(folder);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

export async function backupPostgres(config: Config, environment: Environment): Promise<TakenBackup> {
  if (config.database.kind !== 'postgres') throw new Error('not a PostgreSQL configuration');
  const version = programVersion('pg_dump', environment);
  if (!version) throw new BackupRefused(`pg_dump is not on PATH, so cadap backup cannot dump PostgreSQL.\n${postgresProcedure(config)}`);
  const target = libpqTarget(config.database.url, environment);
  const client = postgres(config.database.url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    return await withTemporaryFolder(async (folder) => {
      const file = path.join(folder, DATABASE_MEMBER.postgres);
      const tables = await client.begin('isolation level repeatable read read only', async (tx) => {
        const [row] = await tx<{ snapshot: string }[]>`select pg_export_snapshot() as snapshot`;
        const counts = await countTableRows((text) => tx.unsafe(text));
        await run('pg_dump', ['--format=custom', `--snapshot=${row!.snapshot}`, `--file=${file}`, `--dbname=${target.dbname}`], target.env);
        return counts;
      });
      const keys = readKeyFiles(config);
      return {
        members: [{ name: DATABASE_MEMBER.postgres, data: new Uint8Array(fs.readFileSync(file)), mode: 0o600 }, ...keys.members],
        missing: keys.missing,
        tables,
        source: version,
      };
    });
  } finally {
    await client.end({ timeout: 5 });
  }
}

/** The role the migrations grant to (0003_audit_append_only.sql); a dump names it, but roles belong to the server, not the dump. */
const APP_ROLE = `DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cadap_app') THEN
    CREATE ROLE "cadap_app" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END $$`;

/**
 * The default privileges of 0003_audit_append_only.sql, for the restoring role, so the tables later
 * migrations create are granted to the service too. The dump's own name the old owner
 * (`ALTER DEFAULT PRIVILEGES FOR ROLE <old owner>`), which only that role (or a member) may run and
 * which may not exist on this server: the restore leaves them out.
 */
const DEFAULT_PRIVILEGES = `ALTER DEFAULT PRIVILEGES IN SCHEMA "public" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "cadap_app";
ALTER DEFAULT PRIVILEGES IN SCHEMA "public" GRANT USAGE, SELECT ON SEQUENCES TO "cadap_app"`;

/**
 * Restores a PostgreSQL backup into the empty database DATABASE_URL names: refused (nothing
 * changed) when it holds any table or when a key file's place holds another file; then pg_restore
 * in one transaction as the connecting role (it owns the tables: `--no-owner`, since the old owner
 * may not exist here), its default privileges, every table counted against the manifest, and the
 * key files written.
 */
export async function restorePostgres(archive: BackupArchive, config: Config, environment: Environment): Promise<RestoreReport> {
  if (config.database.kind !== 'postgres') throw new Error('not a PostgreSQL configuration');
  if (!programVersion('pg_restore', environment)) throw new BackupRefused(`pg_restore is not on PATH, so cadap restore cannot restore PostgreSQL.\n${postgresProcedure(config)}`);
  const target = libpqTarget(config.database.url, environment);
  const client = postgres(config.database.url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const existing = Object.keys(await countTableRows((text) => client.unsafe(text)));
    if (existing.length > 0) {
      throw new BackupRefused(
        `The database DATABASE_URL names is not empty (${existing.length} tables: ${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}). ` +
          'A restore writes only into an empty database: CREATE DATABASE a new one and point DATABASE_URL at it. Nothing was changed.',
      );
    }
    const destinations = keyFileDestinations(config, archive.keyFiles);
    await client.unsafe(APP_ROLE);
    await withTemporaryFolder(async (folder) => {
      const file = path.join(folder, DATABASE_MEMBER.postgres);
      fs.writeFileSync(file, archive.database, { mode: 0o600 });
      const list = path.join(folder, 'restore.list');
      const contents = await run('pg_restore', ['--list', file], target.env);
      fs.writeFileSync(
        list,
        contents
          .split('\n')
          .filter((line) => !/^\d+; \d+ \d+ DEFAULT ACL /.test(line))
          .join('\n'),
      );
      await run('pg_restore', ['--exit-on-error', '--single-transaction', '--no-owner', `--use-list=${list}`, `--dbname=${target.dbname}`, file], target.env);
    });
    await client.unsafe(DEFAULT_PRIVILEGES);
    const tables = await countTableRows((text) => client.unsafe(text));
    const differences = countDifferences(archive.manifest.database.tables, tables);
    if (differences.length > 0) throw new BackupRefused(`pg_restore ran, but the database does not hold what the backup counted:\n  ${differences.join('\n  ')}`, 1);
    for (const { file, member, present } of destinations) if (!present) writeKeyFile(file.path, member.data, file.mode);
    return {
      tables,
      keyFiles: destinations.map(({ file, present }) => ({ name: file.name, path: file.path, present })),
      skipped: archive.keyFiles.filter((member) => !destinations.some((destination) => destination.member === member)).map((member) => member.name),
    };
  } finally {
    await client.end({ timeout: 5 });
  }
}
