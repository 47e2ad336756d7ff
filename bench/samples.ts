import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/migrate.js';
import type { DatabaseConfig } from '../src/config.js';
import { seedDataset, type Dataset } from './dataset.js';
import { withDatabase } from './lib/databases.js';
import { log } from './lib/options.js';

/** The ids the load rotates through, all readable by the region-0 organisation that reads them. */
export type Samples = {
  readable: string[];
  references: string[];
  /** Names as typed at a desk (family name, given name) of people whose identity the prison sees; every fourth in Latin letters. */
  names: string[];
  enrolled: string[];
  ngoCases: string[];
  courtCases: string[];
};

/**
 * Migrates the target, seeds a dataset of `participants` (bench/dataset.ts) and picks the samples;
 * `connections` sets how many enrolled cases the event scenario lends out (eight per connection).
 */
export async function prepare(target: DatabaseConfig, participants: number, connections: number): Promise<{ dataset: Dataset; samples: Samples }> {
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
      names: await ids(
        sql`select case when n % 4 = 3 then initcap(cadap_fold_name(name)) else name end as id
            from (select identity ->> 'lastName' || ' ' || (identity ->> 'firstName') as name, row_number() over (order by id) as n
                  from participants where owner_organisation_id = ${prison} order by id limit 2000) s`,
      ),
      enrolled: await ids(
        sql`select id from cases where owner_organisation_id = ${prison} and protocol = 'unit-enrolment' and state = 'enrolled' order by id limit ${connections * 8}`,
      ),
      ngoCases: await ids(sql`select c.id from cases c join case_parties p on p.case_id = c.id where p.organisation_id = ${ngo} and c.closed_at is null order by c.id limit 2000`),
      courtCases: await ids(sql`select id from cases where owner_organisation_id = ${court} and closed_at is null order by id limit 2000`),
    };
    return { dataset, samples };
  });
}
