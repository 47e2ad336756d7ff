import { drive } from '../lib/load.js';
import { freePort, startChild } from '../lib/process.js';
import { requireClean } from '../lib/report.js';
import type { Bench } from './context.js';
import { nameSearches, rotate } from './requests.js';

/** 1. The floor: the same read, the same driver, nothing else. Every later load row's ratio is to it. */
export async function baseline({ main, samples, report, options }: Bench) {
  const port = await freePort();
  const target = main.kind === 'postgres' ? main.url : main.dataDir;
  const server = await startChild({ script: 'bench/baseline-server.ts' }, { BENCH_TARGET: target }, { port, readyPath: '/health/live' });
  try {
    const result = await drive(
      server.url,
      null,
      { next: rotate(samples.readable, (id) => `/cases/${id}`) },
      { connections: options.connections, seconds: options.seconds, serverPid: server.child.pid },
    );
    requireClean('baseline', result);
    report.setBaseline(result);
    report.record('baseline', result, 'bare Hono + the same driver, one row by primary key');
  } finally {
    await server.stop();
  }
}

/** 2. The service under the same load: case read, participant search by reference and by name, an event, the indicators (each if wanted). */
export async function serviceLoad({ main, samples, report, options, serviceEnv, prisonToken, events }: Bench) {
  const { connections, seconds, wanted } = options;
  const port = await freePort();
  const service = await startChild({ script: 'src/server.ts' }, serviceEnv(main), { port, readyPath: '/health/ready' });
  try {
    if (wanted('case-read')) {
      const result = await drive(service.url, prisonToken, { next: rotate(samples.readable, (id) => `/cases/${id}`) }, { connections, seconds, serverPid: service.child.pid });
      requireClean('case read', result);
      report.record('case read', result, 'GET /cases/:id: token, scoping, redaction, audit row');
    }
    if (wanted('search')) {
      const result = await drive(
        service.url,
        prisonToken,
        { next: rotate(samples.references, (code) => `/participants?reference=${code}`) },
        { connections, seconds, serverPid: service.child.pid },
      );
      requireClean('participant search', result);
      report.record('participant search', result, 'GET /participants?reference=');
    }
    if (wanted('name-search')) {
      const result = await drive(service.url, prisonToken, nameSearches(samples.names), { connections, seconds, serverPid: service.child.pid });
      requireClean('name search', result);
      report.record('name search', result, 'POST /participants/search {name}: family and given name, scoped in SQL, each person shown audited');
    }
    if (wanted('event')) {
      const result = await drive(service.url, prisonToken, events, { connections, seconds, serverPid: service.child.pid });
      requireClean('event', result);
      report.record('event', result, 'POST /cases/:id/events, a drug test (observation)');
      // One request at a time: the event's own latency, with no queue in front of the pool or the audit chain heads.
      const alone = await drive(service.url, prisonToken, events, { connections: 1, seconds, serverPid: service.child.pid });
      requireClean('event, 1 connection', alone);
      report.record('event, 1 connection', alone, 'the same drug test, one connection: its latency alone');
    }
    if (wanted('indicators')) {
      const result = await drive(
        service.url,
        null,
        { next: () => ({ path: '/indicators?table=country-quarter&period=2026-Q2' }) },
        { connections: Math.min(connections, 8), seconds, serverPid: service.child.pid },
      );
      requireClean('indicators', result);
      report.record('indicators', result, `GET /indicators, country by quarter, ${options.participants.toLocaleString('en')} cases, 8 connections`);
    }
  } finally {
    await service.stop();
  }
}
