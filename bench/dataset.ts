import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { PROTOCOLS } from '../protocols/index.js';
import { CASES, ORG } from '../tests/helpers/engine-fixtures.js';
import { AUDIT_CHAINS, auditHash, GENESIS_HASH, type AuditRowContent } from '../src/audit/audit.js';
import { auditChains, auditEvents } from '../db/schema.js';
import { rowsOf } from '../db/migrate.js';

/**
 * A country-sized dataset, written with set-based SQL so a million participants take a minute,
 * not an hour. Shapes come from the engine fixtures (each protocol's parties and case data), so
 * the service reads these rows exactly as it reads its own: every protocol, every state (half
 * the cases sit in the protocol's working state, the rest spread over all states), a consent
 * per person, and a two-event history per case.
 */

/** The state a case of each protocol spends most of its life in. */
export const WORKING_STATE: Record<string, string> = {
  'court-ordered-treatment': 'in_treatment',
  'unit-enrolment': 'enrolled',
  'pre-release': 'planning',
  'halfway-house': 'resident',
  patronage: 'active',
};

const KIND_OF_FIXTURE: Record<string, string> = Object.fromEntries(
  Object.entries({
    court: 'court',
    probation: 'probation',
    provider: 'treatment_provider',
    ngo: 'ngo',
    ngo2: 'ngo',
    prison: 'prison',
    prison2: 'prison',
    house: 'halfway_house',
    coordinator: 'coordinator',
  }).map(([key, kind]) => [ORG[key as keyof typeof ORG], kind]),
);

export type Dataset = {
  participants: number;
  regions: number;
  /** Region 0's organisations, whose staff the load runs as. */
  region0: Record<string, string>;
  unitId: string;
};

export type Log = (message: string) => void;

/**
 * Names as a Kazakh register has them (Cyrillic, as in documents): a family name of two parts
 * (Нур + беков, Жума + баев; 1,500 of them, -а for women), a given name (60 for men, 40 for
 * women; one person in ten a woman) and a patronymic from the father's given name, each drawn
 * from a hash of the row number, so no name follows the region or the protocol. A family name
 * and a given name together match about 10 people in a million, as a name typed at a desk does.
 */
const words = (list: string) => list.split(/\s+/);
const FAMILY_STARTS = words(
  `Абдра Абиль Айт Ақ Алим Аман Асыл Ахмет Бай Бақыт Бек Болат Дос Даул Ед Ер Есен Жақсы Жан Жексен Жұма Иман Ибрай Қайр Қали Кен Құр Мағжан Мас Мұқан Мырза Нұр Ораз Оспан Рақым Сағын Сад Сары Сейіт Сұлтан Тас Тілеу Тоқ Төле Уәли Шай Шал Ысқақ Ыбырай Әлі`,
);
const FAMILY_ENDS = words(
  `беков баев жанов ханов таев галиев құлов муратов болатов газиев алиев ұлов тұров сеитов ғазин бергенов баталов кенов пеисов маханов шев енов ибаев келдиев сапаров ахметов оразов темиров омаров нуров`,
);
const MEN = words(
  `Абай Айдар Айдын Алмас Арман Арсен Аслан Асхат Бауыржан Берік Болат Ғабит Дамир Дастан Даулет Дәурен Ерлан Ержан Ерболат Ельдар Жандос Жасулан Жомарт Жұмабек Қанат Қайрат Мағжан Марат Мейрам Мұрат Нұрлан Нұрболат Нұрсұлтан Олжас Руслан Рүстем Самат Санжар Серік Талғат Темірлан Тимур Ұлан Фархат Хамит Шерхан Ислам Азамат Бекжан Ринат Виктор Сергей Андрей Дмитрий Алексей Игорь Рустам Улугбек Фаррух Шухрат`,
);
const WOMEN = words(
  `Айгерім Айгүл Айжан Ақбота Алия Асель Аружан Балжан Гаухар Гүлнара Дана Динара Жанар Жанна Зарина Индира Камила Ләззат Мадина Меруерт Назира Нұргүл Салтанат Сәуле Томирис Ұлжан Шынар Әсем Анна Елена Ольга Татьяна Наталья Ирина Дилноза Нигора Гульмира Роза Самал Карина`,
);
/** Given names a patronymic can be made of by adding -ович / -овна. */
const FATHERS = MEN.filter((name) => !/[аяйь]$/.test(name));

const textArray = (values: readonly string[]) => sql.raw(`(array[${values.map((value) => `'${value}'`).join(',')}]::text[])`);

