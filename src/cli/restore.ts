import path from 'node:path';
import { BackupArchiveError, readBackupArchive } from '../backup/archive.js';
import { restoreEmbedded } from '../backup/embedded.js';
import { KeyFileConflict } from '../backup/key-files.js';
import { BackupRefused } from '../backup/outcome.js';
import { restorePostgres } from '../backup/postgres.js';
import { totalRows } from '../backup/table-counts.js';
import { ConfigError, loadConfig } from '../config.js';
import { failure, readOptions, type Fail } from './options.js';

/**
 * `cadap restore --from <backup> [--data-dir <empty folder>]`: a backup of `cadap backup` into an
 * empty data folder (embedded) or an empty database (DATABASE_URL), with its key files where
 * this configuration keeps them. The archive is checked whole first; a folder or database that
 * is not empty, a damaged archive, or a key file that would replace another are refused (exit 2)
 * with nothing changed. Then the service starts on the restored copy.
 */
const USAGE = `usage: cadap restore --from <backup.tar.gz> [--data-dir <empty folder>]
Restores a cadap backup: the embedded database into an empty (or new) data folder, --data-dir or DATA_DIR;
with DATABASE_URL, a PostgreSQL backup into that empty database (pg_restore from PATH) and its key files
where this configuration keeps them (DATA_DIR, or AUDIT_CHECKPOINT_KEY_FILE, NATIONAL_ID_KEY_FILE, WEB_SESSION_KEY_FILE).
Every table's rows are counted against the backup. Then: cadap audit verify, and start the service.
`;

const fail: Fail = failure('restore');
const values = readOptions('restore', USAGE, { from: { type: 'string' }, 'data-dir': { type: 'string' } });
if (!values.from) fail(`name the backup with --from\n${USAGE}`);
const from = path.resolve(values.from);

let config;
try {
  config = loadConfig({ ...process.env, ...(values['data-dir'] ? { DATA_DIR: values['data-dir'] } : {}) });
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

try {
  const archive = await readBackupArchive(from).catch((error: unknown) => {
    if (error instanceof BackupArchiveError) throw new BackupRefused(`the backup ${from} cannot be used: ${error.message}. Nothing was changed.`);
    throw error;
  });
  const kind = archive.manifest.database.kind;
  if (kind !== config.database.kind) {
    throw new BackupRefused(
      kind === 'pglite'
        ? 'This is a backup of the embedded database: restore it without DATABASE_URL, into an empty data folder (--data-dir). Nothing was changed.'
        : 'This is a backup of a PostgreSQL database: set DATABASE_URL to an empty database to restore it. Nothing was changed.',
    );
  }
  const report = kind === 'pglite' ? await restoreEmbedded(archive, config) : await restorePostgres(archive, config, process.env);
  const where = config.database.kind === 'pglite' ? config.dataDir : 'the database DATABASE_URL names';
  const lines = [
    `Restored ${from} (taken ${archive.manifest.createdAt} from ${archive.manifest.source}) into ${where}:`,
    `  ${Object.keys(report.tables).length} tables, ${totalRows(report.tables)} rows, each table as the backup counted it`,
    ...report.keyFiles.map((file) => `  ${file.name} -> ${file.path}${file.present ? ' (already there, the same)' : ''}`),
    ...report.skipped.map((name) => `  ${name}: not restored (this configuration uses an identity provider, not the embedded key)`),
    ...archive.manifest.missingKeyFiles.map((name) => `  ${name}: not in the backup (it was missing when the backup was made)`),
    `Next: cadap audit verify${config.database.kind === 'pglite' ? ` with DATA_DIR=${config.dataDir}` : ''}, then start the service on it.`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
} catch (error) {
  if (error instanceof BackupRefused) fail(error.message, error.exitCode);
  if (error instanceof KeyFileConflict) fail(`${error.message} Nothing was changed.`);
  throw error;
}
