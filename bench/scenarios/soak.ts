import { driveMixed } from '../lib/load.js';
import { freePort, startChild } from '../lib/process.js';
import { requireClean } from '../lib/report.js';
import type { Bench } from './context.js';
import { rotate } from './requests.js';

/** The soak: one instance as deployed (indicator cache at its default), mixed roles at a fixed rate. */
export async function soak({ main, samples, dataset, report, options, serviceEnv, tokenFor, prisonToken, events }: Bench) {
  const { ngo, court, coordinator } = dataset.region0;
  const port = await freePort();
  const { INDICATOR_CACHE_SECONDS: _computeEveryTime, ...deployed } = serviceEnv(main);
  const service = await startChild({ script: 'src/server.ts' }, deployed, { port, readyPath: '/health/ready' });
  try {
    const [ngoToken, judgeToken, coordinatorToken] = await Promise.all([tokenFor(ngo!, 'ngo_worker'), tokenFor(court!, 'judge'), tokenFor(coordinator!, 'coordinator')]);
    const mix = [
      { token: prisonToken, request: { next: rotate(samples.readable, (id) => `/cases/${id}`) } },
      { token: prisonToken, request: { next: rotate(samples.references, (code) => `/participants?reference=${code}`) } },
      { token: prisonToken, request: events },
      { token: ngoToken, request: { next: rotate(samples.ngoCases, (id) => `/cases/${id}`) } },
      { token: judgeToken, request: { next: rotate(samples.courtCases, (id) => `/cases/${id}`) } },
      { token: coordinatorToken, request: { next: () => ({ path: '/deadlines?limit=20' }) } },
      { token: ngoToken, request: { next: () => ({ path: '/notifications?limit=20' }) } },
      { token: null, request: { next: () => ({ path: '/indicators?table=region-quarter&period=2026-Q2' }) } },
    ];
    const result = await driveMixed(service.url, mix, { connections: 16, seconds: options.soakSeconds, rate: 200 });
    requireClean('soak', result);
    report.record(
      'soak',
      result,
      `${options.soakSeconds} s at 200 req/s, 8 request kinds over 5 roles, audit on; ${result.requests} requests, ${result.errors} errors, non-2xx ${result.non2xx}`,
      {
        statuses: result.statuses,
      },
    );
  } finally {
    await service.stop();
  }
}