/** first_name, last_name, patronymic of row number `i`, as a select over nothing. */
function names(i: SQL) {
  // A different hash of i for each choice; `% 1000003` first, so abs() never meets the smallest bigint.
  const pick = (seed: number, count: number) => sql`(abs(hashint4extended(${i}, ${sql.raw(String(seed))}) % 1000003) % ${sql.raw(String(count))} + 1)`;
  return sql`select case when woman then ${textArray(WOMEN)}[${pick(1, WOMEN.length)}] else ${textArray(MEN)}[${pick(1, MEN.length)}] end as first_name,
      ${textArray(FAMILY_STARTS)}[${pick(2, FAMILY_STARTS.length)}] || ${textArray(FAMILY_ENDS)}[${pick(3, FAMILY_ENDS.length)}] || case when woman then 'а' else '' end as last_name,
      ${textArray(FATHERS)}[${pick(4, FATHERS.length)}] || case when woman then 'овна' else 'ович' end as patronymic
    from (select ${pick(5, 10)} = 1 as woman) w`;
}

export async function seedDataset(db: Database, participants: number, log: Log): Promise<Dataset> {
  const regions = Math.max(1, Math.min(20, Math.round(participants / 5000)));
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  await db.execute(sql`
    insert into organisations (id, kind, name, country, region, time_zone, locale, notification_emails, certification_valid_until, beds, default_max_stay_days, created_at, updated_at)
    select gen_random_uuid(), k.kind, 'Bench ' || k.kind || ' ' || r, 'KZ', 'KZ-B' || lpad(r::text, 2, '0'), 'Asia/Almaty', 'ru',
           jsonb_build_array('desk-' || k.kind || '-' || r || '@bench.invalid'),
           case when k.kind in ('ngo', 'treatment_provider', 'halfway_house') then date '2030-01-01' end,
           case when k.kind = 'halfway_house' then 1000000 end, case when k.kind = 'halfway_house' then 168 end, now(), now()
    from generate_series(0, ${regions - 1}) r,
         (values ('prison'), ('court'), ('probation'), ('treatment_provider'), ('ngo'), ('halfway_house'), ('coordinator')) k(kind)`);
  await db.execute(sql`
    insert into prison_units (id, organisation_id, kind, name, places, created_at, updated_at)
    select gen_random_uuid(), id, 'atlantis', 'Atlantis', 1000000, now(), now() from organisations where kind = 'prison'`);
  await db.execute(sql`drop table if exists bench_region_orgs`);
  await db.execute(sql`create table bench_region_orgs as
    select g.*, u.id as unit from (
      select o.region, (row_number() over (order by o.region) - 1)::int as n,
             max(o.id::text) filter (where kind = 'prison')::uuid as prison, max(o.id::text) filter (where kind = 'court')::uuid as court,
             max(o.id::text) filter (where kind = 'probation')::uuid as probation, max(o.id::text) filter (where kind = 'treatment_provider')::uuid as treatment_provider,
             max(o.id::text) filter (where kind = 'ngo')::uuid as ngo, max(o.id::text) filter (where kind = 'halfway_house')::uuid as halfway_house,
             max(o.id::text) filter (where kind = 'coordinator')::uuid as coordinator
      from organisations o group by o.region) g
    join prison_units u on u.organisation_id = g.prison`);

  // The name index takes the bulk through GIN's pending list, merged once at the end; the service
  // runs it without one (migration 0012), as set back here. The name's keys per organisation
  // (participant_name_scopes, migration 0015: written by triggers as people and parties are
  // inserted) have their GIN index dropped for the bulk and built again after the parties, as the
  // migration builds it, and the check each new row gets at commit (for a name changed meanwhile:
  // none is, here) is off until then.
  await db.execute(sql`alter index participants_name_keys_idx set (fastupdate = on)`);
  const [scopedIndex] = rowsOf<{ definition: string }>(await db.execute(sql`select pg_get_indexdef('participant_name_scopes_keys_idx'::regclass) as definition`));
  await db.execute(sql`drop index participant_name_scopes_keys_idx`);
  await db.execute(sql`alter table participant_name_scopes disable trigger participant_name_scopes_settled`);
  await db.execute(sql`
    insert into participants (id, reference_code, owner_organisation_id, region, identity, contact, health, version, created_at, updated_at)
    select gen_random_uuid(), 'P-' || upper(substr(h, 1, 4)) || '-' || upper(substr(h, 5, 4)), o.prison, o.region,
           jsonb_build_object('firstName', nm.first_name, 'lastName', nm.last_name, 'patronymic', nm.patronymic, 'dateOfBirth', '1990-01-01'),
           jsonb_build_object('phone', '+7 700 ' || lpad(i::text, 7, '0')),
           jsonb_build_object('substances', jsonb_build_array('opioids')),
           1, now(), now()
    from generate_series(0, ${participants - 1}) i
    cross join lateral (select lpad(to_hex(i), 8, '0') as h) hx
    cross join lateral (${names(sql`i`)}) nm
    join bench_region_orgs o on o.n = i % ${regions}`);
  await db.execute(sql`alter index participants_name_keys_idx set (fastupdate = off)`);
  await db.execute(sql`select gin_clean_pending_list('participants_name_keys_idx'::regclass)`);
  log(`participants ${elapsed()}`);

  // One case per participant: protocol by i % 5, state from a per-protocol list (half of it the working state).
  const protocols = Object.keys(WORKING_STATE);
  const layout = protocols.map((id) => {
    const states = Object.keys(PROTOCOLS[id]!.states);
    const finals = states.filter((state) => PROTOCOLS[id]!.states[state]!.final);
    const fixture = CASES[id]!;
    const owner = KIND_OF_FIXTURE[fixture.owner]!;
    const parties = fixture.parties.map((party) => ({ part: party.part, kind: KIND_OF_FIXTURE[party.organisationId]! }));
    return { id, states: [...states, ...states.map(() => WORKING_STATE[id]!)], finals, data: fixture.data, owner, parties };
  });
  await db.execute(sql`drop table if exists bench_layout`);
  await db.execute(sql`create table bench_layout (p int, protocol text, states text[], finals text[], data jsonb, owner text, parties jsonb)`);
  for (const [index, entry] of layout.entries()) {
    await db.execute(sql`insert into bench_layout values (${index}, ${entry.id}, ${sql.raw(`array[${entry.states.map((s) => `'${s}'`).join(',')}]`)},
      ${sql.raw(`array[${entry.finals.map((s) => `'${s}'`).join(',')}]::text[]`)}, ${JSON.stringify(entry.data)}::jsonb, ${entry.owner}, ${JSON.stringify(entry.parties)}::jsonb)`);
  }
  await db.execute(sql`
    insert into cases (id, protocol, protocol_version, participant_id, owner_organisation_id, state, data, version, unit_id, house_id, opened_at, closed_at, updated_at)
    select gen_random_uuid(), l.protocol, 1, pt.id, (to_jsonb(o) ->> l.owner)::uuid, s.state,
           case l.protocol when 'unit-enrolment' then l.data || jsonb_build_object('unitId', o.unit) else l.data end,
           2, case when l.protocol = 'unit-enrolment' and s.state in ('enrolled') then o.unit end,
           case when l.protocol = 'halfway-house' and s.state in ('accepted', 'resident') then o.halfway_house end,
           timestamptz '2026-01-01' + (pt.i % 300) * interval '1 day',
           case when s.state = any (l.finals) then timestamptz '2026-01-01' + (pt.i % 300 + 20) * interval '1 day' end,
           timestamptz '2026-01-01' + (pt.i % 300) * interval '1 day'
    from (select id, (row_number() over (order by reference_code) - 1)::int as i from participants) pt
    join bench_region_orgs o on o.n = pt.i % ${regions}
    -- Region by i % regions; within a region, protocols and states in turn (independent of the region).
    join bench_layout l on l.p = (pt.i / ${regions}) % 5
    cross join lateral (select l.states[(pt.i / ${regions} / 5) % array_length(l.states, 1) + 1] as state) s`);
  log(`cases ${elapsed()}`);
  await db.execute(sql`
    insert into case_parties (case_id, part, organisation_id, assigned_at)
    select c.id, party.value ->> 'part', (to_jsonb(o) ->> (party.value ->> 'kind'))::uuid, c.opened_at
    from cases c join participants pt on pt.id = c.participant_id
    join bench_region_orgs o on o.region = pt.region
    join bench_layout l on l.protocol = c.protocol
    cross join lateral jsonb_array_elements(l.parties) party`);
  await db.execute(sql`alter table participant_name_scopes enable trigger participant_name_scopes_settled`);
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local maintenance_work_mem = '256MB'`);
    await tx.execute(sql.raw(scopedIndex!.definition));
  });
  log(`parties ${elapsed()}`);
  await db.execute(sql`
    insert into case_events (id, case_id, version, type, data, part, actor_sub, organisation_id, from_state, to_state, observation, at)
    select gen_random_uuid(), c.id, 1, 'CASE_OPENED', '{}'::jsonb, 'owner', 'bench', c.owner_organisation_id, null,
           (select v.initial from (values ${sql.raw(protocols.map((id) => `('${id}', '${PROTOCOLS[id]!.initial}')`).join(', '))}) v(protocol, initial) where v.protocol = c.protocol),
           false, c.opened_at from cases c`);
  await db.execute(sql`
    insert into case_events (id, case_id, version, type, data, part, actor_sub, organisation_id, from_state, to_state, observation, at)
    select gen_random_uuid(), c.id, 2, 'BENCH_HISTORY', '{}'::jsonb, 'owner', 'bench', c.owner_organisation_id, null, c.state, false, c.opened_at + interval '3 days' from cases c`);
  log(`history ${elapsed()}`);
  await db.execute(sql`
    insert into consents (id, participant_id, organisation_id, data_classes, purpose, valid_from, valid_until, signed_method, witness, text_version,
                          recorded_by_organisation_id, recorded_by_sub, recorded_at)
    select gen_random_uuid(), p.id, o.ngo, '["identity","contact","health"]'::jsonb, 'post_release_support', date '2026-01-01', date '2027-12-31',
           'written', 'Officer Bench', 'v1', p.owner_organisation_id, 'bench', now()
    from participants p join bench_region_orgs o on o.region = p.region`);
  // Measured as a database in service is: autovacuum round (every row's hint bits and the
  // visibility map set, the statistics taken) and a checkpoint past. Straight after the bulk load
  // (gigabytes at a million participants), a run's first reads would set hint bits on each page
  // they touch while PostgreSQL still checkpoints the load (bench/README.md, the sixteenth pass).
  await db.execute(sql`vacuum (analyze)`);
  await db.execute(sql`checkpoint`);
  log(`consents; dataset ready in ${elapsed()}`);

  const [region0] = rowsOf<Record<string, string>>(
    await db.execute(sql`select prison, court, probation, treatment_provider, ngo, halfway_house, coordinator, unit from bench_region_orgs where n = 0`),
  );
  return { participants, regions, region0: region0!, unitId: region0!.unit! };
}

/** Valid hash-chained audit rows, appended to the chains as the service would (spread over its 8 chains). */
export async function seedAuditChain(db: Database, rows: number, log: Log): Promise<void> {
  const started = performance.now();
  const heads = new Map<string, { position: number; hash: string }>();
  for (const row of await db.select().from(auditChains)) heads.set(row.chain, { position: row.position, hash: row.headHash });
  for (const chain of AUDIT_CHAINS) if (!heads.has(chain)) heads.set(chain, { position: 0, hash: GENESIS_HASH });
  const at = new Date('2026-06-01T00:00:00Z');
  const BATCH = 2000;
  for (let done = 0; done < rows; done += BATCH) {
    const batch = [];
    for (let index = done; index < Math.min(rows, done + BATCH); index += 1) {
      const chain = AUDIT_CHAINS[index % AUDIT_CHAINS.length]!;
      const head = heads.get(chain)!;
      const content: AuditRowContent = {
        chain,
        position: head.position + 1,
        at,
        actorSub: 'bench',
        organisationId: null,
        roles: ['prison_staff'],
        action: 'case.read',
        subjectType: 'case',
        subjectId: null,
        participantId: null,
        dataClasses: ['identity'],
        purpose: null,
        basis: 'party',
        requestId: `bench-${index}`,
        outcome: 'success',
      };
      const hash = auditHash(head.hash, content);
      batch.push({ ...content, prevHash: head.hash, hash });
      heads.set(chain, { position: content.position, hash });
    }
    await db.insert(auditEvents).values(batch);
  }
  for (const [chain, head] of heads) {
    await db
      .insert(auditChains)
      .values({ chain, position: head.position, headHash: head.hash, updatedAt: at })
      .onConflictDoUpdate({ target: auditChains.chain, set: { position: head.position, headHash: head.hash, updatedAt: at } });
  }
  log(`audit chain: ${rows.toLocaleString('en')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Deadlines already due, each concerning region 0's prison: the scheduler's work. */
export async function seedDueDeadlines(db: Database, count: number, organisationId: string): Promise<void> {
  await db.execute(sql`
    insert into deadlines (id, case_id, participant_id, rule, kind, due_at, concerns, status, dedupe_key, created_at, updated_at)
    select gen_random_uuid(), c.id, c.participant_id, 'bench_reminder', 'reminder', now() - interval '1 minute', array[${organisationId}::uuid], 'open',
           'bench:' || g, now(), now()
    from generate_series(0, ${count - 1}) g
    join (select id, participant_id, (row_number() over (order by id) - 1)::int as n from cases where owner_organisation_id = ${organisationId}) c
      on c.n = g % (select count(*) from cases where owner_organisation_id = ${organisationId})`);
}
