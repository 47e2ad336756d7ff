import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase, type DatabaseHandle } from '../../db/client.js';
import { acquireDataDirLock, DataDirLockedError } from '../../db/data-dir-lock.js';
import type { Config } from '../config.js';
import { DATABASE_MEMBER, type BackupArchive } from './archive.js';
import { controlSocketPath, requestSnapshot, type Snapshot } from './control-socket.js';
import { keyFileDestinations, readKeyFiles, writeKeyFile } from './key-files.js';
import { BackupRefused, type RestoreReport, type TakenBackup } from './outcome.js';
import { countDifferences, countTableRows } from './table-counts.js';

/** What the running service answers on its backup socket, and what `cadap backup` takes itself when none runs. */
export async function embeddedSnapshot(database: DatabaseHandle, config: Config): Promise<Snapshot> {
  if (!database.snapshot) throw new Error('this database has no embedded snapshot');
  const pgdata = await database.snapshot();
  const keys = readKeyFiles(config);
  return { members: [{ name: DATABASE_MEMBER.pglite, data: pgdata, mode: 0o600 }, ...keys.members], missing: keys.missing };
}

/**
 * The embedded database's snapshot: from the running service over its socket, else (no service)
 * from the data folder, opened and locked by this process. Then the copy is opened in memory and
 * every table counted: a snapshot that does not open never becomes a backup.
 */
export async function backupEmbedded(config: Config): Promise<TakenBackup> {
  const answer = await requestSnapshot(config.dataDir);
  let snapshot: Snapshot;
  let source: string;
  if (answer) {
    snapshot = answer;
    source = `the running service (PID ${answer.pid})`;
  } else {
    if (!fs.existsSync(path.join(config.dataDir, 'pgdata', 'PG_VERSION'))) {
      throw new BackupRefused(`${config.dataDir} holds no embedded database (no pgdata/ folder): set DATA_DIR to the service's data folder.`);
    }
    let database: DatabaseHandle;
    try {
      database = await openDatabase(config.database);
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      throw new BackupRefused(
        `${error.message.split('. ')[0]}, but it did not answer on ${controlSocketPath(config.dataDir)}: is it an older version, or did it log "backup socket not available"? Retry once it has started, or stop it and run cadap backup again.`,
        75,
      );
    }
    try {
      snapshot = await embeddedSnapshot(database, config);
    } finally {
      await database.close();
    }
    source = 'the stopped data folder';
  }
  const pgdata = snapshot.members.find((member) => member.name === DATABASE_MEMBER.pglite);
  if (!pgdata) throw new Error('the snapshot holds no database');
  const copy = await PGlite.create({ loadDataDir: new Blob([pgdata.data]) });
  try {
    return { ...snapshot, tables: await countTableRows(async (text) => (await copy.query<Record<string, unknown>>(text)).rows), source };
  } finally {
    await copy.close();
  }
}

/** Entries that make a folder not empty (`lost+found` is a fresh file system's own). */
function entriesOf(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  if (!fs.statSync(folder).isDirectory()) throw new BackupRefused(`${folder} is not a folder.`);
  return fs.readdirSync(folder).filter((name) => name !== 'lost+found');
}

/**
 * Restores an embedded backup into `config.dataDir`, which must be empty or absent. Everything
 * is built in a staging folder inside it (under the folder's lock), the database opened there and
 * every table counted against the manifest; only then are the pieces moved into place. On any
 * failure the folder is left as it was.
 */
export async function restoreEmbedded(archive: BackupArchive, config: Config): Promise<RestoreReport> {
  const target = config.dataDir;
  const present = entriesOf(target);
  if (present.length > 0) {
    throw new BackupRefused(
      `${target} is not empty (${present.length} entr${present.length === 1 ? 'y' : 'ies'}: ${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}). ` +
        'A restore writes only into an empty folder: give another with --data-dir, or move the contents away. Nothing was changed.',
    );
  }
  const destinations = keyFileDestinations(config, archive.keyFiles);
  const created = !fs.existsSync(target);
  fs.mkdirSync(target, { recursive: true, mode: 0o700 });
  const lock = acquireDataDirLock(target);
  const staging = path.join(target, `.restore-${process.pid}`);
  const inside = (file: string) => !path.relative(target, file).startsWith('..') && !path.isAbsolute(path.relative(target, file));
  const moved: string[] = [];
  let done = false;
  try {
    fs.mkdirSync(staging, { mode: 0o700 });
    const restored = await PGlite.create({ dataDir: path.join(staging, 'pgdata'), loadDataDir: new Blob([archive.database]) });
    let tables: Record<string, number>;
    try {
      tables = await countTableRows(async (text) => (await restored.query<Record<string, unknown>>(text)).rows);
    } finally {
      await restored.close();
    }
    const differences = countDifferences(archive.manifest.database.tables, tables);
    if (differences.length > 0) throw new BackupRefused(`the restored database does not hold what the backup counted:\n  ${differences.join('\n  ')}\nNothing was changed.`, 1);
    for (const { file, member } of destinations) if (inside(file.path)) writeKeyFile(path.join(staging, path.relative(target, file.path)), member.data, file.mode);
    const top = fs.readdirSync(staging);
    if (top.some((name) => fs.existsSync(path.join(target, name)))) throw new BackupRefused(`${target} changed while the restore ran. Nothing was changed.`);
    for (const name of top) {
      fs.renameSync(path.join(staging, name), path.join(target, name));
      moved.push(name);
    }
    for (const { file, member, present: already } of destinations) if (!inside(file.path) && !already) writeKeyFile(file.path, member.data, file.mode);
    done = true;
    return {
      tables,
      keyFiles: destinations.map(({ file, present: already }) => ({ name: file.name, path: file.path, present: already })),
      skipped: archive.keyFiles.filter((member) => !destinations.some((destination) => destination.member === member)).map((member) => member.name),
    };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    // On failure, what was moved in goes again: the folder is as it was (or, if this made it, gone).
    if (!done) for (const name of moved) fs.rmSync(path.join(target, name), { recursive: true, force: true });
    lock.release();
    if (!done && created && entriesOf(target).length === 0) fs.rmSync(target, { recursive: true, force: true });
  }
}
