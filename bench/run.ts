import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabases } from './lib/databases.js';
import { log, readOptions } from './lib/options.js';
import { describeMachine, publish, Report } from './lib/report.js';
import { createServiceEnv } from './lib/service-env.js';
import { prepare } from './samples.js';
import { auditVerify } from './scenarios/audit.js';
import type { Bench } from './scenarios/context.js';
import { embedded } from './scenarios/embedded.js';
import { baseline, serviceLoad } from './scenarios/load.js';
import { recovery } from './scenarios/recovery.js';
import { drugTests } from './scenarios/requests.js';
import { scale } from './scenarios/scale.js';
import { scheduler } from './scenarios/scheduler.js';
import { soak } from './scenarios/soak.js';

/**
 * `npm run bench -- [--participants 100000] [--quick] [--only a,b] [--seconds 10] [--connections 32]`
 *
 * Seeds a dataset, starts the real service and a bare Hono route on the same database, drives
 * both with autocannon, and prints one table (also written to bench/results.json). PostgreSQL
 * when BENCH_DATABASE_URL is set (a fresh database is created on that server and dropped after),
 * else embedded PGlite in a temporary folder. A measurement, not a test: it asserts nothing
 * about speed, but it fails when a scenario's requests fail.
 *
 * This file is the runner: the options (lib/options.ts), the databases (lib/databases.ts), the
 * service's keys and environment (lib/service-env.ts), the dataset and its samples (samples.ts,
 * dataset.ts), one file per scenario (scenarios/), the table (lib/report.ts).
 */
const options = readOptions();
const { wanted, mode } = options;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-bench-'));
const report = new Report();
const service = await createServiceEnv(work);
const databases = createDatabases(options, work);
const machine = describeMachine(mode, await databases.serverVersion());

try {
  log(
    `mode ${mode}, ${options.participants.toLocaleString('en')} participants, ${options.connections} connections, ${options.seconds} s per scenario${options.quick ? ' (quick)' : ''}`,
  );
  const main = await databases.createTarget('main');
  const { dataset, samples } = await prepare(main, options.participants, options.connections);
  const prisonToken = await service.tokenFor(dataset.region0.prison!, 'prison_staff');
  const bench: Bench = { ...service, options, report, databases, main, dataset, samples, prisonToken, events: drugTests(samples.enrolled) };

  await baseline(bench);
  await serviceLoad(bench);
  if (wanted('soak') && mode === 'postgres') await soak(bench);
  if (wanted('recovery') && main.kind === 'postgres') await recovery(bench);
  if (wanted('scheduler')) await scheduler(bench);
  if (wanted('audit')) await auditVerify(bench);
  if (wanted('embedded')) await embedded(bench);
  if (wanted('scale') && mode === 'postgres') await scale(bench);
} finally {
  try {
    await databases.close(options.keep);
  } finally {
    if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
  }
}

publish(report, options, machine);
