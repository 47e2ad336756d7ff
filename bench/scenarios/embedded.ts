import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { MIGRATIONS_FOLDER, rowsOf } from '../../db/migrate.js';
import { defaultTemplateRoot, findTemplate, templateKey } from '../../db/template-build.mjs';
import { withDatabase } from '../lib/databases.js';
import { drive, type LoadResult } from '../lib/load.js';
import { freePort, residentBytes, ROOT, startChild } from '../lib/process.js';
import { requireClean } from '../lib/report.js';
import { prepare } from '../samples.js';
import type { Bench } from './context.js';
import { rotate } from './requests.js';

/**
 * A newcomer's first `npm start`: an empty folder, no setting but DATA_DIR (the demo region seeded,
 * the embedded key), to the first 200 of /health/ready; the service process's peak resident memory
 * (VmHWM) then. Whether the database template was there (built at `npm ci`) is part of the row.
 */
async function firstStart() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-bench-first-start-'));
  const template = findTemplate(defaultTemplateRoot(), templateKey(MIGRATIONS_FOLDER)) !== null;
  try {
    const started = await startChild({ npm: 'start' }, { DATA_DIR: dataDir }, { port: await freePort(), readyPath: '/health/ready' });
    try {
      const pid = started.child.pid!;
      return { readyMs: started.readyMs, peakBytes: residentBytes(pid, 'scripts/start.mjs', 'VmHWM'), rssBytes: residentBytes(pid, 'scripts/start.mjs'), template };
    } finally {
      await started.stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** 5. Embedded: a first `npm start` on an empty folder; `npm start` on an existing folder, its memory after load, beside bare PGlite. */
export async function embedded({ main, samples, report, options, databases, serviceEnv, tokenFor, prisonToken }: Bench) {
  const first = await firstStart();
  const pglite = options.mode === 'pglite';
  const folder = pglite ? main : await databases.createTarget('embedded', true);
  const embeddedSamples = pglite ? samples : (await prepare(folder, Math.min(options.participants, 10_000), options.connections)).samples;
  const embeddedPrison = pglite
    ? prisonToken
    : await withDatabase(folder, async (database) => {
        const [row] = rowsOf<{ prison: string }>(await database.db.execute(sql`select prison from bench_region_orgs where n = 0`));
        return tokenFor(row!.prison, 'prison_staff');
      });
  const port = await freePort();
  const started = await startChild({ npm: 'start' }, { ...serviceEnv(folder), NODE_ENV: 'production', CADAP_DEMO: 'true' }, { port, readyPath: '/health/ready' });
  let rss: number | null;
  let result: LoadResult;
  try {
    result = await drive(
      started.url,
      embeddedPrison,
      { next: rotate(embeddedSamples.readable, (id) => `/cases/${id}`) },
      { connections: options.connections, seconds: options.seconds },
    );
    requireClean('embedded', result);
    rss = residentBytes(started.child.pid!, 'scripts/start.mjs');
  } finally {
    await started.stop();
  }
  const bare = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/pglite-bare.ts'), (folder as { dataDir: string }).dataDir], { cwd: ROOT, encoding: 'utf8' }),
  ) as {
    openMs: number;
    rssBytes: number;
  };
  const mb = (bytes: number | null) => (bytes === null ? 'unknown' : `${Math.round(bytes / 2 ** 20)} MB`);
  report.record(
    'embedded',
    result,
    `first npm start on an empty folder ready in ${(first.readyMs / 1000).toFixed(2)} s, peak ${mb(first.peakBytes)} (template ${first.template ? 'built at install' : 'missing: built by the start'}); ` +
      `npm start ready in ${(started.readyMs / 1000).toFixed(2)} s; resident ${mb(rss)} after the load vs bare PGlite ${mb(bare.rssBytes)} (${rss === null ? 'unknown' : `${rss >= bare.rssBytes ? '+' : '−'}${mb(Math.abs(rss - bare.rssBytes))}`})`,
    {
      firstStart: first,
      readyMs: started.readyMs,
      rssBytes: rss,
      barePglite: bare,
    },
  );
}
