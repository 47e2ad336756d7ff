import { parseArgs } from 'node:util';
import { ensureAuditChains } from '../audit/audit.js';
import { createLogger } from '../logger.js';
import { runRetention } from '../retention/run.js';
import { openMigratedDatabase } from './migrated-database.js';

/**
 * `cadap retention run [--dry-run]`: one retention run now, as the tick runs it once a day
 * (src/retention/run.ts), with the settings of the environment (RETENTION_OUTBOX_DAYS,
 * RETENTION_INBOX_DAYS, RETENTION_YEARS). Prints the counts; `--dry-run` prints what a run would
 * remove and changes nothing. Exits 1 when a kind failed (the others ran), 2 on bad usage or an
 * unmigrated database. The embedded database is locked by a running service: stop it first.
 */
const USAGE = `usage: cadap retention run [--dry-run]
Removes sent e-mails (and their .eml files) RETENTION_OUTBOX_DAYS after sending, read notices RETENTION_INBOX_DAYS after reading,
and erases the personal data of people whose cases all closed more than RETENTION_YEARS ago; audited. --dry-run: counts only, nothing changes.
`;

function fail(message: string): never {
  process.stderr.write(`retention: ${message}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({ options: { 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const { config, database } = await openMigratedDatabase('retention');
try {
  const now = new Date();
  const dryRun = values['dry-run'] === true;
  if (!dryRun) await ensureAuditChains(database.db, now);
  const settings = config.retention;
  const report = (await runRetention(database.db, settings, {
    now,
    requestId: `retention:cli:${now.toISOString()}`,
    mailDir: config.mail.fileDir,
    dryRun,
    logger: createLogger(config.logLevel, (line) => process.stderr.write(line)),
  }))!;
  const verb = dryRun ? 'would remove' : 'removed';
  process.stdout.write(
    [
      `${dryRun ? 'Dry run (nothing changed)' : 'Retention run'}:`,
      `  sent e-mails (sent more than ${settings.outboxDays} days ago): ${verb} ${report.messages}, .eml files ${report.files}`,
      `  read notices (read more than ${settings.inboxDays} days ago): ${verb} ${report.notices}`,
      `  people (no case open or closed in ${settings.years} years): ${dryRun ? 'would erase' : 'erased'} ${report.people}`,
      ...(report.failed.length > 0 ? [`  FAILED: ${report.failed.join(', ')} (see the log above; the rest ran)`] : []),
      '',
    ].join('\n'),
  );
  process.exitCode = report.failed.length > 0 ? 1 : 0;
} finally {
  await database.close();
}
