import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresClient, wrapPostgres } from '../db/client.js';
import { rowsOf } from '../db/migrate.js';
import type { Actor } from '../src/auth/authenticator.js';
import type { OrganisationRow } from '../src/organisations/service.js';
import { findParticipants } from '../src/participants/search.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { onPostgres } from './helpers/test-database.js';

/**
 * What PostgreSQL does with the name search's prepared statement (bench/README.md, the fourteenth
 * pass): it keeps one generic plan for every name once it has seen a few, instead of planning each
 * search for its words (planning was a third of a search's cost at a million people), and the
 * service's connections never compile a statement (JIT off), which a generic plan's guess at a
 * name's frequency would otherwise trigger. PostgreSQL only: PGlite runs unnamed statements, which
 * it plans every time.
 */
describe.skipIf(!onPostgres)("the name search's plan (PostgreSQL)", () => {
  let t: TestContext;
  let prison: OrganisationRow;

  beforeAll(async () => {
    t = await createTestContext();
    prison = await t.organisation('prison', { country: 'KZ', region: 'KZ-PAV' });
    // 5,000 people, 500 family names and 7 given names, with statistics, so that the planner knows
    // a family name is rare: for each search's words it then expects a person or two, and a
    // generic plan's guess is dearer.
    await t.db.execute(sql`
      insert into participants (id, reference_code, owner_organisation_id, region, identity, contact, health, version, created_at, updated_at)
      select gen_random_uuid(), 'P-PLAN-' || lpad(i::text, 5, '0'), ${prison.id}, 'KZ-PAV',
             jsonb_build_object('firstName', (array['Aibek', 'Dana', 'Erlan', 'Gulnara', 'Marat', 'Saule', 'Timur'])[1 + i % 7],
                                'lastName', 'Planov' || chr(97 + (i % 500) / 20) || chr(97 + i % 20), 'dateOfBirth', '1990-01-01'),
             '{}'::jsonb, '{}'::jsonb, 1, now(), now()
      from generate_series(0, 4999) i`);
    await t.db.execute(sql`analyze participants`);
  });
  afterAll(() => t?.close());

  const actorOf = (organisation: OrganisationRow, role: Actor['roles'][number]): Actor => ({
    sub: 'search-plan',
    name: undefined,
    organisation: {
      id: organisation.id,
      kind: organisation.kind as Actor['organisation']['kind'],
      name: organisation.name,
      country: organisation.country,
      region: organisation.region,
    },
    roles: [role],
    expiresAt: new Date(t.clock.now().getTime() + 3_600_000),
  });

  it('is planned once, generically, for every name, and never compiled', async () => {
    // One connection, so that the searches and the look at its prepared statements share a backend.
    const url = t.database.url!;
    const handle = wrapPostgres(createPostgresClient(url, 1), url);
    try {
      const [setting] = rowsOf<{ jit: string }>(await handle.db.execute(sql`show jit`));
      expect(setting!.jit).toBe('off');
      const actor = actorOf(prison, 'prison_staff');
      // Ten people's names as typed at a desk, each family name a different one.
      const names = rowsOf<{ name: string }>(
        await t.db.execute(
          sql`select identity ->> 'lastName' || ' ' || (identity ->> 'firstName') as name from participants where reference_code like 'P-PLAN-%' order by reference_code limit 10`,
        ),
      ).map((row) => row.name);
      let shown = 0;
      for (const name of names) {
        const found = await findParticipants(handle.db, { actor, requestId: undefined, now: t.clock.now() }, Buffer.alloc(32, 7), { name, limit: 20 });
        shown += found.items.length;
      }
      // The searches found their people (each name is one person or a few of the 5,000).
      expect(shown).toBeGreaterThanOrEqual(names.length);
      const statements = rowsOf<{ generic_plans: number; custom_plans: number }>(
        await handle.db.execute(sql`select generic_plans::int, custom_plans::int from pg_prepared_statements where statement like '%"participant_name_scopes"."sort_name"%'`),
      );
      expect(statements).toHaveLength(1);
      // PostgreSQL plans the first five executions for their values, then keeps the generic plan
      // when it costs no more than they did; planned per search, all ten would be custom.
      expect(statements[0]).toEqual({ generic_plans: names.length - 5, custom_plans: 5 });
    } finally {
      await handle.close();
    }
  });

  it("looks a staff member's words up among its organisation's own people; a coordinator's in the name's index", async () => {
    // auto_explain hands each statement's plan to this connection as a notice.
    const url = t.database.url!;
    const plans: string[] = [];
    const client = postgres(url, { max: 1, onnotice: (notice) => plans.push(String(notice.message)), connection: { jit: 'off' } });
    const handle = wrapPostgres(client, url);
    try {
      await handle.db.execute(sql`load 'auto_explain'`);
      await handle.db.execute(sql`set auto_explain.log_min_duration = 0`);
      await handle.db.execute(sql`set auto_explain.log_level = 'notice'`);
      const coordinatorOrg = await t.organisation('coordinator', { country: 'KZ', region: 'KZ-PAV' });
      const staff = actorOf(prison, 'prison_staff');
      const coordinator = actorOf(coordinatorOrg, 'coordinator');
      const planOf = async (actor: Actor) => {
        plans.length = 0;
        const found = await findParticipants(handle.db, { actor, requestId: undefined, now: t.clock.now() }, Buffer.alloc(32, 7), { name: 'planovaa aibek', limit: 20 });
        expect(found.items.length).toBeGreaterThan(0);
        const plan = plans.find((text) => text.includes('sort_name'));
        expect(plan, plans.join('\n---\n')).toBeDefined();
        return plan!;
      };
      // Ten searches, so the plan looked at is the one the connection keeps.
      for (let n = 0; n < 9; n += 1) await planOf(staff);
      const staffPlan = await planOf(staff);
      expect(staffPlan).toContain('participant_name_scopes_keys_idx');
      expect(staffPlan).not.toContain('participants_name_keys_idx');
      const coordinatorPlan = await planOf(coordinator);
      expect(coordinatorPlan).not.toContain('participant_name_scopes');
    } finally {
      await handle.close();
    }
  });
});
