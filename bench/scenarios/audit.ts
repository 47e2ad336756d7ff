import { execFileSync } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/migrate.js';
import { seedAuditChain } from '../dataset.js';
import { withDatabase } from '../lib/databases.js';
import { log } from '../lib/options.js';
import { ROOT } from '../lib/process.js';
import type { Bench } from './context.js';

/** 4. Audit verification over a long chain, through the CLI a user runs. */
export async function auditVerify({ main, report, options, serviceEnv }: Bench) {
  const rowsBefore = await withDatabase(main, async (database) => {
    await seedAuditChain(database.db, options.auditRows, log);
    const [row] = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from audit_events`));
    return row!.n;
  });
  const env = { ...process.env, ...serviceEnv(main), LOG_LEVEL: 'warn' };
  const t0 = performance.now();
  const output = execFileSync('npm', ['run', '--silent', 'audit:verify'], { cwd: ROOT, env, encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  const match = /verified: (\d+) rows in ([\d.]+) s \((\d+) rows\/s\)/.exec(output);
  if (!match) throw new Error(`audit:verify did not verify:\n${output}`);
  report.add({
    scenario: 'audit verify',
    rps: Number(match[3]),
    p50: null,
    p99: null,
    ratio: null,
    note: `npm run audit:verify: ${Number(match[1]).toLocaleString('en')} rows (of ${rowsBefore.toLocaleString('en')}) in ${match[2]} s; ${(wallMs / 1000).toFixed(1)} s with start-up; rate is rows/s`,
  });
  log(`audit verify: ${match[3]} rows/s over ${match[1]} rows`);
}
