import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/migrate.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';
import { onPostgres } from './helpers/test-database.js';

/**
 * participant_name_scopes (migration 0015) lists each person's name once per organisation that owns
 * them or is a party to their case, and the name search of a caller without the coordinator role
 * looks only there. A party added while another transaction corrects the person's name must end
 * up with the corrected name's keys, whichever commits first; else that organisation would never
 * find the person by their name again. Two transactions interleaved by hand on two connections, so
 * PostgreSQL's test (PGlite runs one transaction at a time).
 */
describe.skipIf(!onPostgres)('a party added while the name changes (PostgreSQL)', () => {
  let t: TestContext;
  let r: Region;
  let adder: postgres.Sql;
  let renamer: postgres.Sql;

  beforeAll(async () => {
    t = await createTestContext();
    r = await createRegion(t);
    adder = postgres(t.database.url!, { max: 1, onnotice: () => {} });
    renamer = postgres(t.database.url!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await adder?.end();
    await renamer?.end();
    await t?.close();
  });

  /** A person the prison owns with a pre-release plan that names probation; the plan's id. */
  async function personWithPlan(firstName: string) {
    const person = await r.participant('prison', firstName);
    const plan = await r.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-09-01' });
    expect(plan.status, plan.text).toBe(201);
    return { personId: person.id as string, caseId: plan.json.id as string };
  }

  /** The person's rows whose name is not their name as it is now. */
  async function staleRows(personId: string) {
    return renamer<{ organisation_id: string }[]>`select s.organisation_id from participant_name_scopes s join participants p on p.id = s.participant_id
      where s.participant_id = ${personId} and s.sort_name is distinct from p.sort_name`;
  }

  /** The person's given name corrected (the helper registers the name given as the first name, "Person" as the family name). */
  const rename = (tx: postgres.Sql | postgres.TransactionSql, personId: string, firstName: string) =>
    tx`update participants set identity = identity || ${tx.json({ firstName })}, version = version + 1 where id = ${personId}`;
  const addParty = (tx: postgres.Sql | postgres.TransactionSql, caseId: string, organisationId: string) =>
    tx`insert into case_parties (case_id, part, organisation_id, assigned_at) values (${caseId}, 'halfway_house', ${organisationId}, now())`;

  async function search(token: string, name: string) {
    const response = await t.request('POST', '/participants/search', { token, body: { name } });
    expect(response.status, response.text).toBe(200);
    return (response.json as { items: { id: string }[] }).items.map((item) => item.id);
  }

  it('the renaming transaction commits between the party’s insert and its commit: the party’s row takes the new name at commit', async () => {
    const { personId, caseId } = await personWithPlan('Racerov');
    const a = await adder.reserve();
    try {
      await a`begin`;
      await addParty(a, caseId, r.orgs.house.id);
      // The correction commits while the party's transaction is still open (it waits for nothing: the party's transaction holds no lock it needs).
      await renamer.begin((tx) => rename(tx, personId, 'Renamov'));
      await a`commit`;
    } finally {
      a.release();
    }
    expect(await staleRows(personId)).toEqual([]);
    expect(await search(r.tokens.house, 'renamov')).toEqual([personId]);
    expect(await search(r.tokens.house, 'racerov')).toEqual([]);
  });

  it('the renaming transaction holds the person when the party’s transaction commits: that commit waits for it, then takes the new name', async () => {
    const { personId, caseId } = await personWithPlan('Holdov');
    const b = await renamer.reserve();
    const a = await adder.reserve();
    try {
      await b`begin`;
      await rename(b, personId, 'Waitov');
      await a`begin`;
      await addParty(a, caseId, r.orgs.house.id);
      const [{ pid }] = (await a<{ pid: number }[]>`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
      const committed = a`commit`.execute();
      // The party's commit waits on a lock (the owner's row, which the renaming transaction holds).
      for (let waited = 0; ; waited += 1) {
        const [activity] = rowsOf<{ wait_event_type: string | null }>(await t.db.execute(sql`select wait_event_type from pg_stat_activity where pid = ${pid}`));
        if (activity?.wait_event_type === 'Lock') break;
        expect(waited, 'the party’s commit never waited for the renaming transaction').toBeLessThan(500);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await b`commit`;
      await committed;
    } finally {
      a.release();
      b.release();
    }
    expect(await staleRows(personId)).toEqual([]);
    expect(await search(r.tokens.house, 'waitov')).toEqual([personId]);
    expect(await search(r.tokens.house, 'holdov')).toEqual([]);
  });
});
