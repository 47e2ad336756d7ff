import { openDatabase } from '../../db/client.js';
import { appliedMigrationCount } from '../../db/migrate.js';
import { loadConfig } from '../config.js';

/** `npm run db:migrate`: applies the committed migrations to the configured database and exits. */
const config = loadConfig(process.env);
const database = await openDatabase(config.database, { fromTemplate: true });
try {
  await database.migrate();
  process.stdout.write(`Migrated ${database.kind} database: ${await appliedMigrationCount(database)} migrations applied.\n`);
} finally {
  await database.close();
}
