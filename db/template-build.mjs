// The embedded database's template: a PGlite data folder created (initdb) and migrated once, which a
// first start copies instead of creating its own. Creating a PGlite database takes seconds and about
// 800 MB of memory that PGlite keeps until its process ends; copying this folder takes a fraction of
// a second, and the process that opens the copy never pays that peak.
//
// Plain JavaScript, so it runs where nothing is compiled: at `npm ci` (postinstall), at `npm run
// build`, and as a child process of a first start that finds no template (db/template.ts).
// The template lives in node_modules/.cache/cadap-db-template/<key>/, where the key is a hash of the
// PGlite version and the migrations (only what drizzle reads: meta/_journal.json and the .sql
// files): a template made by another PGlite or other migrations is never used. It is written into a
// temporary folder and renamed into place once complete, so a half-written template is never seen.
//
//   node db/template-build.mjs [--if-possible] [--root <folder>] [--migrations <folder>]
//
// --if-possible (postinstall): a failure is a warning, the install goes on (the first start then
// builds it).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** What marks a complete template: written last, inside the temporary folder, before the rename. */
const MANIFEST = 'template.json';

export const DEFAULT_MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

/** The node_modules folder holding the PGlite this code runs with. */
function pgliteNodeModules() {
  const entry = require.resolve('@electric-sql/pglite');
  const parts = entry.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  return parts.slice(0, at + 1).join(path.sep);
}

export function pgliteVersion() {
  const file = path.join(pgliteNodeModules(), '@electric-sql', 'pglite', 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

export function defaultTemplateRoot() {
  return path.join(pgliteNodeModules(), '.cache', 'cadap-db-template');
}

/** The hash naming a template: the PGlite version and every file drizzle's migrator reads. */
export function templateKey(migrationsFolder = DEFAULT_MIGRATIONS_FOLDER) {
  const hash = createHash('sha256').update(`pglite ${pgliteVersion()}\n`);
  const files = ['meta/_journal.json', ...fs.readdirSync(migrationsFolder).filter((name) => name.endsWith('.sql'))].sort();
  for (const file of files)
    hash
      .update(`${file}\n`)
      .update(fs.readFileSync(path.join(migrationsFolder, file)))
      .update('\n');
  return hash.digest('hex').slice(0, 32);
}

/** The complete template's data folder for this key, or null: a folder without its manifest (or another key's) is never used. */
export function findTemplate(root, key) {
  const folder = path.join(root, key);
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, MANIFEST), 'utf8'));
    if (manifest.key !== key) return null;
    if (!fs.existsSync(path.join(folder, 'pgdata', 'PG_VERSION'))) return null;
    return path.join(folder, 'pgdata');
  } catch {
    return null;
  }
}

/** Removes other keys' templates and temporary folders left by builds that died (older than an hour). */
function prune(root, key) {
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === key) continue;
    const folder = path.join(root, entry.name);
    const stat = fs.statSync(folder, { throwIfNoEntry: false }); // another build may be pruning too
    if (!stat || (entry.name.includes('.tmp-') && Date.now() - stat.mtimeMs < 3_600_000)) continue;
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/** Builds the template unless a complete one for this key exists; returns its data folder. */
export async function buildTemplate({ root = defaultTemplateRoot(), migrations: migrationsFolder = DEFAULT_MIGRATIONS_FOLDER } = {}) {
  const key = templateKey(migrationsFolder);
  const existing = findTemplate(root, key);
  if (existing) return { pgData: existing, built: false };
  fs.mkdirSync(root, { recursive: true });
  prune(root, key);
  const temporary = path.join(root, `${key}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    fs.mkdirSync(temporary);
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    const client = await PGlite.create({ dataDir: path.join(temporary, 'pgdata') });
    try {
      await migrate(drizzle(client), { migrationsFolder });
      await client.exec('CHECKPOINT');
    } finally {
      await client.close();
    }
    fs.rmSync(path.join(temporary, 'pgdata', 'postmaster.pid'), { force: true });
    const manifest = { key, pgliteVersion: pgliteVersion(), createdAt: new Date().toISOString() };
    fs.writeFileSync(path.join(temporary, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    // A folder under the key without a complete template in it was not made here (a rename brings a
    // complete one or nothing): it is damaged, and replaced.
    if (!findTemplate(root, key)) fs.rmSync(path.join(root, key), { recursive: true, force: true });
    try {
      fs.renameSync(temporary, path.join(root, key));
    } catch (error) {
      // Another build finished first: its template is as good as this one.
      if (!['ENOTEMPTY', 'EEXIST'].includes(error?.code) || !findTemplate(root, key)) throw error;
    }
  } finally {
    fs.rmSync(temporary, { recursive: true, force: true });
  }
  const pgData = findTemplate(root, key);
  if (!pgData) throw new Error(`the database template ${path.join(root, key)} is incomplete after building it`);
  return { pgData, built: true };
}

/** Run as a program (not imported): argv[1] names this file, through a symbolic link or not. */
function isMain() {
  try {
    return Boolean(process.argv[1]) && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false; // argv[1] names no file: another program that imported this module
  }
}

if (isMain()) {
  const ifPossible = process.argv.includes('--if-possible');
  const option = (name) => {
    const at = process.argv.indexOf(name);
    return at > 0 && process.argv[at + 1] ? { [name.slice(2)]: path.resolve(process.argv[at + 1]) } : {};
  };
  try {
    const started = performance.now();
    const { pgData, built } = await buildTemplate({ ...option('--root'), ...option('--migrations') });
    if (built) process.stderr.write(`cadap: built the embedded database template in ${((performance.now() - started) / 1000).toFixed(1)} s (${path.dirname(pgData)})\n`);
  } catch (error) {
    if (!ifPossible) throw error;
    process.stderr.write(`cadap: could not build the embedded database template (a first start will): ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
