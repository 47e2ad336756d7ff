import { startTcpProxy, targetOf } from '../../tests/helpers/tcp-proxy.js';
import { freePort, startChild } from '../lib/process.js';
import { log } from '../lib/options.js';
import type { Bench } from './context.js';

/** The database cut off and back (PostgreSQL only): how fast the service says so, and recovers. */
export async function recovery({ main, samples, report, serviceEnv, prisonToken }: Bench) {
  if (main.kind !== 'postgres') throw new Error('recovery: PostgreSQL only');
  const proxy = await startTcpProxy(targetOf(main.url));
  const port = await freePort();
  const service = await startChild({ script: 'src/server.ts' }, serviceEnv({ ...main, url: proxy.urlFor(main.url) }), { port, readyPath: '/health/ready' });
  const caseUrl = `${service.url}/cases/${samples.readable[0]}`;
  const read = () =>
    fetch(caseUrl, { headers: { authorization: `Bearer ${prisonToken}` } }).then(async (response) => ({
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
    }));
  const ready = () => fetch(`${service.url}/health/ready`).then((response) => response.status);
  const until = async (check: () => Promise<boolean>, timeoutMs: number) => {
    const started = performance.now();
    while (!(await check())) {
      if (performance.now() - started > timeoutMs) throw new Error('recovery: timed out');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return performance.now() - started;
  };
  const detect: number[] = [];
  const recover: number[] = [];
  try {
    for (let round = 0; round < 3; round += 1) {
      proxy.cut();
      detect.push(await until(async () => (await ready()) === 503, 30_000));
      const during = await read();
      if (during.status !== 503 || !during.retryAfter) throw new Error(`recovery: a read while the database is cut answered ${during.status}`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await proxy.restore();
      recover.push(await until(async () => (await ready()) === 200 && (await read()).status === 200, 60_000));
    }
  } finally {
    await service.stop();
    await proxy.close();
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  report.add({
    scenario: 'recovery',
    rps: null,
    p50: null,
    p99: null,
    ratio: null,
    note: `database cut 3 times for 2 s by a TCP proxy: not ready after ${median(detect).toFixed(0)} ms, reads 503 UNAVAILABLE with Retry-After; ready and serving again ${median(recover).toFixed(0)} ms after it returned (medians)`,
    detail: { detectMs: detect, recoverMs: recover },
  });
  log(`recovery: detect ${detect.map((ms) => ms.toFixed(0)).join(', ')} ms; recover ${recover.map((ms) => ms.toFixed(0)).join(', ')} ms`);
}
