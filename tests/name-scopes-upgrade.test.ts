import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../db/migrate.js';

/**
 * Migration 0015 on a database that already holds people and cases: every person gets a row of
 * participant_name_scopes for their owner and for every organisation that is a party to one of
 * their cases (the name search of a caller without the coordinator role looks only there), and the
 * triggers keep it afterwards. Without the backfill an upgraded service's name search would no
 * longer find anyone registered before the upgrade.
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

const org = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
const person = (n: number) => `10000000-0000-4000-8000-00000000000${n}`;

describe('migration 0015 on a populated database', () => {
  it('lists every owner and every party of every case, then a party, a person and a new name added later', async () => {
    const client = await PGlite.create();
    try {
      await migrate(drizzle(client), { migrationsFolder: migrationsBefore('0015_participant_name_scopes') });
      await client.exec(`
        insert into organisations (id, kind, name, country, region, time_zone, locale, created_at, updated_at)
        select ('00000000-0000-4000-8000-00000000000' || n)::uuid, kind, 'Org ' || n, 'KZ', 'KZ-PAV', 'Asia/Almaty', 'ru', now(), now()
        from (values (1, 'prison'), (2, 'probation'), (3, 'ngo'), (4, 'court')) v(n, kind);
        insert into participants (id, reference_code, owner_organisation_id, region, identity, created_at, updated_at)
        values ('${person(1)}', 'P-0001', '${org(1)}', 'KZ-PAV', '{"firstName": "Иван", "lastName": "Иванов", "dateOfBirth": "1980-01-01"}', now(), now()),
               ('${person(2)}', 'P-0002', '${org(1)}', 'KZ-PAV', '{"firstName": "Анна", "lastName": "Петрова", "dateOfBirth": "1981-01-01"}', now(), now());
        insert into cases (id, protocol, protocol_version, participant_id, owner_organisation_id, state, data, version, opened_at, updated_at)
        values ('20000000-0000-4000-8000-000000000001', 'pre-release', 1, '${person(1)}', '${org(1)}', 'planning', '{}', 1, now(), now()),
               ('20000000-0000-4000-8000-000000000002', 'court-ordered-treatment', 1, '${person(1)}', '${org(4)}', 'referred', '{}', 1, now(), now());
        insert into case_parties (case_id, part, organisation_id, assigned_at)
        values ('20000000-0000-4000-8000-000000000001', 'prison', '${org(1)}', now()), ('20000000-0000-4000-8000-000000000001', 'probation', '${org(2)}', now()),
               ('20000000-0000-4000-8000-000000000002', 'court', '${org(4)}', now()), ('20000000-0000-4000-8000-000000000002', 'probation', '${org(2)}', now());
      `);
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
      const rows = (
        await client.query<{ person: string; organisation: string; name: string; keys: string[] }>(
          `select participant_id as person, organisation_id as organisation, sort_name as name, cadap_scoped_words(organisation_id, cadap_name_prefixes(sort_name)) as keys
           from participant_name_scopes order by participant_id, organisation_id`,
        )
      ).rows;
      // One row per person and organisation (probation, a party to two of Ivanov's cases, once), each with the person's folded name.
      expect(rows.map((row) => [row.person, row.organisation, row.name])).toEqual([
        [person(1), org(1), 'ivanov ivan'],
        [person(1), org(2), 'ivanov ivan'],
        [person(1), org(4), 'ivanov ivan'],
        [person(2), org(1), 'petrova anna'],
      ]);
      // The index's keys: every prefix of every word, behind the organisation's last 12 hex digits; the name's own keys, word for word.
      const prefixes = [...new Set(['ivanov', 'ivan'].flatMap((word) => Array.from({ length: word.length }, (_, n) => word.slice(0, n + 1))))];
      expect([...rows[1]!.keys].sort()).toEqual(prefixes.map((key) => org(2).slice(-12) + key).sort());
      const [own] = (await client.query<{ keys: string[] }>(`select name_keys as keys from participants where id = '${person(1)}'`)).rows;
      expect([...own!.keys].sort()).toEqual([...prefixes].sort());
      // After the upgrade: a new party, a new person, a corrected name.
      await client.exec(`insert into case_parties (case_id, part, organisation_id, assigned_at) values ('20000000-0000-4000-8000-000000000002', 'ngo', '${org(3)}', now())`);
      await client.exec(`insert into participants (id, reference_code, owner_organisation_id, region, identity, created_at, updated_at)
        values ('${person(3)}', 'P-0003', '${org(2)}', 'KZ-PAV', '{"firstName": "Олжас", "lastName": "Серіков", "dateOfBirth": "1985-01-01"}', now(), now())`);
      await client.exec(`update participants set identity = identity || '{"lastName": "Петрова-Ким"}' where id = '${person(2)}'`);
      const found = async (organisation: string, words: string[]) =>
        (
          await client.query<{ id: string }>(
            `select distinct participant_id as id from participant_name_scopes where cadap_scoped_words(organisation_id, cadap_name_prefixes(sort_name)) @> $1::text[] order by 1`,
            [words.map((word) => organisation.slice(-12) + word)],
          )
        ).rows.map((row) => row.id);
      expect(await found(org(3), ['ivan', 'iv'])).toEqual([person(1)]);
      expect(await found(org(2), ['seri', 'olzh'])).toEqual([person(3)]);
      expect(await found(org(1), ['kim', 'petrova'])).toEqual([person(2)]);
      expect(await found(org(1), ['petrova', 'anna'])).toEqual([person(2)]);
      expect(await found(org(3), ['petrova'])).toEqual([]);
      expect(await found(org(1), ['ivanov', 'petrova'])).toEqual([]);
      // The index serves the lookup (told not to read the table instead).
      await client.exec('set enable_seqscan = off');
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `explain select participant_id from participant_name_scopes where cadap_scoped_words(organisation_id, cadap_name_prefixes(sort_name)) @> array['${org(3).slice(-12)}ivanov']`,
      );
      expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toContain('participant_name_scopes_keys_idx');
    } finally {
      await client.close();
    }
  });
});
