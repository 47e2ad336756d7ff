import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createPostgresClient, wrapPostgres } from '../db/client.js';
import { computeTable, parsePeriod } from '../src/indicators/compute.js';

/**
 * `npm run bench:indicators -- [--cases 1000000]`: seeds a country-sized dataset into a fresh
 * PostgreSQL database (BENCH_DATABASE_URL, default the local server), then times the published
 * indicator tables. A measurement, not a test: it prints what it saw.
 */
const argIndex = process.argv.indexOf('--cases');
const CASES = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 1_000_000;
const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const name = `cadap_bench_${Date.now().toString(36)}`;
const admin = postgres(base, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
const url = new URL(base);
url.pathname = `/${name}`;
const database = wrapPostgres(createPostgresClient(url.toString(), 4), url.toString());
const log = (message: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

try {
  await database.migrate();
  const db = database.db;
  log(`seeding ${CASES.toLocaleString('en')} cases into ${name}`);
  const started = performance.now();
  // 5 countries × 4 regions, each with one organisation of every operational kind and a coordinator.
  await db.execute(sql`
    insert into organisations (id, kind, name, country, region, time_zone, locale, notification_emails, certification_valid_until, beds, default_max_stay_days, created_at, updated_at)
    select gen_random_uuid(), k.kind, c.country || '-R' || r || ' ' || k.kind, c.country, c.country || '-R' || r, 'Asia/Almaty', 'ru', '[]'::jsonb,
           case when k.kind in ('ngo', 'treatment_provider', 'halfway_house') then date '2030-01-01' end,
           case when k.kind = 'halfway_house' then 20 end, case when k.kind = 'halfway_house' then 168 end, now(), now()
    from (values ('KZ'), ('KG'), ('TJ'), ('TM'), ('UZ')) c(country), generate_series(1, 4) r,
         (values ('prison'), ('court'), ('probation'), ('treatment_provider'), ('ngo'), ('halfway_house'), ('coordinator')) k(kind)`);
  await db.execute(sql`create temporary table region_orgs as
    select region, max(id::text) filter (where kind = 'prison')::uuid as prison, max(id::text) filter (where kind = 'court')::uuid as court,
           max(id::text) filter (where kind = 'halfway_house')::uuid as house, row_number() over (order by region) - 1 as n
    from organisations group by region`);
  await db.execute(sql`
    insert into participants (id, reference_code, owner_organisation_id, region, identity, version, created_at, updated_at)
    select gen_random_uuid(), 'P-' || lpad(to_hex(i), 9, '0'), o.prison, o.region, '{}'::jsonb, 1, now(), now()
    from generate_series(0, ${CASES - 1}) i join region_orgs o on o.n = i % 20`);
  log(`participants ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // One case per participant, in every protocol, opened across 2026.
  await db.execute(sql`
    insert into cases (id, protocol, protocol_version, participant_id, owner_organisation_id, state, data, version, house_id, opened_at, updated_at)
    select gen_random_uuid(), p.protocol,
           1, pt.id, case when p.protocol = 'court-ordered-treatment' then o.court else o.prison end,
           p.state, p.data, 2, case when p.protocol = 'halfway-house' then o.house end, p.opened, p.opened
    from (select id, owner_organisation_id, row_number() over () - 1 as i from participants) pt
    join region_orgs o on o.n = pt.i % 20
    cross join lateral (select
      (array['unit-enrolment', 'court-ordered-treatment', 'pre-release', 'halfway-house', 'patronage'])[pt.i % 5 + 1] as protocol,
      (array['enrolled', 'in_treatment', 'plan_agreed', 'resident', 'acknowledged'])[pt.i % 5 + 1] as state,
      timestamptz '2026-01-01' + (pt.i % 360) * interval '1 day' as opened,
      jsonb_build_object('admittedOn', '2026-01-01', 'releaseDate', '2026-09-01', 'arrivedOn', '2026-02-01', 'sentAt', '2026-03-01T00:00:00Z', 'releasedAt', '2026-03-01T00:00:00Z') as data
    ) p`);
  log(`cases ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await db.execute(sql`
    insert into case_events (id, case_id, version, type, data, part, actor_sub, from_state, to_state, observation, at)
    select gen_random_uuid(), c.id, 1, 'CASE_OPENED', '{}'::jsonb, 'owner', 'bench', null, c.state, false, c.opened_at from cases c`);
  await db.execute(sql`
    insert into case_events (id, case_id, version, type, data, part, actor_sub, from_state, to_state, observation, at)
    select gen_random_uuid(), c.id, 2, e.type, e.data, 'owner', 'bench', 'x', c.state, e.observation, c.opened_at + interval '3 days'
    from cases c cross join lateral (select
      case c.protocol when 'unit-enrolment' then 'ADMITTED' when 'court-ordered-treatment' then 'DRUG_TEST_RECORDED' when 'pre-release' then 'PLAN_AGREED' when 'halfway-house' then 'ARRIVED' else 'ACKNOWLEDGED' end as type,
      case c.protocol when 'court-ordered-treatment' then jsonb_build_object('result', case when random() < 0.7 then 'negative' else 'positive' end) else '{}'::jsonb end as data,
      c.protocol = 'court-ordered-treatment' as observation) e`);
  await db.execute(sql`analyze`);
  log(`events; seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  for (const [table, label] of [
    ['country-quarter', '2026-Q2'],
    ['region-quarter', '2026-Q2'],
    ['organisation-year', '2026'],
  ] as const) {
    const period = parsePeriod(table, label)!;
    const times: number[] = [];
    for (let run = 0; run < 4; run += 1) {
      const t0 = performance.now();
      await computeTable(db, table, period, { threshold: 5 });
      times.push(performance.now() - t0);
    }
    const warm = times.slice(1).sort((a, b) => a - b);
    log(`${table} ${label}: first ${times[0]!.toFixed(0)} ms, warm median ${warm[1]!.toFixed(0)} ms (${CASES.toLocaleString('en')} cases)`);
  }
} finally {
  await database.close();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
}
