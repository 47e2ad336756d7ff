import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/migrate.js';
import { auditEvents, participants } from '../db/schema.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type BuiltRegion, type OrgKey, type Region } from './helpers/region.js';

/**
 * POST /participants/search (issue 16 item 1): by name, date of birth, national id or reference
 * code, within what the caller may see, on the three-region test world. Out-of-scope people are
 * never returned, counted or hinted at (no short page, no cursor); a search by an identifier
 * audits them as denials, named, for their region's coordinator.
 */
let t: TestContext;
let r: Region;
let karaganda: BuiltRegion;
let bishkek: BuiltRegion;

type Person = { id: string; referenceCode: string };

async function register(region: BuiltRegion, owner: OrgKey, identity: Record<string, string>): Promise<Person> {
  const response = await t.request('POST', '/participants', { token: region.tokens[owner], body: { identity } });
  expect(response.status, response.text).toBe(201);
  return response.json;
}

async function search(token: string, body: Record<string, unknown>, requestId?: string) {
  return t.request('POST', '/participants/search', { token, body, ...(requestId ? { headers: { 'x-request-id': requestId } } : {}) });
}

const codes = (response: { json: { items: { referenceCode: string }[] } }) => response.json.items.map((item) => item.referenceCode);

let ivanov: Person;
let zhanar: Person;
let janar: Person;
let nurlan: Person;
let elsewhereIvanov: Person;
let kyrgyzIvanov: Person;

beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
  [karaganda, bishkek] = r.decoys as [BuiltRegion, BuiltRegion];
  ivanov = await register(r, 'prison', { firstName: 'Иван', lastName: 'Иванов', patronymic: 'Петрович', dateOfBirth: '1980-05-05', nationalId: '800505-300-001' });
  zhanar = await register(r, 'prison', { firstName: 'Жанар', lastName: 'Қайратқызы', dateOfBirth: '1991-01-01' });
  janar = await register(r, 'probation', { firstName: 'Janar', lastName: 'Séitkali', dateOfBirth: '1991-01-01' });
  nurlan = await register(r, 'court', { firstName: 'Nurlan', lastName: 'Ivanovsky', dateOfBirth: '1975-07-07' });
  elsewhereIvanov = await register(karaganda, 'prison', { firstName: 'Ivan', lastName: 'Ivanov', dateOfBirth: '1980-05-05', nationalId: '800505-300-999' });
  kyrgyzIvanov = await register(bishkek, 'ngo', { firstName: 'Иван', lastName: 'Иванов', dateOfBirth: '1980-05-05' });
});
afterAll(() => t.close());

