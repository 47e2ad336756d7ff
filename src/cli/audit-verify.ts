import { openDatabase } from '../../db/client.js';
import { loadCheckpointSigner } from '../audit/signer.js';
import { verifyAuditTrail } from '../audit/verify.js';
import { loadConfig } from '../config.js';

/**
 * `npm run audit:verify`: checks every audit chain against the signed checkpoints and names
 * the first bad row; exits 1 when anything is wrong. (The embedded database is locked by a
 * running service: stop it first, or call GET /audit/verify.)
 */
const config = loadConfig(process.env);
const database = await openDatabase(config.database);
try {
  const started = performance.now();
  const report = await verifyAuditTrail(database.db, loadCheckpointSigner(config.audit.checkpointKeyFile), new Date());
  const seconds = (performance.now() - started) / 1000;
  for (const chain of report.chains) {
    const state = chain.ok ? 'ok' : `BROKEN at position ${chain.firstBad!.position}${chain.firstBad!.seq ? ` (row ${chain.firstBad!.seq})` : ''}: ${chain.firstBad!.reason}`;
    process.stdout.write(`${chain.chain}: ${chain.rows} rows, ${chain.checkpoints} checkpoints, ${state}\n`);
  }
  if (report.legacyRows > 0) process.stdout.write(`legacy: ${report.legacyRows} rows written before the hash chain existed (not verifiable)\n`);
  process.stdout.write(
    `${report.ok ? 'Audit trail verified' : 'Audit trail FAILED verification'}: ${report.rows} rows in ${seconds.toFixed(2)} s (${Math.round(report.rows / Math.max(seconds, 0.001))} rows/s).\n`,
  );
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await database.close();
}
