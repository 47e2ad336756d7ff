import fs from 'node:fs';
import path from 'node:path';
import { BackupArchiveError, formatBytes, manifestFor, writeBackupArchive } from '../backup/archive.js';
import { backupEmbedded } from '../backup/embedded.js';
import { keyFilesOf } from '../backup/key-files.js';
import { BackupRefused } from '../backup/outcome.js';
import { backupPostgres } from '../backup/postgres.js';
import { totalRows } from '../backup/table-counts.js';
import { ConfigError, loadConfig } from '../config.js';
import { failure, readOptions, type Fail } from './options.js';

/**
 * `cadap backup --out <file>`: one archive with the database and the key files it cannot do
 * without. Embedded: the running service makes the snapshot (over its socket in DATA_DIR), or,
 * when none runs, this command opens the data folder itself. PostgreSQL: pg_dump from PATH, or
 * the procedure by hand when it is missing. Prints where and how big; never a row of data.
 */
const USAGE = `usage: cadap backup --out <backup.tar.gz>
Writes one archive (tar.gz, mode 0600, never replacing a file): the database and the key files the database
does not hold (audit checkpoint key, national id key, web session key, the embedded signing key).
  Embedded (no DATABASE_URL): consistent while the service runs (it makes the snapshot); or from the stopped data folder.
  PostgreSQL (DATABASE_URL): pg_dump --format=custom from PATH, consistent while the service runs.
Restore with: cadap restore --from <backup.tar.gz> [--data-dir <empty folder>]
`;

const fail: Fail = failure('backup');
const values = readOptions('backup', USAGE, { out: { type: 'string' } });
if (!values.out) fail(`name the archive to write with --out\n${USAGE}`);
const out = path.resolve(values.out);
if (fs.existsSync(out)) fail(`${out} exists: a backup never replaces a file. Choose another name (a date in it, say).`);
if (!fs.existsSync(path.dirname(out))) fail(`the folder ${path.dirname(out)} does not exist.`);

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

try {
  const taken = config.database.kind === 'pglite' ? await backupEmbedded(config) : await backupPostgres(config, process.env);
  const manifest = manifestFor(taken.members, {
    createdAt: new Date().toISOString(),
    database: { kind: config.database.kind, member: taken.members[0]!.name, tables: taken.tables },
    source: taken.source,
    missingKeyFiles: taken.missing,
  });
  const size = await writeBackupArchive(out, manifest, taken.members);
  const keys = taken.members.slice(1).map((member) => member.name);
  process.stdout.write(
    [
      `Backup written to ${out} (${formatBytes(size)}, mode 0600).`,
      `  database: ${config.database.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'} from ${taken.source}; ${Object.keys(taken.tables).length} tables, ${totalRows(taken.tables)} rows (counted on the snapshot)`,
      `  key files: ${keys.length > 0 ? keys.join(', ') : 'none'}`,
      `  restore: cadap restore --from ${out}${config.database.kind === 'pglite' ? ' --data-dir <empty folder>' : ' (DATABASE_URL naming an empty database)'}`,
      '',
    ].join('\n'),
  );
  for (const name of taken.missing) {
    const file = keyFilesOf(config).find((candidate) => candidate.name === name)!;
    process.stderr.write(
      `backup: warning: no ${name} at ${file.path}${file.setting ? ` (${file.setting})` : ''}; the backup holds none. If the service uses one elsewhere, run cadap backup with the service's settings.\n`,
    );
  }
} catch (error) {
  if (error instanceof BackupRefused) fail(error.message, error.exitCode);
  if (error instanceof BackupArchiveError) fail(error.message);
  throw error;
}
