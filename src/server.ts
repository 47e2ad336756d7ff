import { assertStartable, ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import { createLogger, summariseError } from './logger.js';
import { openDatabase } from '../db/client.js';

/** The process entry point: configuration from the environment, start, and a graceful stop on SIGTERM/SIGINT. */
async function main() {
  let config;
  try {
    config = loadConfig(process.env);
    assertStartable(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  // Opening the database (PGlite's start-up is most of a start) runs while the rest of the
  // service's modules load; startService awaits it and reports its failure as its own.
  const opening = openDatabase(config.database, { fromTemplate: config.migrateOnStart });
  opening.catch(() => {});
  const { startService } = await import('./service.js');
  // The signal handlers come before the start: a SIGTERM arriving between the "listening" line and
  // the end of startService would otherwise kill the process without a graceful stop (Node's default
  // action while no listener is installed). A signal during the start stops the service once it is up.
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let signalled: string | undefined;
  const shutdown = (signal: string) => {
    if (!service) {
      signalled ??= signal;
      return;
    }
    logger.info(`received ${signal}`);
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: summariseError(error) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    service = await startService(config, logger, undefined, opening);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`Cannot start: ${error.message}\n`);
      process.exit(75); // EX_TEMPFAIL
    }
    logger.error('start failed', { error: summariseError(error) });
    process.exit(1);
  }
  if (signalled) shutdown(signalled);
}

await main();
