import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CpuPerRequest } from './cpu.js';
import type { LoadResult } from './load.js';
import { log, type Options } from './options.js';
import { ROOT } from './process.js';

export type Row = { scenario: string; rps: number | null; p50: number | null; p99: number | null; ratio: number | null; note: string; cpu?: CpuPerRequest; detail?: unknown };

/** The rows of a run, each load row with its ratio to the baseline of the same run. */
export class Report {
  readonly rows: Row[] = [];
  private baselineRps: number | null = null;

  /** The floor every later load row is compared with. */
  setBaseline(result: LoadResult) {
    this.baselineRps = result.rps;
  }

  /** A load row: the result's rate and latencies, its ratio to the baseline, and what it measured. */
  record(scenario: string, result: LoadResult | null, note: string, detail?: unknown) {
    const ratio = result && this.baselineRps ? result.rps / this.baselineRps : null;
    this.rows.push({
      scenario,
      rps: result?.rps ?? null,
      p50: result?.p50 ?? null,
      p99: result?.p99 ?? null,
      ratio,
      note,
      ...(result?.cpu ? { cpu: result.cpu } : {}),
      ...(detail === undefined ? {} : { detail }),
    });
    log(`${scenario}: ${result ? `${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms` : ''} ${note}`);
  }

  /** A row a scenario computes itself (a rate of messages or rows, a recovery time). */
  add(row: Row) {
    this.rows.push(row);
  }
}

/** A request that failed under load is a broken harness or a broken service: say so and stop. */
export function requireClean(scenario: string, result: LoadResult, allowed: number[] = []) {
  const bad = Object.entries(result.statuses).filter(([status]) => !(Number(status) >= 200 && Number(status) < 300) && !allowed.includes(Number(status)));
  if (result.errors > 0 || bad.length > 0 || result.requests === 0) {
    throw new Error(`${scenario}: ${result.requests} requests, ${result.errors} connection errors, statuses ${JSON.stringify(result.statuses)}`);
  }
}

export type Machine = { cpus: number; cpuModel: string; memoryGiB: number; node: string; database: Options['mode']; postgres: string | null };

export function describeMachine(database: Options['mode'], postgres: string | null): Machine {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    database,
    postgres,
  };
}

/** Prints the run's table on stdout and writes it, with the machine, to bench/results.json. */
export function publish(report: Report, options: Options, machine: Machine) {
  const fmt = (value: number | null, digits = 0) => (value === null ? '' : value.toFixed(digits));
  const table = [
    '| scenario | req/s | p50 ms | p99 ms | × baseline | CPU ms/req: server + PostgreSQL | what |',
    '|---|--:|--:|--:|--:|--:|---|',
    ...report.rows.map(
      (row) =>
        `| ${row.scenario} | ${fmt(row.rps)} | ${fmt(row.p50, 1)} | ${fmt(row.p99, 1)} | ${fmt(row.ratio, 2)} | ${row.cpu ? `${fmt(row.cpu.server, 2)} + ${fmt(row.cpu.database, 2)}` : ''} | ${row.note} |`,
    ),
  ].join('\n');
  process.stdout.write(
    `\n${options.mode}, ${options.participants.toLocaleString('en')} participants, ${options.connections} connections, ${options.seconds} s per scenario; ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}${machine.postgres ? `, PostgreSQL ${machine.postgres}` : ''}\n\n${table}\n`,
  );
  fs.writeFileSync(
    path.join(ROOT, 'bench/results.json'),
    `${JSON.stringify({ at: new Date().toISOString(), quick: options.quick, participants: options.participants, connections: options.connections, seconds: options.seconds, machine, rows: report.rows }, null, 2)}\n`,
  );
}
