import { openDatabase } from '../../db/client.js';
import { loadConfig } from '../config.js';
import { isRegistryEmpty, seedDemo, writeOrganisationMap } from '../demo/seed.js';
import { loadNationalIdKey } from '../participants/national-id-key.js';

/**
 * `npm run seed:demo`: seeds the demo region into the configured database on request
 * (the service itself never seeds a database named by DATABASE_URL unless SEED_DEMO=true).
 */
const config = loadConfig(process.env);
const database = await openDatabase(config.database);
try {
  await database.migrate();
  if (!(await isRegistryEmpty(database.db))) {
    process.stderr.write('The registry already has organisations; the demo region was not seeded.\n');
    process.exitCode = 1;
  } else {
    const now = new Date();
    await seedDemo(database.db, now, await loadNationalIdKey(database.db, config.nationalIdKeyFile, now));
    if (config.auth.jwks.kind === 'local') await writeOrganisationMap(database.db, config.auth.jwks.dir);
    process.stdout.write('Seeded the demo region KZ-PAV.\n');
  }
} finally {
  await database.close();
}
