import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/migrate.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';

/**
 * An event's update of its case stays on the case's page (issue 18): `cases` keeps a fifth of
 * each page free (migration 0013), so an observation, which changes no indexed column, is a HOT
 * update: no new entry in any of the table's seven indexes, one page in the WAL instead of nine.
 * With every page full (the default fillfactor), the new row version went to another page.
 */
let t: TestContext;
let r: Region;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(() => t.close());

const blockOf = async (id: string) => rowsOf<{ block: number }>(await t.db.execute(sql`select (ctid::text::point)[0]::int as block from cases where id = ${id}`))[0]!.block;

describe('an event on a case whose page is otherwise full', () => {
  it('updates the row on its own page', async () => {
    const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, {
      token: r.tokens.prison,
      body: { kind: 'atlantis', name: 'Unit HOT', places: 10 },
    });
    const person = await r.participant('prison', 'Paged');
    const enrolment = await r.open('prison', 'unit-enrolment', person.id, [], { unitId: unit.json.id, expectedReleaseDate: '2026-06-01' });
    await r.send('prison', enrolment.json.id, 'SCREENED', { date: '2026-03-02', outcome: 'suitable' });
    const admitted = await r.send('prison', enrolment.json.id, 'ADMITTED', { date: '2026-03-02', consentToTreatment: true, unitAgreementSigned: true });
    const id = enrolment.json.id as string;
    // The row's earlier versions removed, then the table filled after it as far as its fillfactor lets inserts fill a page.
    await t.db.execute(sql`vacuum cases`);
    await t.db.execute(sql`
      insert into cases (id, protocol, protocol_version, participant_id, owner_organisation_id, state, previous_state, data, version, parent_case_id, unit_id, house_id, opened_at, closed_at, updated_at)
      select gen_random_uuid(), protocol, protocol_version, participant_id, owner_organisation_id, 'closed', state, data, version, null, null, null, opened_at, opened_at, updated_at
      from cases, generate_series(1, 300) where id = ${id}`);
    const before = await blockOf(id);
    const filled = rowsOf<{ after: number }>(await t.db.execute(sql`select count(*)::int as after from cases where (ctid::text::point)[0] > ${before}`))[0]!.after;
    expect(filled, 'the copies reach past the case’s page, so the page took all an insert may take').toBeGreaterThan(0);

    const response = await t.request('POST', `/cases/${id}/events`, {
      token: r.tokens.prison,
      body: { type: 'DRUG_TEST_RECORDED', data: { date: '2026-03-02', result: 'negative' }, expectedVersion: admitted.json.case.version },
    });
    expect(response.status, response.text).toBe(201);
    expect(await blockOf(id)).toBe(before);
  });
});
