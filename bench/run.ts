import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import nodemailer from 'nodemailer';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { rowsOf } from '../db/migrate.js';
import type { DatabaseConfig } from '../src/config.js';
import { createSmtpMailer } from '../notifications/mailer.js';
import { drainOutbox, materialiseDue } from '../notifications/outbox.js';
import { outbox } from '../db/schema.js';
import { seedAuditChain, seedDataset, seedDueDeadlines, type Dataset } from './dataset.js';
import { drive, driveMixed, type LoadRequest, type LoadResult } from './lib/load.js';
import { freePort, residentBytes, ROOT, startChild, startSmtpSink } from './lib/process.js';
import { startTcpProxy, targetOf } from '../tests/helpers/tcp-proxy.js';

/**
 * `npm run bench -- [--participants 100000] [--quick] [--only a,b] [--seconds 10] [--connections 32]`
 *
 * Seeds a dataset, starts the real service and a bare Hono route on the same database, drives
 * both with autocannon, and prints one table (also written to bench/results.json). PostgreSQL
 * when BENCH_DATABASE_URL is set (a fresh database is created on that server and dropped after),
 * else embedded PGlite in a temporary folder. A measurement, not a test: it asserts nothing
 * about speed, but it fails when a scenario's requests fail.
 */
const { values: args } = parseArgs({
  options: {
    participants: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    seconds: { type: 'string' },
    connections: { type: 'string', default: '32' },
    keep: { type: 'boolean', default: false },
  },
});
const QUICK = args.quick;
const PARTICIPANTS = Number(args.participants ?? (QUICK ? 2000 : 100_000));
const SECONDS = Number(args.seconds ?? (QUICK ? 2 : 10));
const CONNECTIONS = Number(args.connections);
const SCHEDULER_MESSAGES = QUICK ? 1000 : 100_000;
const AUDIT_ROWS = QUICK ? 20_000 : 1_000_000;
const SOAK_SECONDS = QUICK ? 3 : 60;
const SCALE_SIZES = QUICK ? [1000, 4000] : [10_000, 1_000_000];
const PG_URL = process.env.BENCH_DATABASE_URL;
const MODE = PG_URL ? 'postgres' : 'pglite';
const only = args.only ? new Set(args.only.split(',')) : null;
const wanted = (scenario: string) => !only || only.has(scenario);

const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-bench-'));

type Row = { scenario: string; rps: number | null; p50: number | null; p99: number | null; ratio: number | null; note: string; detail?: unknown };
const rows: Row[] = [];
let baselineRps: number | null = null;

function record(scenario: string, result: LoadResult | null, note: string, detail?: unknown) {
  const ratio = result && baselineRps ? result.rps / baselineRps : null;
  rows.push({ scenario, rps: result?.rps ?? null, p50: result?.p50 ?? null, p99: result?.p99 ?? null, ratio, note, ...(detail === undefined ? {} : { detail }) });
  log(`${scenario}: ${result ? `${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms` : ''} ${note}`);
}

/** A request that failed under load is a broken harness or a broken service: say so and stop. */
function requireClean(scenario: string, result: LoadResult, allowed: number[] = []) {
  const bad = Object.entries(result.statuses).filter(([status]) => !(Number(status) >= 200 && Number(status) < 300) && !allowed.includes(Number(status)));
  if (result.errors > 0 || bad.length > 0 || result.requests === 0) {
    throw new Error(`${scenario}: ${result.requests} requests, ${result.errors} connection errors, statuses ${JSON.stringify(result.statuses)}`);
  }
}

// Keys: the service trusts a JWKS file; the bench signs staff tokens with its private half.
const ISSUER = 'https://id.bench.cadap.invalid';
const AUDIENCE = 'cadap-bench';
const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwksFile = path.join(work, 'jwks.json');
fs.writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] }));
const checkpointKey = path.join(work, 'checkpoint-key.pem');
const tokenFor = (org: string, role: string) =>
  new SignJWT({ org, roles: [role] })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setSubject(`bench:${role}`)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('6h')
    .sign(privateKey);

