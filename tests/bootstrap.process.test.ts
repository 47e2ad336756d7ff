import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, organisations } from '../db/schema.js';
import { commandWorld } from './helpers/command-world.js';

/**
 * `cadap bootstrap` as a deployer runs it, on an empty database (embedded PGlite in a fresh
 * DATA_DIR, or a fresh PostgreSQL database when TEST_DATABASE_URL is set): migrate, bad input
 * (refused, naming the field, nothing written), the first organisations from a file (stored as
 * the API would, audited as the service itself, printed as JSON), then a second bootstrap refused.
 */
const world = commandWorld('bootstrap');
const { dataDir, cadap } = world;

/** What the database holds now (the command has exited, so the embedded database is free). */
const stored = () =>
  world.withDatabase(async (db) => ({
    organisations: await db.select().from(organisations),
    audit: await db.select().from(auditEvents).where(eq(auditEvents.action, 'organisation.bootstrap')),
  }));

beforeAll(() => world.create());
afterAll(() => world.remove());

describe(`cadap bootstrap on an empty ${world.kind} database`, { timeout: 120_000 }, () => {
  it('refuses an unmigrated database, saying to run cadap migrate', async () => {
    const result = await cadap('bootstrap', '--org-name', 'Operators', '--kind', 'coordinator', '--country', 'KZ', '--region', 'KZ-PAV');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cadap migrate');
    expect(result.stdout).toBe('');
    expect((await cadap('migrate')).code).toBe(0);
  });

  it('refuses bad input from flags, naming each field and its flag, and writes nothing', async () => {
    const result = await cadap('bootstrap', '--org-name', 'Operators', '--kind', 'coordinator', '--country', 'KZ', '--region', 'KG-C', '--email', 'not-an-address');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('region (--region): The region must be a subdivision of KZ');
    expect(result.stderr).toMatch(/notificationEmails\.0 \(--email\): .*email/i);
    const now = await stored();
    expect(now.organisations).toEqual([]);
    expect(now.audit).toEqual([]);
  });

  it('refuses a file where any one body is bad (its place in the list named) and writes nothing', async () => {
    const file = path.join(dataDir, 'bad.json');
    fs.writeFileSync(
      file,
      JSON.stringify([
        { kind: 'coordinator', name: 'Operators', country: 'KZ', region: 'KZ-PAV' },
        { kind: 'halfway_house', name: 'House', country: 'KZ', region: 'KZ-PAV' },
      ]),
    );
    const result = await cadap('bootstrap', '--file', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[1].beds: A halfway house needs its number of beds.');
    expect((await stored()).organisations).toEqual([]);
  });

  it('creates the organisations of a file as the API would, audits each as the service, prints them and writes the organisation map', async () => {
    const file = path.join(dataDir, 'organisations.json');
    fs.writeFileSync(
      file,
      JSON.stringify([
        { kind: 'coordinator', name: 'Ministry of Health operators', country: 'KZ', region: 'KZ-PAV', timeZone: 'Asia/Almaty', notificationEmails: ['ops@example.org'] },
        { kind: 'halfway_house', name: 'Umit House', country: 'KZ', region: 'KZ-PAV', beds: 12, certificationValidUntil: '2030-12-31', locale: 'ru' },
      ]),
    );
    const result = await cadap('bootstrap', '--file', file);
    expect(result.stderr).toContain('Created 2 organisation(s)');
    expect(result.code).toBe(0);
    const printed = (JSON.parse(result.stdout) as { organisations: { id: string; name: string; locale: string; defaultMaxStayDays: number | null }[] }).organisations;
    expect(printed.map((org) => org.name)).toEqual(['Ministry of Health operators', 'Umit House']);

    const now = await stored();
    const operators = now.organisations.find((row) => row.id === printed[0]!.id);
    expect(operators).toMatchObject({
      kind: 'coordinator',
      name: 'Ministry of Health operators',
      country: 'KZ',
      region: 'KZ-PAV',
      timeZone: 'Asia/Almaty',
      locale: 'kk',
      notificationEmails: ['ops@example.org'],
      beds: null,
    });
    const house = now.organisations.find((row) => row.id === printed[1]!.id);
    expect(house).toMatchObject({ kind: 'halfway_house', beds: 12, defaultMaxStayDays: 168, certificationValidUntil: '2030-12-31', locale: 'ru' });
    expect(now.organisations).toHaveLength(2);
    expect(now.audit.map((row) => row.subjectId).sort()).toEqual(printed.map((org) => org.id).sort());
    for (const row of now.audit) expect(row).toMatchObject({ actorSub: 'system', organisationId: null, subjectType: 'organisation', requestId: 'bootstrap', outcome: 'success' });

    // The embedded key's organisation map, for cadap token.
    const map = JSON.parse(fs.readFileSync(path.join(dataDir, 'auth', 'organisations.json'), 'utf8')) as { id: string }[];
    expect(map.map((entry) => entry.id).sort()).toEqual(printed.map((org) => org.id).sort());
  });

  it('refuses a second bootstrap once the registry has organisations, pointing to the API, and writes nothing', async () => {
    const result = await cadap('bootstrap', '--org-name', 'Second operators', '--kind', 'coordinator', '--country', 'KZ', '--region', 'KZ-PAV');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('already has 2 organisations');
    expect(result.stderr).toContain('POST /organisations');
    const now = await stored();
    expect(now.organisations).toHaveLength(2);
    expect(now.audit).toHaveLength(2);
  });

  it('cadap audit verify (two words, as cadap audit-verify) verifies the bootstrap’s audit rows', async () => {
    const result = await cadap('audit', 'verify');
    expect(result.stdout).toContain('Audit trail verified: 2 rows');
    expect(result.code).toBe(0);
  });
});
