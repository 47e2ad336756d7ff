import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { KEY_FILE_NAMES, type BackupMember } from './key-files.js';
import { packTar, TarError, unpackTar } from './tar.js';

/**
 * A backup is one `.tar.gz`: `manifest.json` first, then the database (`pgdata.tar`, PGlite's
 * dump of the embedded data folder, or `database.pgdump`, pg_dump's custom format) and the key
 * files under their names in a default DATA_DIR (`audit/checkpoint-key.pem`, `auth/…`). The
 * manifest holds each member's size and SHA-256 and the row count of every table, so a restore
 * proves the archive whole before it writes anything, and proves the restored database complete.
 */
export const MANIFEST = 'manifest.json';
export const FORMAT = 'cadap-backup';
export const DATABASE_MEMBER = { pglite: 'pgdata.tar', postgres: 'database.pgdump' } as const;

export type Manifest = {
  format: typeof FORMAT;
  version: 1;
  createdAt: string;
  database: {
    kind: 'pglite' | 'postgres';
    member: string;
    /** `"schema.table": rows`, counted on the snapshot itself. */
    tables: Record<string, number>;
  };
  /** Where the snapshot came from: the running service, a stopped data folder, or pg_dump (with its version). */
  source: string;
  files: { name: string; size: number; sha256: string }[];
  /** Key files this configuration names that did not exist when the backup was made. */
  missingKeyFiles: string[];
};

export class BackupArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupArchiveError';
  }
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

export function manifestFor(members: readonly BackupMember[], rest: Omit<Manifest, 'format' | 'version' | 'files'>): Manifest {
  return { format: FORMAT, version: 1, ...rest, files: members.map((member) => ({ name: member.name, size: member.data.length, sha256: sha256(member.data) })) };
}

/**
 * Writes the archive as the final file appears or not at all: a temporary file beside it
 * (mode 0600, created exclusively), flushed to disk, then renamed. Refuses an existing file.
 */
export async function writeBackupArchive(file: string, manifest: Manifest, members: readonly BackupMember[]): Promise<number> {
  const mtime = new Date(manifest.createdAt);
  const tar = packTar([
    { name: MANIFEST, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), mode: 0o600, mtime },
    ...members.map((member) => ({ name: member.name, data: member.data, mode: member.mode, mtime })),
  ]);
  const compressed = await gzip(tar);
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(temporary, 'wx', 0o600);
  try {
    fs.writeSync(fd, compressed);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    // A link, not a rename, where the file system has links: it fails when the file exists, so an
    // earlier backup is never replaced, not even by a backup started at the same moment.
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' || fs.existsSync(file)) throw new BackupArchiveError(`${file} exists: a backup never replaces a file`);
    fs.renameSync(temporary, file);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
  return compressed.length;
}

export type BackupArchive = { manifest: Manifest; database: Uint8Array; keyFiles: BackupMember[] };

/** Reads a whole archive and checks it against its manifest; any damage is a BackupArchiveError saying what. */
export async function readBackupArchive(file: string): Promise<BackupArchive> {
  let compressed: Buffer;
  try {
    compressed = fs.readFileSync(file);
  } catch (error) {
    throw new BackupArchiveError(`cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let tar: Buffer;
  try {
    tar = await gunzip(compressed);
  } catch (error) {
    throw new BackupArchiveError(`it is not a whole gzip file (${(error as Error).message}): it was cut short or damaged`);
  }
  let entries;
  try {
    entries = unpackTar(tar);
  } catch (error) {
    if (error instanceof TarError) throw new BackupArchiveError(`it is not a whole tar archive: ${error.message}`);
    throw error;
  }
  const [first, ...members] = entries;
  if (first?.name !== MANIFEST) throw new BackupArchiveError(`it does not start with ${MANIFEST}: it is not a cadap backup`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(Buffer.from(first.data).toString('utf8')) as Manifest;
  } catch {
    throw new BackupArchiveError(`its ${MANIFEST} is not JSON`);
  }
  if (manifest?.format !== FORMAT || manifest.version !== 1 || !Array.isArray(manifest.files))
    throw new BackupArchiveError(`its ${MANIFEST} is not a cadap backup of format version 1`);
  const kind = manifest.database?.kind;
  const expectedDatabase = kind === 'pglite' || kind === 'postgres' ? DATABASE_MEMBER[kind] : undefined;
  if (!expectedDatabase || manifest.database.member !== expectedDatabase || typeof manifest.database.tables !== 'object') {
    throw new BackupArchiveError(`its ${MANIFEST} names no database this version restores`);
  }
  const listed = new Set(manifest.files.map((entry) => entry.name));
  for (const member of members) if (!listed.has(member.name)) throw new BackupArchiveError(`it holds ${member.name}, which its manifest does not list`);
  for (const entry of manifest.files) {
    const member = members.find((candidate) => candidate.name === entry.name);
    if (!member) throw new BackupArchiveError(`${entry.name} is missing`);
    if (member.data.length !== entry.size || sha256(member.data) !== entry.sha256) throw new BackupArchiveError(`${entry.name} does not match its checksum (damaged)`);
    if (entry.name !== expectedDatabase && !KEY_FILE_NAMES.includes(entry.name)) throw new BackupArchiveError(`it holds ${entry.name}, which is not a file a backup holds`);
  }
  const database = members.find((member) => member.name === expectedDatabase);
  if (!database) throw new BackupArchiveError(`its database (${expectedDatabase}) is missing`);
  return {
    manifest,
    database: database.data,
    keyFiles: members.filter((member) => member !== database).map((member) => ({ name: member.name, data: member.data, mode: member.mode })),
  };
}

/** A size as a person reads it. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