/** The environment of a service under load: the bench's key set, no scheduler, no rate limit, logs at warn. */
function serviceEnv(target: DatabaseConfig): Record<string, string> {
  return {
    ...(target.kind === 'postgres' ? { DATABASE_URL: target.url } : { DATA_DIR: target.dataDir }),
    AUTH_JWKS_FILE: jwksFile,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    AUDIT_CHECKPOINT_KEY_FILE: checkpointKey,
    SCHEDULER: 'off',
    RATE_LIMIT: 'off',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    // The load rows measure computing the indicators; the soak runs with the default cache.
    INDICATOR_CACHE_SECONDS: '0',
  };
}

// A database per dataset: a fresh one on the PostgreSQL server, or a PGlite folder.
const admin = PG_URL ? postgres(PG_URL, { max: 1, onnotice: () => {} }) : null;
const created: string[] = [];
async function createTarget(label: string, embedded = MODE === 'pglite'): Promise<DatabaseConfig> {
  if (!embedded) {
    const name = `cadap_bench_${label}_${Date.now().toString(36)}`;
    await admin!.unsafe(`create database ${name}`);
    created.push(name);
    const url = new URL(PG_URL!);
    url.pathname = `/${name}`;
    return { kind: 'postgres', url: url.toString(), poolMax: 10 };
  }
  const dataDir = path.join(work, label);
  fs.mkdirSync(dataDir, { recursive: true });
  return { kind: 'pglite', dataDir };
}

async function withDatabase<T>(target: DatabaseConfig, run: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const database = await openDatabase(target);
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}

type Samples = { readable: string[]; references: string[]; enrolled: string[]; ngoCases: string[]; courtCases: string[] };

async function prepare(target: DatabaseConfig, participants: number): Promise<{ dataset: Dataset; samples: Samples }> {
  return withDatabase(target, async (database) => {
    await database.migrate();
    const dataset = await seedDataset(database.db, participants, log);
    const { prison, ngo, court } = dataset.region0;
    const ids = async (query: ReturnType<typeof sql>) => rowsOf<{ id: string }>(await database.db.execute(query)).map((row) => row.id);
    // Cases the organisation may read now: open ones (a case closed more than 90 days ago is 404 to
    // its former parties, and the dataset's closures lie up to a year back).
    const samples: Samples = {
      readable: await ids(
        sql`select c.id from cases c join case_parties p on p.case_id = c.id where p.organisation_id = ${prison} and c.closed_at is null order by c.id limit 2000`,
      ),
      references: await ids(sql`select reference_code as id from participants where owner_organisation_id = ${prison} order by id limit 2000`),
      enrolled: await ids(
        sql`select id from cases where owner_organisation_id = ${prison} and protocol = 'unit-enrolment' and state = 'enrolled' order by id limit ${CONNECTIONS * 8}`,
      ),
      ngoCases: await ids(sql`select c.id from cases c join case_parties p on p.case_id = c.id where p.organisation_id = ${ngo} and c.closed_at is null order by c.id limit 2000`),
      courtCases: await ids(sql`select id from cases where owner_organisation_id = ${court} and closed_at is null order by id limit 2000`),
    };
    return { dataset, samples };
  });
}

const rotate = (list: string[], make: (id: string) => string): LoadRequest['next'] => {
  let index = 0;
  return () => ({ path: make(list[index++ % list.length]!) });
};

/**
 * A drug test on an enrolled case. A case is lent to one request at a time and returned with its
 * new version when the answer comes, so no two requests race for the same case.
 */
function drugTests(enrolled: string[]): LoadRequest {
  const free = enrolled.map((id) => ({ id, version: 2 }));
  return {
    method: 'POST',
    next: (context) => {
      const target = free.shift();
      if (!target) throw new Error(`more connections than enrolled cases (${enrolled.length})`);
      context.current = target;
      return { path: `/cases/${target.id}/events`, body: { type: 'DRUG_TEST_RECORDED', data: { date: '2026-03-10', result: 'negative' }, expectedVersion: target.version } };
    },
    onResponse: (status, body, context) => {
      const target = context.current as { id: string; version: number };
      if (status >= 200 && status < 300) target.version = (JSON.parse(body) as { version?: number }).version ?? target.version + 1;
      free.push(target);
    },
  };
}

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  database: MODE,
  postgres: admin ? ((await admin`show server_version`)[0] as { server_version: string }).server_version : null,
};