describe('finding people by name', () => {
  it('matches the beginning of each word, in either script, case and accents ignored, and shows the name to those who see identity', async () => {
    const latin = await search(r.tokens.prison, { name: 'ivan' });
    expect(latin.status, latin.text).toBe(200);
    expect(codes(latin)).toEqual([ivanov.referenceCode]);
    expect(latin.json.items[0]).toEqual({
      id: ivanov.id,
      referenceCode: ivanov.referenceCode,
      identity: { firstName: 'Иван', lastName: 'Иванов', patronymic: 'Петрович', dateOfBirth: '1980-05-05' },
    });
    expect(latin.json.nextCursor).toBeNull();
    // Two words, in another order and script; upper case.
    expect(codes(await search(r.tokens.prison, { name: 'PETROVICH  ИВАНОВ' }))).toEqual([ivanov.referenceCode]);
    // Kazakh letters and a Latin spelling of the same name, accents ignored.
    expect(codes(await search(r.tokens.prison, { name: 'Janar Kairat' }))).toEqual([zhanar.referenceCode]);
    expect(codes(await search(r.tokens.probation, { name: 'жанар сеит' }))).toEqual([janar.referenceCode]);
    // A word must begin a word of the name: "van" is inside "Ivanov", not at its start.
    expect(codes(await search(r.tokens.prison, { name: 'van' }))).toEqual([]);
  });

  it('a name with a character Node cannot fold as the database does is folded by the database, with the same scope', async () => {
    // Greek is no letter the fold names (src/participants/name-fold.ts): this search goes through the statement that folds in SQL.
    const omar = await register(r, 'prison', { firstName: 'Ωмар', lastName: 'Fallbackov', dateOfBirth: '1990-02-02' });
    expect(codes(await search(r.tokens.prison, { name: 'Ωмар fallback' }))).toEqual([omar.referenceCode]);
    expect(codes(await search(r.tokens.prison, { name: 'FALLBACKOV' }))).toEqual([omar.referenceCode]);
    expect((await search(r.tokens.prison2, { name: 'Ωмар fallback' })).json).toEqual({ items: [], nextCursor: null });
    expect((await search(karaganda.tokens.coordinator, { name: 'Ωмар' })).json).toEqual({ items: [], nextCursor: null });
  });

  it('words that look like SQL or array syntax travel as plain words: a person named Null is found as "null"', async () => {
    // The words go to the database as a text[] value; "null" must stay a word, not become NULL (which matches no one).
    const person = await register(r, 'prison', { firstName: 'Null', lastName: "O'Arraytest-Braces", dateOfBirth: '1990-03-03' });
    expect(codes(await search(r.tokens.prison, { name: 'null oarraytest' }))).toEqual([person.referenceCode]);
    expect(codes(await search(r.tokens.prison, { name: 'NULL braces' }))).toEqual([person.referenceCode]);
    expect((await search(r.tokens.prison, { name: 'ar{ra}y\\ "te,st' })).json).toEqual({ items: [], nextCursor: null });
  });

  it('finds only whom the caller may see: the record owner, the region’s coordinator, a party; never another region', async () => {
    // The home coordinator sees its region's people, sorted by name; not the decoys' Ivanovs.
    const coordinator = await search(r.tokens.coordinator, { name: 'iva' });
    expect(codes(coordinator)).toEqual([ivanov.referenceCode, nurlan.referenceCode]);
    // Karaganda's coordinator (same country and zone) and Bishkek's find only their own.
    expect(codes(await search(karaganda.tokens.coordinator, { name: 'ivanov' }))).toEqual([elsewhereIvanov.referenceCode]);
    expect(codes(await search(bishkek.tokens.coordinator, { name: 'ivanov' }))).toEqual([kyrgyzIvanov.referenceCode]);
    // Another prison of the same region is not a party: nothing.
    expect((await search(r.tokens.prison2, { name: 'ivanov' })).json).toEqual({ items: [], nextCursor: null });
    // Once a party (a pre-release plan names the probation service), probation finds the person.
    expect(codes(await search(r.tokens.probation, { name: 'ivanov' }))).toEqual([]);
    const plan = await r.open('prison', 'pre-release', ivanov.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-09-01' });
    expect(plan.status, plan.text).toBe(201);
    expect(codes(await search(r.tokens.probation, { name: 'ivanov' }))).toEqual([ivanov.referenceCode]);
    // A party of one person's case sees that person only: "Janar" is probation's own, "Жанар" the prison's.
    expect(codes(await search(r.tokens.probation, { name: 'janar' }))).toEqual([janar.referenceCode]);
    expect(codes(await search(r.tokens.prison, { name: 'janar' }))).toEqual([zhanar.referenceCode]);
  });

  it('a party added to a case or given a part finds the person at once; a corrected name is found, the old one not', async () => {
    // A caller without the coordinator role looks a name up among the people its organisation owns
    // or is a party for (participant_name_scopes, kept by migration 0015's triggers); the full scope
    // is checked after it.
    const person = await register(r, 'prison', { firstName: 'Moved', lastName: 'Partiev', dateOfBirth: '1990-03-03' });
    const plan = await r.open('prison', 'pre-release', person.id, [{ part: 'probation', organisationId: r.orgs.probation.id }], { releaseDate: '2026-09-01' });
    expect(plan.status, plan.text).toBe(201);
    expect(codes(await search(r.tokens.probation, { name: 'partiev' }))).toEqual([person.referenceCode]);
    expect(codes(await search(r.tokens.ngo, { name: 'partiev' }))).toEqual([]);
    // The part given to another organisation as the engine writes it (an insert that meets the part and updates it).
    await t.db.execute(sql`insert into case_parties (case_id, part, organisation_id, assigned_at) values (${plan.json.id}, 'probation', ${r.orgs.ngo.id}, now())
      on conflict (case_id, part) do update set organisation_id = excluded.organisation_id`);
    expect(codes(await search(r.tokens.ngo, { name: 'partiev' }))).toEqual([person.referenceCode]);
    // A new part: the halfway house.
    await t.db.execute(sql`insert into case_parties (case_id, part, organisation_id, assigned_at) values (${plan.json.id}, 'halfway_house', ${r.orgs.house.id}, now())`);
    expect(codes(await search(r.tokens.house, { name: 'partiev' }))).toEqual([person.referenceCode]);
    // Probation, no longer a party, keeps its row there: the full scope leaves the person out.
    expect(codes(await search(r.tokens.probation, { name: 'partiev' }))).toEqual([]);
    // The owner corrects the family name: every organisation finds the new name, none the old.
    const corrected = await t.request('PATCH', `/participants/${person.id}`, { token: r.tokens.prison, body: { identity: { lastName: 'Новиков' } } });
    expect(corrected.status, corrected.text).toBe(200);
    for (const token of [r.tokens.prison, r.tokens.ngo, r.tokens.house]) {
      expect(codes(await search(token, { name: 'novikov moved' }))).toEqual([person.referenceCode]);
      expect(codes(await search(token, { name: 'partiev' }))).toEqual([]);
    }
    // Everyone's owner and every party of every case has its row, with the name as it is now, whose keys are the person's.
    const [unlisted] = rowsOf<{ count: number }>(
      await t.db.execute(sql`select count(*)::int as count from (
          select p.id, p.owner_organisation_id as organisation_id from participants p
          union select c.participant_id, cp.organisation_id from case_parties cp join cases c on c.id = cp.case_id) pair
        join participants p on p.id = pair.id
        where not exists (select 1 from participant_name_scopes s where s.participant_id = pair.id and s.organisation_id = pair.organisation_id
          and s.sort_name = p.sort_name and cadap_name_prefixes(s.sort_name) = p.name_keys)`),
    );
    expect(unlisted).toEqual({ count: 0 });
  });

  it('a registered name goes straight into the index: no pending list for every search to read', async () => {
    const person = await register(r, 'prison', { firstName: 'Pending', lastName: 'Listov', dateOfBirth: '1990-01-01' });
    // GIN's fastupdate would have put the new entries in a pending list: cleaning it would merge a page or more.
    const [cleaned] = rowsOf<{ pages: number }>(await t.db.execute(sql`select gin_clean_pending_list('participants_name_keys_idx'::regclass)::int as pages`));
    expect(cleaned).toEqual({ pages: 0 });
    expect(codes(await search(r.tokens.prison, { name: 'listov pend' }))).toEqual([person.referenceCode]);
  });

  it('pages hold only people in scope: out-of-scope matches leave no short page and no cursor', async () => {
    // Twelve Ivanovs elsewhere (not visible to the home prison), three owned by it.
    for (let n = 0; n < 12; n += 1) await register(karaganda, 'prison2', { firstName: `Pavel${n}`, lastName: 'Pagerov', dateOfBirth: '1990-01-01' });
    const mine = [];
    for (const first of ['Anna', 'Boris', 'Vera']) mine.push(await register(r, 'prison2', { firstName: first, lastName: 'Pagerova', dateOfBirth: '1990-01-01' }));
    const first = await search(r.tokens.prison2, { name: 'pagerov', limit: 2 });
    expect(codes(first)).toEqual([mine[0]!.referenceCode, mine[1]!.referenceCode]);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const second = await search(r.tokens.prison2, { name: 'pagerov', limit: 2, cursor: first.json.nextCursor });
    expect(second.json).toEqual({ items: [expect.objectContaining({ referenceCode: mine[2]!.referenceCode })], nextCursor: null });
    // The decoy region's prison sees its twelve across pages of five, each full but the last.
    const pages: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await search(karaganda.tokens.prison2, { name: 'pagerov', limit: 5, ...(cursor ? { cursor } : {}) });
      pages.push(page.json.items.length);
      cursor = page.json.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual([5, 5, 2]);
  });
});

describe('finding people by an identifier or a date of birth', () => {
  it('a national id finds the person, written any way, and is audited like a read', async () => {
    const found = await search(r.tokens.coordinator, { nationalId: '800505300001' }, 'find-nid');
    expect(codes(found)).toEqual([ivanov.referenceCode]);
    const rows = await t.db.select().from(auditEvents).where(eq(auditEvents.requestId, 'find-nid'));
    expect(rows).toEqual([
      expect.objectContaining({ action: 'participant.search', outcome: 'success', participantId: ivanov.id, dataClasses: ['identity'], basis: 'region_coordinator' }),
    ]);
    // The national id is in no audit row.
    expect(JSON.stringify(rows)).not.toContain('800505');
  });

  it('an out-of-scope national id answers exactly as an unknown one, and the probe is a denial naming the person for their coordinator', async () => {
    const probe = await search(r.tokens.prison2, { nationalId: '800505-300-999' }, 'probe-nid');
    const unknown = await search(r.tokens.prison2, { nationalId: '000000-000-000' }, 'probe-unknown');
    expect(probe.status).toBe(200);
    expect(probe.json).toEqual({ items: [], nextCursor: null });
    expect(probe.json).toEqual(unknown.json);
    const denied = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.requestId, 'probe-nid'), eq(auditEvents.outcome, 'denied')));
    expect(denied).toEqual([expect.objectContaining({ action: 'participant.search', participantId: elsewhereIvanov.id, organisationId: r.orgs.prison2.id })]);
    expect(await t.db.select().from(auditEvents).where(eq(auditEvents.requestId, 'probe-unknown'))).toEqual([]);
    // Karaganda's coordinator sees who probed its person; the home coordinator does not.
    const theirs = await t.request('GET', `/audit/denials?participantId=${elsewhereIvanov.id}`, { token: karaganda.tokens.coordinator });
    expect(theirs.json.items).toContainEqual(expect.objectContaining({ action: 'participant.search', organisationId: r.orgs.prison2.id }));
    const ours = await t.request('GET', `/audit/denials?participantId=${elsewhereIvanov.id}`, { token: r.tokens.coordinator });
    expect(ours.json.items ?? []).toEqual([]);
  });

  it('a reference code finds anyone the caller sees; a date of birth narrows; criteria combine', async () => {
    expect(codes(await search(r.tokens.court, { reference: nurlan.referenceCode.toLowerCase() }))).toEqual([nurlan.referenceCode]);
    expect(codes(await search(r.tokens.prison, { reference: nurlan.referenceCode }))).toEqual([]);
    // Sorted by the folded name: Kairatkyzy before Seitkali.
    expect(codes(await search(r.tokens.coordinator, { dateOfBirth: '1991-01-01' }))).toEqual([zhanar.referenceCode, janar.referenceCode]);
    expect(codes(await search(r.tokens.coordinator, { dateOfBirth: '1991-01-01', name: 'Қайрат' }))).toEqual([zhanar.referenceCode]);
    expect(codes(await search(r.tokens.coordinator, { dateOfBirth: '1991-01-02', name: 'Қайрат' }))).toEqual([]);
  });
});

