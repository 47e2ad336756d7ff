import type { DatabaseConfig } from '../../src/config.js';
import type { Dataset } from '../dataset.js';
import type { Databases } from '../lib/databases.js';
import type { LoadRequest } from '../lib/load.js';
import type { Options } from '../lib/options.js';
import type { Report } from '../lib/report.js';
import type { ServiceEnv } from '../lib/service-env.js';
import type { Samples } from '../samples.js';

/** What every scenario is given by the runner (bench/run.ts): the run's options, the main dataset, where to report. */
export type Bench = ServiceEnv & {
  options: Options;
  report: Report;
  databases: Databases;
  /** The main dataset's database, and what was seeded and sampled there. */
  main: DatabaseConfig;
  dataset: Dataset;
  samples: Samples;
  /** A prison_staff token of region 0's prison. */
  prisonToken: string;
  /** One lender of enrolled cases for every scenario that records events, so versions carry over. */
  events: LoadRequest;
};
