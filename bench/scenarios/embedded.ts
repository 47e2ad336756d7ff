import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/migrate.js';
import { withDatabase } from '../lib/databases.js';
import { drive, type LoadResult } from '../lib/load.js';
import { freePort, residentBytes, ROOT, startChild } from '../lib/process.js';
import { requireClean } from '../lib/report.js';
import { prepare } from '../samples.js';
import type { Bench } from './context.js';
import { rotate } from './requests.js';

/** 5. Embedded: `npm start` on an existing folder, its memory after load, beside bare PGlite. */
export async function embedded({ main, samples, report, options, databases, serviceEnv, tokenFor, prisonToken }: Bench) {
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
    `npm start ready in ${(started.readyMs / 1000).toFixed(2)} s; resident ${mb(rss)} after the load vs bare PGlite ${mb(bare.rssBytes)} (+${mb(rss === null ? null : rss - bare.rssBytes)})`,
    {
      readyMs: started.readyMs,
      rssBytes: rss,
      barePglite: bare,
    },
  );
}
