import { openDatabase, type DatabaseHandle } from '../../db/client.js';
import { appliedMigrationCount, expectedMigrationCount } from '../../db/migrate.js';
import { loadConfig, type Config } from '../config.js';

/**
 * What a command working on the data starts with: the configuration (a bad setting is named,
 * exit 2) and the database, once every migration is applied (otherwise it says to run
 * `cadap migrate` first, exit 2). The caller closes the database.
 */
export async function openMigratedDatabase(command: string): Promise<{ config: Config; database: DatabaseHandle }> {
  const refuse = (message: string): never => {
    process.stderr.write(`${command}: ${message}\n`);
    process.exit(2);
  };
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    return refuse((error as Error).message);
  }
  const database = await openDatabase(config.database);
  let applied: number;
  try {
    applied = await appliedMigrationCount(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  if (applied < expectedMigrationCount()) {
    await database.close();
    return refuse(`The ${database.kind} database is not migrated (${applied} of ${expectedMigrationCount()} migrations applied): run cadap migrate first.`);
  }
  return { config, database };
}