try {
  log(`mode ${MODE}, ${PARTICIPANTS.toLocaleString('en')} participants, ${CONNECTIONS} connections, ${SECONDS} s per scenario${QUICK ? ' (quick)' : ''}`);
  const main = await createTarget('main');
  const { dataset, samples } = await prepare(main, PARTICIPANTS);
  const { prison, ngo, court, coordinator } = dataset.region0;
  const prisonToken = await tokenFor(prison!, 'prison_staff');
  // One lender of enrolled cases for every scenario that records events, so versions carry over.
  const events = drugTests(samples.enrolled);

  // 1. The floor: the same read, the same driver, nothing else.
  {
    const port = await freePort();
    const target = main.kind === 'postgres' ? main.url : main.dataDir;
    const baseline = await startChild({ script: 'bench/baseline-server.ts' }, { BENCH_TARGET: target }, { port, readyPath: '/health/live' });
    try {
      const result = await drive(baseline.url, null, { next: rotate(samples.readable, (id) => `/cases/${id}`) }, { connections: CONNECTIONS, seconds: SECONDS });
      requireClean('baseline', result);
      baselineRps = result.rps;
      record('baseline', result, 'bare Hono + the same driver, one row by primary key');
    } finally {
      await baseline.stop();
    }
  }

  // 2. The service under the same load.
  {
    const port = await freePort();
    const service = await startChild({ script: 'src/server.ts' }, serviceEnv(main), { port, readyPath: '/health/ready' });
    try {
      if (wanted('case-read')) {
        const result = await drive(service.url, prisonToken, { next: rotate(samples.readable, (id) => `/cases/${id}`) }, { connections: CONNECTIONS, seconds: SECONDS });
        requireClean('case read', result);
        record('case read', result, 'GET /cases/:id: token, scoping, redaction, audit row');
      }
      if (wanted('search')) {
        const result = await drive(
          service.url,
          prisonToken,
          { next: rotate(samples.references, (code) => `/participants?reference=${code}`) },
          { connections: CONNECTIONS, seconds: SECONDS },
        );
        requireClean('participant search', result);
        record('participant search', result, 'GET /participants?reference=');
      }
      if (wanted('event')) {
        const result = await drive(service.url, prisonToken, events, { connections: CONNECTIONS, seconds: SECONDS });
        requireClean('event', result);
        record('event', result, 'POST /cases/:id/events, a drug test (observation)');
      }
      if (wanted('indicators')) {
        const result = await drive(
          service.url,
          null,
          { next: () => ({ path: '/indicators?table=country-quarter&period=2026-Q2' }) },
          { connections: Math.min(CONNECTIONS, 8), seconds: SECONDS },
        );
        requireClean('indicators', result);
        record('indicators', result, `GET /indicators, country by quarter, ${PARTICIPANTS.toLocaleString('en')} cases, 8 connections`);
      }
    } finally {
      await service.stop();
    }
  }

  // The soak: one instance as deployed (indicator cache at its default), mixed roles at a fixed rate.
  if (wanted('soak') && MODE === 'postgres') {
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
      const result = await driveMixed(service.url, mix, { connections: 16, seconds: SOAK_SECONDS, rate: 200 });
      requireClean('soak', result);
      record(
        'soak',
        result,
        `${SOAK_SECONDS} s at 200 req/s, 8 request kinds over 5 roles, audit on; ${result.requests} requests, ${result.errors} errors, non-2xx ${result.non2xx}`,
        {
          statuses: result.statuses,
        },
      );
    } finally {
      await service.stop();
    }
  }

  // The database cut off and back (PostgreSQL only): how fast the service says so, and recovers.
  if (wanted('recovery') && main.kind === 'postgres') {
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
    rows.push({
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

  // 3. The scheduler: due deadlines to delivered mail, against nodemailer alone.
  if (wanted('scheduler')) {
    const sink = await startSmtpSink();
    try {
      const smtpUrl = `smtp://127.0.0.1:${sink.port}`;
      const timings = await withDatabase(main, async (database) => {
        await seedDueDeadlines(database.db, SCHEDULER_MESSAGES, prison!);
        const now = new Date();
        const t0 = performance.now();
        const materialised = await materialiseDue(database.db, { now, publicUrl: 'http://localhost:3000' });
        const materialiseMs = performance.now() - t0;
        const mailer = createSmtpMailer(smtpUrl);
        const t1 = performance.now();
        // What a scheduler tick does after materialising: drain the outbox (no time budget here).
        const { sent } = await drainOutbox(database.db, mailer, { now: () => new Date(), from: 'bench@cadap.invalid', budgetMs: 3_600_000 });
        await sink.waitFor(materialised, 120_000);
        const dispatchMs = performance.now() - t1;
        await mailer.close();
        const [sample] = await database.db.select({ subject: outbox.subject, text: outbox.text, html: outbox.html }).from(outbox).limit(1);
        return { materialised, materialiseMs, dispatchMs, sent, sample: sample! };
      });
      // The same number of the same messages through a bare pooled nodemailer transport, to the same sink.
      const bare = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 5, maxMessages: 1000 });
      const before = sink.received();
      const t2 = performance.now();
      let next = 0;
      const send = async () => {
        while (next < timings.materialised) {
          const index = next++;
          await bare.sendMail({ from: 'bench@cadap.invalid', to: 'desk@bench.invalid', ...timings.sample, messageId: `<bare-${index}@bench.invalid>` });
        }
      };
      await Promise.all(Array.from({ length: 50 }, send));
      await sink.waitFor(before + timings.materialised, 120_000);
      const bareMs = performance.now() - t2;
      bare.close();
      // Sending is compared with sending; materialising is timed on its own (its target is absolute).
      const serviceRate = timings.materialised / (timings.dispatchMs / 1000);
      const bareRate = timings.materialised / (bareMs / 1000);
      rows.push({
        scenario: 'scheduler',
        rps: serviceRate,
        p50: null,
        p99: null,
        ratio: serviceRate / bareRate,
        note: `${timings.materialised.toLocaleString('en')} due deadlines materialised in ${(timings.materialiseMs / 1000).toFixed(1)} s, then delivered at ${serviceRate.toFixed(0)} msg/s; ratio is to a bare pooled nodemailer send of the same messages (${bareRate.toFixed(0)} msg/s)`,
        detail: { materialised: timings.materialised, materialiseMs: timings.materialiseMs, dispatchMs: timings.dispatchMs, sent: timings.sent, bareMs, bareRate },
      });
      log(`scheduler: ${serviceRate.toFixed(0)} msg/s end to end vs bare nodemailer ${bareRate.toFixed(0)} msg/s; materialise ${(timings.materialiseMs / 1000).toFixed(1)} s`);
    } finally {
      sink.stop();
    }
  }

  // 4. Audit verification over a long chain, through the CLI a user runs.
  if (wanted('audit')) {
    const rowsBefore = await withDatabase(main, async (database) => {
      await seedAuditChain(database.db, AUDIT_ROWS, log);
      const [row] = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from audit_events`));
      return row!.n;
    });
    const env = { ...process.env, ...serviceEnv(main), LOG_LEVEL: 'warn' };
    const t0 = performance.now();
    const output = execFileSync('npm', ['run', '--silent', 'audit:verify'], { cwd: ROOT, env, encoding: 'utf8' });
    const wallMs = performance.now() - t0;
    const match = /verified: (\d+) rows in ([\d.]+) s \((\d+) rows\/s\)/.exec(output);
    if (!match) throw new Error(`audit:verify did not verify:\n${output}`);
    rows.push({
      scenario: 'audit verify',
      rps: Number(match[3]),
      p50: null,
      p99: null,
      ratio: null,
      note: `npm run audit:verify: ${Number(match[1]).toLocaleString('en')} rows (of ${rowsBefore.toLocaleString('en')}) in ${match[2]} s; ${(wallMs / 1000).toFixed(1)} s with start-up; rate is rows/s`,
    });
    log(`audit verify: ${match[3]} rows/s over ${match[1]} rows`);
  }

  // 5. Embedded: `npm start` on an existing folder, its memory after load, beside bare PGlite.
  if (wanted('embedded')) {
    const folder = MODE === 'pglite' ? main : await createTarget('embedded', true);
    const embeddedSamples = MODE === 'pglite' ? samples : (await prepare(folder, Math.min(PARTICIPANTS, 10_000))).samples;
    const embeddedPrison =
      MODE === 'pglite'
        ? prisonToken
        : await withDatabase(folder, async (database) => {
            const [row] = rowsOf<{ prison: string }>(await database.db.execute(sql`select prison from bench_region_orgs where n = 0`));
            return tokenFor(row!.prison, 'prison_staff');
          });
    const port = await freePort();
    const started = await startChild({ npm: 'start' }, { ...serviceEnv(folder), NODE_ENV: 'production' }, { port, readyPath: '/health/ready' });
    let rss: number | null;
    let result: LoadResult;
    try {
      result = await drive(started.url, embeddedPrison, { next: rotate(embeddedSamples.readable, (id) => `/cases/${id}`) }, { connections: CONNECTIONS, seconds: SECONDS });
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
    record(
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

  // 6. Scale: the same read at two sizes of country (PostgreSQL only).
  if (wanted('scale') && MODE === 'postgres') {
    for (const size of SCALE_SIZES) {
      const target = await createTarget(`scale${size}`);
      const prepared = await prepare(target, size);
      const port = await freePort();
      const service = await startChild({ script: 'src/server.ts' }, serviceEnv(target), { port, readyPath: '/health/ready' });
      try {
        const token = await tokenFor(prepared.dataset.region0.prison!, 'prison_staff');
        const result = await drive(service.url, token, { next: rotate(prepared.samples.readable, (id) => `/cases/${id}`) }, { connections: CONNECTIONS, seconds: SECONDS });
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
        record(
          `scale ${size.toLocaleString('en')}`,
          result,
          `case read at ${size.toLocaleString('en')} participants; GET /indicators ${warm.toFixed(0)} ms warm (first ${times[0]!.toFixed(0)} ms)`,
          {
            indicatorsMs: times,
          },
        );
      } finally {
        await service.stop();
      }
      if (!args.keep) await admin!.unsafe(`drop database if exists ${created.pop()!} with (force)`);
    }
  }
} finally {
  if (!args.keep) {
    for (const name of created) await admin!.unsafe(`drop database if exists ${name} with (force)`);
    fs.rmSync(work, { recursive: true, force: true });
  }
  await admin?.end();
}

const fmt = (value: number | null, digits = 0) => (value === null ? '' : value.toFixed(digits));
const table = [
  '| scenario | req/s | p50 ms | p99 ms | × baseline | what |',
  '|---|--:|--:|--:|--:|---|',
  ...rows.map((row) => `| ${row.scenario} | ${fmt(row.rps)} | ${fmt(row.p50, 1)} | ${fmt(row.p99, 1)} | ${fmt(row.ratio, 2)} | ${row.note} |`),
].join('\n');
process.stdout.write(
  `\n${MODE}, ${PARTICIPANTS.toLocaleString('en')} participants, ${CONNECTIONS} connections, ${SECONDS} s per scenario; ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}${machine.postgres ? `, PostgreSQL ${machine.postgres}` : ''}\n\n${table}\n`,
);
fs.writeFileSync(
  path.join(ROOT, 'bench/results.json'),
  `${JSON.stringify({ at: new Date().toISOString(), quick: QUICK, participants: PARTICIPANTS, connections: CONNECTIONS, seconds: SECONDS, machine, rows }, null, 2)}\n`,
);
