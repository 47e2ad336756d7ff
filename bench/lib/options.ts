import { parseArgs } from 'node:util';

/** What a run measures and how hard, from the command line and BENCH_DATABASE_URL. */
export type Options = {
  quick: boolean;
  participants: number;
  seconds: number;
  connections: number;
  schedulerMessages: number;
  auditRows: number;
  soakSeconds: number;
  scaleSizes: number[];
  /** A PostgreSQL server to create the bench's databases on; without it, embedded PGlite. */
  pgUrl: string | undefined;
  mode: 'postgres' | 'pglite';
  keep: boolean;
  wanted: (scenario: string) => boolean;
};

/** `npm run bench -- [--participants 100000] [--quick] [--only a,b] [--seconds 10] [--connections 32] [--keep]` */
export function readOptions(): Options {
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
  const quick = args.quick;
  const pgUrl = process.env.BENCH_DATABASE_URL;
  const only = args.only ? new Set(args.only.split(',')) : null;
  return {
    quick,
    participants: Number(args.participants ?? (quick ? 2000 : 100_000)),
    seconds: Number(args.seconds ?? (quick ? 2 : 10)),
    connections: Number(args.connections),
    schedulerMessages: quick ? 1000 : 100_000,
    auditRows: quick ? 20_000 : 1_000_000,
    soakSeconds: quick ? 3 : 60,
    scaleSizes: quick ? [1000, 4000] : [10_000, 1_000_000],
    pgUrl,
    mode: pgUrl ? 'postgres' : 'pglite',
    keep: args.keep,
    wanted: (scenario) => !only || only.has(scenario),
  };
}

export const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
