import { drive } from '../lib/load.js';
import { freePort, startChild } from '../lib/process.js';
import { requireClean } from '../lib/report.js';
import { prepare } from '../samples.js';
import type { Bench } from './context.js';
import { nameSearches, rotate } from './requests.js';

/** 6. Scale: the same case read and name search at two sizes of country (PostgreSQL only), each in a fresh database. */
export async function scale({ report, options, databases, serviceEnv, tokenFor }: Bench) {
  for (const size of options.scaleSizes) {
    const target = await databases.createTarget(`scale${size}`);
    const prepared = await prepare(target, size, options.connections);
    const port = await freePort();
    const service = await startChild({ script: 'src/server.ts' }, serviceEnv(target), { port, readyPath: '/health/ready' });
    try {
      const token = await tokenFor(prepared.dataset.region0.prison!, 'prison_staff');
      const result = await drive(
        service.url,
        token,
        { next: rotate(prepared.samples.readable, (id) => `/cases/${id}`) },
        { connections: options.connections, seconds: options.seconds, serverPid: service.child.pid },
      );
      requireClean(`scale ${size}`, result);
      const times: number[] = [];
      for (let run = 0; run < 4; run += 1) {
        const t0 = performance.now();
        const response = await fetch(`${service.url}/indicators?table=country-quarter&period=2026-Q2`);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`indicators at ${size}: ${response.status}`);
        times.push(performance.now() - t0);
      }
      const warm = times.slice(1).sort((a, b) => a - b)[1]!;
      report.record(
        `scale ${size.toLocaleString('en')}`,
        result,
        `case read at ${size.toLocaleString('en')} participants; GET /indicators ${warm.toFixed(0)} ms warm (first ${times[0]!.toFixed(0)} ms)`,
        {
          indicatorsMs: times,
        },
      );
      const search = await drive(service.url, token, nameSearches(prepared.samples.names), {
        connections: options.connections,
        seconds: options.seconds,
        serverPid: service.child.pid,
      });
      requireClean(`name search ${size}`, search);
      report.record(`name search ${size.toLocaleString('en')}`, search, `POST /participants/search {name} at ${size.toLocaleString('en')} participants`);
    } finally {
      await service.stop();
    }
    if (!options.keep) await databases.drop(target);
  }
}
