import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { MIGRATIONS_FOLDER } from './migrate.js';
import { defaultTemplateRoot, findTemplate, templateKey } from './template-build.mjs';

/** How an embedded database folder came to be at this open: it existed, was copied from the template, or PGlite created it. */
export type PgDataOrigin = 'existing' | 'template' | 'initdb';

/** Where templates are kept and which migrations they hold: the defaults outside tests. */
export type TemplateOptions = { root?: string; migrations?: string };
/** `use: false`: PGlite creates a new database itself, unmigrated (for callers that do not migrate). */
export type OpenOptions = TemplateOptions & { use?: boolean };

/**
 * How the service runs PGlite: PostgreSQL's shared buffers at 32 MB instead of PGlite's 128 MB.
 * PGlite allocates and touches them all at start inside its WebAssembly memory, which is never
 * given back; the pages they would cache are in the operating system's file cache anyway.
 */
export const SERVICE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];

const BUILDER = fileURLToPath(new URL('./template-build.mjs', import.meta.url));

/** Builds the template in a child process: its 800 MB creation peak ends with that process, not with the service. */
function buildInChild(root: string, migrations: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BUILDER, '--root', root, '--migrations', migrations], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.resume();
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

function isEmptyFolder(folder: string): boolean {
  try {
    return fs.readdirSync(folder).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/**
 * A new embedded database (`pgData` absent or empty) starts as a copy of the migrated template
 * (db/template-build.mjs), built in a child process first when missing. The copy is written
 * beside `pgData` and renamed into place, so a start killed mid-copy leaves no half database (the
 * next start removes the leftover). The caller holds the data folder's lock. When no template can
 * be had, PGlite creates the database itself as before ('initdb').
 */
export async function prepareFromTemplate(pgData: string, options: TemplateOptions = {}): Promise<PgDataOrigin> {
  const copying = `${pgData}.from-template`;
  fs.rmSync(copying, { recursive: true, force: true });
  if (!isEmptyFolder(pgData)) return 'existing';
  const root = options.root ?? defaultTemplateRoot();
  const migrations = options.migrations ?? MIGRATIONS_FOLDER;
  const key = templateKey(migrations);
  let template = findTemplate(root, key);
  if (!template && (await buildInChild(root, migrations))) template = findTemplate(root, key);
  if (!template) return 'initdb';
  fs.cpSync(template, copying, { recursive: true, filter: (source) => path.basename(source) !== 'postmaster.pid' });
  fs.rmSync(pgData, { recursive: true, force: true });
  fs.renameSync(copying, pgData);
  return 'template';
}

/**
 * Opens the embedded database in `pgData`, making it from the template when it is new. A template
 * that copies but does not open is damaged: it is removed (the next new database builds a fresh one)
 * and PGlite creates this database itself.
 */
export async function openFromTemplate(pgData: string, options: OpenOptions = {}): Promise<{ client: PGlite; created?: 'template' | 'initdb' }> {
  const origin = options.use === false ? 'existing' : await prepareFromTemplate(pgData, options);
  try {
    const client = await PGlite.create({ dataDir: pgData, startParams: SERVICE_START_PARAMS });
    return origin === 'existing' ? { client } : { client, created: origin };
  } catch (error) {
    if (origin !== 'template') throw error;
    fs.rmSync(path.join(options.root ?? defaultTemplateRoot(), templateKey(options.migrations ?? MIGRATIONS_FOLDER)), { recursive: true, force: true });
    fs.rmSync(pgData, { recursive: true, force: true });
    return { client: await PGlite.create({ dataDir: pgData, startParams: SERVICE_START_PARAMS }), created: 'initdb' };
  }
}
