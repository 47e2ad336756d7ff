import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../db/migrate.js';

/**
 * Migration 0015 on a database that already holds people and cases: every organisation that is a
 * party to a person's case is listed in `party_organisations` (the name index narrows searches by
 * it), and the trigger lists a party added afterwards. Without the backfill, an upgraded service's
 * name search would no longer find anyone through a case opened before the upgrade.
 */
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-migrations-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

/** The migrations up to (not including) `tag`, as a folder drizzle's migrator reads. */
function migrationsBefore(tag: string): string {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  const index = journal.entries.findIndex((entry) => entry.tag === tag);
  expect(index).toBeGreaterThan(0);
  const target = path.join(folder, 'before');
  fs.cpSync(MIGRATIONS_FOLDER, target, { recursive: true });
  fs.writeFileSync(path.join(target, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, index) }));
  return target;
}

describe('migration 0015 on a populated database', () => {
  it('lists every party of every case, and a party added later', async () => {
    const client = await PGlite.create();
    try {
      await migrate(drizzle(client), { migrationsFolder: migrationsBefore('0015_name_search_parties') });
      const org = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
      await client.exec(`
        insert into organisations (id, kind, name, country, region, time_zone, locale, created_at, updated_at)
        select ('00000000-0000-4000-8000-00000000000' || n)::uuid, kind, 'Org ' || n, 'KZ', 'KZ-PAV', 'Asia/Almaty', 'ru', now(), now()
        from (values (1, 'prison'), (2, 'probation'), (3, 'ngo'), (4, 'court')) v(n, kind);
        insert into participants (id, reference_code, owner_organisation_id, region, identity, created_at, updated_at)
        values ('10000000-0000-4000-8000-000000000001', 'P-0001', '${org(1)}', 'KZ-PAV', '{"firstName": "Иван", "lastName": "Иванов", "dateOfBirth": "1980-01-01"}', now(), now()),
               ('10000000-0000-4000-8000-000000000002', 'P-0002', '${org(1)}', 'KZ-PAV', '{"firstName": "Анна", "lastName": "Петрова", "dateOfBirth": "1981-01-01"}', now(), now());
        insert into cases (id, protocol, protocol_version, participant_id, owner_organisation_id, state, data, version, opened_at, updated_at)
        values ('20000000-0000-4000-8000-000000000001', 'pre-release', 1, '10000000-0000-4000-8000-000000000001', '${org(1)}', 'planning', '{}', 1, now(), now()),
               ('20000000-0000-4000-8000-000000000002', 'court-ordered-treatment', 1, '10000000-0000-4000-8000-000000000001', '${org(4)}', 'referred', '{}', 1, now(), now());
        insert into case_parties (case_id, part, organisation_id, assigned_at)
        values ('20000000-0000-4000-8000-000000000001', 'prison', '${org(1)}', now()), ('20000000-0000-4000-8000-000000000001', 'probation', '${org(2)}', now()),
               ('20000000-0000-4000-8000-000000000002', 'court', '${org(4)}', now()), ('20000000-0000-4000-8000-000000000002', 'probation', '${org(2)}', now());
      `);
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
      const listed = async () =>
        (await client.query<{ id: string; orgs: string[] }>(`select id, party_organisations::text[] as orgs from participants order by id`)).rows.map((row) => ({
          id: row.id,
          orgs: [...row.orgs].sort(),
        }));
      expect(await listed()).toEqual([
        { id: '10000000-0000-4000-8000-000000000001', orgs: [org(1), org(2), org(4)] },
        { id: '10000000-0000-4000-8000-000000000002', orgs: [] },
      ]);
      // After the upgrade the trigger lists a new party, once.
      await client.exec(`insert into case_parties (case_id, part, organisation_id, assigned_at) values ('20000000-0000-4000-8000-000000000002', 'ngo', '${org(3)}', now()),
        ('20000000-0000-4000-8000-000000000001', 'ngo', '${org(3)}', now())`);
      expect((await listed())[0]).toEqual({ id: '10000000-0000-4000-8000-000000000001', orgs: [org(1), org(2), org(3), org(4)] });
      // The index keyed by organisation and word serves a search (two rows: the planner is told not to read the table instead).
      await client.exec('set enable_seqscan = off');
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `explain select id from participants where cadap_scoped_name_keys(party_organisations || owner_organisation_id, name_keys) @> cadap_scoped_name_keys(array['${org(3)}'::uuid], array['ivanov'])`,
      );
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('participants_scoped_name_keys_idx');
      const found = async (organisation: string, words: string[]) =>
        (
          await client.query<{ id: string }>(
            `select id from participants where cadap_scoped_name_keys(party_organisations || owner_organisation_id, name_keys) @> cadap_scoped_name_keys(array[$1::uuid], $2::text[])`,
            [organisation, words],
          )
        ).rows.map((row) => row.id);
      // A party (the NGO) and the owner find Ivanov by any prefix of his words; the NGO not Petrova, whose cases it has no part in.
      expect(await found(org(3), ['ivan', 'iv'])).toEqual(['10000000-0000-4000-8000-000000000001']);
      expect(await found(org(3), ['petrova'])).toEqual([]);
      expect(await found(org(1), ['petr'])).toEqual(['10000000-0000-4000-8000-000000000002']);
      expect(await found(org(1), ['ivanov', 'petrova'])).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