describe('bad searches', () => {
  it.each([
    ['no criterion', {}],
    ['a name of one letter', { name: 'I' }],
    ['a name of digits', { name: '12345' }],
    ['a name too long', { name: 'a'.repeat(101) }],
    ['too many words', { name: 'a b c d e f g' }],
    ['a date that is no date', { dateOfBirth: '1980-13-01' }],
    ['a national id with other characters', { nationalId: '80 05 05/1' }],
    ['a code of the wrong shape', { reference: 'P-123' }],
    ['a limit over 200', { name: 'ivan', limit: 201 }],
    ['an unknown field', { name: 'ivan', region: 'KZ-PAV' }],
    ['a forged cursor', { name: 'ivan', cursor: Buffer.from(JSON.stringify(['x', 'not-a-uuid'])).toString('base64url') }],
  ])('%s is 422 problem+json', async (_label, body) => {
    const response = await search(r.tokens.prison, body);
    expect(response.status, response.text).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.json.code).toBe('VALIDATION_FAILED');
  });

  it('admins and auditors never search people (403)', async () => {
    for (const role of ['admin', 'auditor'] as const) {
      const token = await t.tokenFor(r.orgs.coordinator, role);
      expect((await search(token, { name: 'ivan' })).status).toBe(403);
    }
  });
});

describe('registering someone already known', () => {
  const identity = { firstName: 'Dana', lastName: 'Twin', dateOfBirth: '1988-08-08', nationalId: '880808-400-123' };

  it('names a possible duplicate the caller can see (409, nothing written); notDuplicateOf registers anyway', async () => {
    const first = await register(r, 'prison', identity);
    const before = await t.count(participants);
    const again = await t.request('POST', '/participants', {
      token: r.tokens.prison,
      body: { identity: { ...identity, nationalId: '880808400123' } },
      headers: { 'x-request-id': 'dup-1' },
    });
    expect(again.status, again.text).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.json).toMatchObject({ code: 'CONFLICT', possibleDuplicates: [{ id: first.id, referenceCode: first.referenceCode }] });
    expect(await t.count(participants)).toBe(before);
    expect(await t.db.select().from(auditEvents).where(eq(auditEvents.requestId, 'dup-1'))).toEqual([
      expect.objectContaining({ action: 'participant.possible_duplicate', participantId: first.id, dataClasses: ['identity'], outcome: 'success' }),
    ]);
    const confirmed = await t.request('POST', '/participants', { token: r.tokens.prison, body: { identity, notDuplicateOf: [first.id] } });
    expect(confirmed.status, confirmed.text).toBe(201);
    expect(confirmed.json.id).not.toBe(first.id);
    // The region's coordinator sees both, so it is told about the third and shown the first two.
    const third = await t.request('POST', '/participants', { token: r.tokens.coordinator, body: { identity } });
    expect(third.status).toBe(409);
    expect(third.json.possibleDuplicates.map((item: Person) => item.id).sort()).toEqual([first.id, confirmed.json.id].sort());
  });

  it('says nothing of a match the caller cannot see: another region’s registration succeeds, as before', async () => {
    const response = await t.request('POST', '/participants', { token: karaganda.tokens.prison, body: { identity } });
    expect(response.status, response.text).toBe(201);
    expect(response.json).not.toHaveProperty('possibleDuplicates');
  });
});
