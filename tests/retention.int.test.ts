import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, inArray, is, like, sql } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/migrate.js';
import * as schema from '../db/schema.js';
import { auditEvents, breakGlassGrants, caseEvents, cases, consents, deadlines, notifications, outbox, participantNameScopes, participants } from '../db/schema.js';
import { createFileMailer, emlFileName } from '../notifications/mailer.js';
import { htmlOf } from '../notifications/templates.js';
import { verifyAuditTrail } from '../src/audit/verify.js';
import { computeTable, currentPeriod, parsePeriod, TABLES } from '../src/indicators/compute.js';
import { PERSON_TABLES } from '../src/retention/erasure.js';
import { erasedColumns } from '../src/retention/inventory.js';
import { runRetention, type RetentionSettings } from '../src/retention/run.js';
import { createScheduler } from '../src/scheduler.js';
import { createTestContext, TEST_NOW, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';
import { messageRow, noticeRow } from './helpers/retention-rows.js';

/**
 * Retention (issue 17 item 9), on PGlite and PostgreSQL: sent e-mails and their .eml files after
 * 30 days, read notices after 180 days, and a person whose cases all closed more than 5 years ago
 * erased (every personal column emptied, the reference code, case shells and audit trail kept, so
 * the indicators and the audit verification are unchanged), by the tick once a day however many
 * instances tick, and by a direct run; a dry run changes nothing.
 */
let t: TestContext;
let r: Region;
const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-retention-mail-'));
const settings: RetentionSettings = { outboxDays: 30, inboxDays: 180, years: 5 };
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestContext({ mailer: createFileMailer(mailDir) });
  r = await createRegion(t);
});
afterAll(async () => {
  await t.close();
  fs.rmSync(mailDir, { recursive: true, force: true });
});

/** Every row of every table, as JSON text: what a dry run must leave exactly as it was, and where an erased person's words must not be. */
async function dump(): Promise<Record<string, string[]>> {
  const tables = (Object.values(schema) as unknown[]).filter((value) => is(value, PgTable)) as PgTable[];
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    out[getTableConfig(table).name] = rowsOf<{ row: string }>(await t.db.execute(sql`select to_jsonb(x)::text as row from ${table} x order by 1`)).map((row) => row.row);
  }
  return out;
}

const retentionRows = (requestId: string) =>
  t.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.requestId, requestId), like(auditEvents.action, 'retention.%')));

describe('sent e-mails and read notices', () => {
  it('go 30 and 180 days on, once a day from the tick of whichever instance comes first, with their .eml files; pending, dead and unread stay', async () => {
    const now = new Date(TEST_NOW);
    t.clock.set(now);
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    const org = r.orgs.prison.id;
    // A pending message waits for a later attempt, so the tick's dispatcher leaves it alone.
    const message = (status: string, sentDaysAgo: number | null, createdDaysAgo: number) =>
      messageRow(org, { status, createdAt: ago(createdDaysAgo), sentAt: sentDaysAgo === null ? null : ago(sentDaysAgo), nextAttemptAt: new Date(now.getTime() + DAY) });
    const old = message('sent', 31, 31);
    const recent = message('sent', 29, 29);
    const pending = message('pending', null, 100);
    const dead = message('dead', null, 100);
    await t.db.insert(outbox).values([old, recent, pending, dead]);
    const mailer = createFileMailer(mailDir);
    for (const row of [old, recent])
      await mailer.send({
        messageId: row.messageId,
        from: 'CADAP <no-reply@cadap.test>',
        to: row.toAddresses,
        subject: row.subject,
        text: row.text,
        html: htmlOf(row.text, row.locale),
      });
    const fileOf = (row: { messageId: string }) => path.join(mailDir, emlFileName(row.messageId));
    expect(fs.existsSync(fileOf(old)) && fs.existsSync(fileOf(recent))).toBe(true);

    const notice = (readDaysAgo: number | null, createdDaysAgo: number) =>
      noticeRow(org, { createdAt: ago(createdDaysAgo), readAt: readDaysAgo === null ? null : ago(readDaysAgo) });
    const readLongAgo = notice(181, 200);
    const readLately = notice(179, 400);
    const unread = notice(null, 400);
    await t.db.insert(notifications).values([readLongAgo, readLately, unread]);

    // A dry run counts and changes nothing.
    const before = await dump();
    const dry = await runRetention(t.db, settings, { now, requestId: 'test:dry', mailDir, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, messages: 1, files: 1, notices: 1, people: 0, failed: [] });
    expect(await dump()).toEqual(before);
    expect(fs.existsSync(fileOf(old))).toBe(true);

    // Two instances tick at once: one claims the day's run.
    const schedulers = [0, 1].map(() =>
      createScheduler({
        db: t.db,
        mailer,
        clock: t.clock,
        logger: t.logger,
        publicUrl: 'https://cadap.test',
        from: 'CADAP <no-reply@cadap.test>',
        cron: '* * * * *',
        retention: { settings, mailDir },
      }),
    );
    await Promise.all(schedulers.map((scheduler) => scheduler.tick()));
    await schedulers[1]!.tick();

    const left = await t.db
      .select({ id: outbox.id, status: outbox.status })
      .from(outbox)
      .where(
        inArray(
          outbox.id,
          [old, recent, pending, dead].map((row) => row.id),
        ),
      );
    expect(left.map((row) => row.id).sort()).toEqual([recent.id, pending.id, dead.id].sort());
    expect(fs.existsSync(fileOf(old))).toBe(false);
    expect(fs.existsSync(fileOf(recent))).toBe(true);
    const notices = await t.db
      .select({ id: notifications.id })
      .from(notifications)
      .where(
        inArray(
          notifications.id,
          [readLongAgo, readLately, unread].map((row) => row.id),
        ),
      );
    expect(notices.map((row) => row.id).sort()).toEqual([readLately.id, unread.id].sort());

    // Audited once for the day, as the service itself, with the counts.
    const audited = await retentionRows('retention:2026-03-02');
    expect(audited.map((row) => row.action).sort()).toEqual(['retention.inbox', 'retention.outbox', 'retention.participants', 'retention.run']);
    for (const row of audited)
      expect(row).toMatchObject({ actorSub: 'system', organisationId: null, roles: [], subjectType: 'retention', participantId: null, outcome: 'success' });
    expect(audited.find((row) => row.action === 'retention.outbox')?.purpose).toMatch(/^removed 1 sent messages and 1 \.eml files sent before 2026-01-31T06:00:00\.000Z$/);
    expect(audited.find((row) => row.action === 'retention.inbox')?.purpose).toMatch(/^removed 1 notices read before 2025-09-03T06:00:00\.000Z$/);
    expect(audited.find((row) => row.action === 'retention.participants')?.purpose).toMatch(/^erased 0 people/);

    // The next day's first tick runs again.
    t.clock.set(new Date(now.getTime() + DAY));
    await schedulers[0]!.tick();
    expect((await retentionRows('retention:2026-03-03')).map((row) => row.action).sort()).toEqual([
      'retention.inbox',
      'retention.outbox',
      'retention.participants',
      'retention.run',
    ]);
    expect((await verifyAuditTrail(t.db, t.auditSigner, t.clock.now())).ok).toBe(true);
  });
});

describe('erasure of a person whose cases all closed more than RETENTION_YEARS ago', () => {
  const ok = (response: { status: number; text: string }, status = 201) => expect(response.status, response.text).toBe(status);
  // What the erased person's record, notes, consents, cases and history said: none of it may be left anywhere.
  // (Every text about a person names them, so a word of one person's is never another's.)
  const words = ['Aigerim', 'Retentionova', 'KZ-RET-0001', '+7 701 555 0101', 'Caseworker Dana', 'Caselessova'];

  /** A person registered with every class filled and a note, and a consent naming the region's NGO. */
  async function person(firstName: string, lastName: string, nationalId: string, phone: string) {
    const registered = await t.request('POST', '/participants', {
      token: r.tokens.prison,
      body: {
        identity: { firstName, lastName, patronymic: 'Serikovna', dateOfBirth: '1990-04-05', sex: 'female', nationalId },
        contact: { phone, address: `${firstName}, 5 Abai Street, Pavlodar` },
        custody: { facilityOrganisationId: r.orgs.prison.id, expectedReleaseDate: '2026-03-01' },
        legal: { caseNumber: `${lastName}-2024-17`, sentence: '3 years' },
        compliance: { summary: `${firstName} attends every session` },
        health: { diagnosis: `${firstName}: opioid use disorder`, treatment: 'Methadone 60 mg', overdoseRisk: 'high' },
        social: { housing: `${firstName} lives with her sister`, work: 'none' },
        note: `${firstName} prefers morning calls`,
      },
    });
    ok(registered);
    const consent = await r.consent(registered.json.id, r.orgs.ngo, 'prison', { witness: `Witness Zhanna for ${firstName}` });
    return { id: registered.json.id as string, referenceCode: registered.json.referenceCode as string, consentId: consent.id };
  }

  /** A patronage handover carrying the person's contact phone, address and care needs in its data. */
  async function handover(personId: string, firstName: string, phone: string) {
    const opened = await r.open('prison', 'patronage', personId, [{ part: 'ngo', organisationId: r.orgs.ngo.id }], {
      releasedAt: '2026-03-01T10:00:00+05:00',
      releaseAddressPlan: `${firstName}, 5 Abai Street`,
      continuityOfCare: `Methadone for ${firstName}`,
      patronagePlan: `Weekly meetings with ${firstName}`,
      contactPhone: phone,
    });
    ok(opened);
    return opened.json.id as string;
  }

  it('empties every personal column of the person, keeps the reference code, case shells and audit trail, and leaves the indicators as they were', async () => {
    const t0 = new Date(TEST_NOW);
    t.clock.set(t0);
    // Erased: every case closed 5 years and a day before the run.
    const erased = await person('Aigerim', 'Retentionova', 'KZ-RET-0001', '+7 701 555 0101');
    const erasedCase = await handover(erased.id, 'Aigerim', '+7 701 555 0101');
    ok(await r.send('ngo', erasedCase, 'ACKNOWLEDGED', { caseworker: 'Caseworker Dana', plannedFirstContact: '2026-03-03' }), 201);
    ok(await r.send('ngo', erasedCase, 'FIRST_CONTACT_MADE', { at: '2026-03-02T10:00:00+05:00', how: 'in_person' }));
    ok(await r.send('ngo', erasedCase, 'CONTACT_RECORDED', { date: '2026-03-02', kind: 'phone', outcome: 'Aigerim is doing well', referralsMade: ['Clinic for Aigerim'] }));
    ok(await t.request('POST', `/cases/${erasedCase}/break-glass`, { token: r.tokens.coordinator, body: { reason: 'Aigerim reported missing by her sister' } }));
    ok(await r.send('ngo', erasedCase, 'COMPLETED', { note: 'Aigerim completed patronage' }));
    ok(await t.request('POST', `/consents/${erased.consentId}/revoke`, { token: r.tokens.prison, body: { reason: 'Aigerim withdrew consent' } }), 200);
    // Erased too: registered 5 years and a day ago, never a case, unchanged since.
    const caseless = await r.participant('prison', 'Caselessova');
    // Kept: the last case closed 5 years less a day before the run.
    t.clock.set(new Date(t0.getTime() + 2 * DAY));
    const kept = await person('Kamila', 'Keptova', 'KZ-RET-0002', '+7 701 555 0202');
    const keptCase = await handover(kept.id, 'Kamila', '+7 701 555 0202');
    ok(await r.send('ngo', keptCase, 'DECLINED', { reason: 'No capacity this month' }));
    ok(await r.send('prison', keptCase, 'CLOSED', { reason: 'Released to family' }));
    // Kept: a case still open.
    const open = await person('Olga', 'Openova', 'KZ-RET-0003', '+7 701 555 0303');
    await handover(open.id, 'Olga', '+7 701 555 0303');

    const run = new Date(t0.getTime() + 2 * DAY);
    run.setUTCFullYear(run.getUTCFullYear() + 5);
    run.setTime(run.getTime() - DAY); // t0 + 5 years + 1 day
    t.clock.set(run);
    const keptIds = [kept.id, open.id];
    const snapshotOf = async (ids: string[]) => ({
      people: await t.db.select().from(participants).where(inArray(participants.id, ids)),
      cases: await t.db.select().from(cases).where(inArray(cases.participantId, ids)),
      consents: await t.db.select().from(consents).where(inArray(consents.participantId, ids)),
      events: await t.db
        .select()
        .from(caseEvents)
        .where(inArray(caseEvents.caseId, t.db.select({ id: cases.id }).from(cases).where(inArray(cases.participantId, ids)))),
    });
    const keptBefore = await snapshotOf(keptIds);
    const indicators = async () => Promise.all(TABLES.map((table) => computeTable(t.db, table, parsePeriod(table, currentPeriod(table, t0))!, { threshold: null })));
    const indicatorsBefore = await indicators();
    const acknowledged = indicatorsBefore[0]!.indicators.find((indicator) => indicator.id === 'handovers_acknowledged_within_48_hours')!;
    expect(acknowledged.total.numerator).toBeGreaterThanOrEqual(1);
    const eventsBefore = await t.db.select().from(caseEvents).where(eq(caseEvents.caseId, erasedCase)).orderBy(caseEvents.version);
    const caseBefore = (await t.db.select().from(cases).where(eq(cases.id, erasedCase)))[0]!;
    const before = await dump();
    const everywhere = (tables: Record<string, string[]>) => Object.values(tables).flat().join('\n');
    // The break-glass reason is also the access's purpose in the audit trail, which keeps it (README, "Retention").
    const outsideTheTrail = (tables: Record<string, string[]>) => everywhere({ ...tables, audit_events: [] });
    for (const word of words) expect(outsideTheTrail(before), word).toContain(word);

    const dry = await runRetention(t.db, settings, { now: run, requestId: 'test:dry-people', dryRun: true });
    expect(dry).toMatchObject({ people: 2, failed: [] });
    expect(await dump()).toEqual(before);

    const report = await runRetention(t.db, settings, { now: run, requestId: 'test:erase', mailDir });
    expect(report).toMatchObject({ people: 2, failed: [] });

    // Every column the inventory erases is empty for both people, in every table erasure rewrites.
    const checked: Record<string, number> = {};
    for (const id of [erased.id, caseless.id]) {
      for (const { table, person: column } of PERSON_TABLES) {
        const name = getTableConfig(table).name;
        const rows = rowsOf<Record<string, unknown>>(await t.db.execute(sql`select * from ${table} where ${sql.identifier(column)} = ${id}`));
        for (const row of rows) {
          checked[name] = (checked[name] ?? 0) + 1;
          for (const { column: erasedColumn, action } of erasedColumns(name)) {
            const raw = row[erasedColumn];
            const value = typeof raw === 'string' && raw.startsWith('{') ? JSON.parse(raw) : raw;
            expect(action === 'null' ? [null] : [null, '', {}], `${name}.${erasedColumn}`).toContainEqual(value);
          }
        }
      }
    }
    expect(checked).toEqual({ participants: 2, participant_notes: 1, consents: 1, break_glass_grants: 1 });
    const [gone] = await t.db.select().from(participants).where(eq(participants.id, erased.id));
    expect(gone).toMatchObject({ referenceCode: erased.referenceCode, nationalIdDigest: null, identity: {}, contact: {}, health: {}, region: 'KZ-PAV' });
    // The columns generated from the identity (the name search's keys, the sort name) go with it.
    expect(gone!.nameKeys ?? []).toEqual([]);
    expect(gone!.sortName ?? '').toBe('');
    // So do the name's copies for each organisation's search (participant_name_scopes, kept by migration 0015's triggers).
    const scoped = await t.db.select({ sortName: participantNameScopes.sortName }).from(participantNameScopes).where(eq(participantNameScopes.participantId, erased.id));
    expect(scoped.length).toBeGreaterThan(0);
    expect(scoped.filter((row) => row.sortName !== '')).toEqual([]);
    // No word of theirs is left in any table, the audit trail included (bar the break-glass reason, the coordinator's own words).
    const after = await dump();
    for (const word of words) expect(everywhere(after).replaceAll('Aigerim reported missing by her sister', ''), word).not.toContain(word);

    // The case shell and its history keep their codes and dates; the words are gone.
    const [caseAfter] = await t.db.select().from(cases).where(eq(cases.id, erasedCase));
    expect(caseAfter).toMatchObject({ protocol: 'patronage', state: caseBefore.state, openedAt: caseBefore.openedAt, closedAt: caseBefore.closedAt, version: caseBefore.version });
    expect(caseAfter!.data).toMatchObject({
      releasedAt: '2026-03-01T10:00:00+05:00',
      releaseDate: '2026-03-01',
      sentAt: caseBefore.data.sentAt,
      contactPhone: null,
      continuityOfCare: null,
      caseworker: null,
    });
    const eventsAfter = await t.db.select().from(caseEvents).where(eq(caseEvents.caseId, erasedCase)).orderBy(caseEvents.version);
    expect(eventsAfter.map(({ type, at, fromState, toState, organisationId }) => ({ type, at, fromState, toState, organisationId }))).toEqual(
      eventsBefore.map(({ type, at, fromState, toState, organisationId }) => ({ type, at, fromState, toState, organisationId })),
    );
    expect(eventsAfter.find((event) => event.type === 'CONTACT_RECORDED')?.data).toEqual({ date: '2026-03-02', kind: 'phone', outcome: null, referralsMade: [] });

    // The others are exactly as they were; the indicators too; the audit trail verifies.
    expect(await snapshotOf(keptIds)).toEqual(keptBefore);
    expect(await indicators()).toEqual(indicatorsBefore);
    expect((await verifyAuditTrail(t.db, t.auditSigner, run)).ok).toBe(true);

    // Audited: one row per person (their id only), one per kind.
    const erasures = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.requestId, 'test:erase'), eq(auditEvents.action, 'participant.erase')));
    expect(erasures.map((row) => row.participantId).sort()).toEqual([erased.id, caseless.id].sort());
    for (const row of erasures)
      expect(row).toMatchObject({ actorSub: 'system', organisationId: null, subjectType: 'participant', subjectId: row.participantId, outcome: 'success' });
    expect((await retentionRows('test:erase')).find((row) => row.action === 'retention.participants')?.purpose).toMatch(/^erased 2 people/);

    // Idempotent: a second run finds no one.
    expect(await runRetention(t.db, settings, { now: run, requestId: 'test:again', mailDir })).toMatchObject({ people: 0, failed: [] });
    expect((await t.db.select().from(participants).where(eq(participants.id, erased.id)))[0]).toEqual(gone);

    // Break-glass on the erased person's case would record a reason about them: refused, nothing written.
    const grants = await t.count(breakGlassGrants);
    const glass = await t.request('POST', `/cases/${erasedCase}/break-glass`, {
      token: await t.tokenFor(r.orgs.coordinator, 'coordinator'),
      body: { reason: 'Looking for an old file' },
    });
    expect(glass.status, glass.text).toBe(409);
    expect(await t.count(breakGlassGrants)).toBe(grants);
  });

  it('reads as erased in the API, refuses anything more about the person, and no longer matches a registration as a possible duplicate', async () => {
    const start = new Date('2027-06-01T06:00:00Z');
    t.clock.set(start);
    const register = async (lastName: string, nationalId: string) => {
      const registered = await t.request('POST', '/participants', {
        token: await t.tokenFor(r.orgs.prison, 'prison_staff'),
        body: { identity: { firstName: 'Returning', lastName, dateOfBirth: '1990-04-05', nationalId }, note: `${lastName} asked for help` },
      });
      ok(registered);
      return registered.json.id as string;
    };
    // Registered and never given a case: erased once the record is 5 years and a day unchanged.
    const erasedId = await register('Gonova', 'KZ-RET-0101');
    const now = new Date(start);
    now.setUTCFullYear(now.getUTCFullYear() + 5);
    t.clock.set(new Date(now.getTime() + DAY));
    const keptId = await register('Stayova', 'KZ-RET-0102');
    expect(await runRetention(t.db, settings, { now: t.clock.now(), requestId: 'test:api', mailDir })).toMatchObject({ failed: [] });
    const identities = await t.db
      .select({ id: participants.id, identity: participants.identity })
      .from(participants)
      .where(inArray(participants.id, [erasedId, keptId]));
    expect(Object.fromEntries(identities.map((row) => [row.id, row.identity.lastName ?? null]))).toEqual({ [erasedId]: null, [keptId]: 'Stayova' });

    const [erased] = await t.db.select().from(participants).where(eq(participants.id, erasedId));
    const prison = await t.tokenFor(r.orgs.prison, 'prison_staff');
    const coordinator = await t.tokenFor(r.orgs.coordinator, 'coordinator');
    for (const token of [prison, coordinator]) {
      const read = await t.request('GET', `/participants/${erasedId}`, { token });
      ok(read, 200);
      expect(read.json).toEqual({
        id: erasedId,
        referenceCode: erased!.referenceCode,
        recordOwnerId: r.orgs.prison.id,
        region: 'KZ-PAV',
        version: 2,
        createdAt: start.toISOString(),
        updatedAt: t.clock.now().toISOString(),
        erasedAt: t.clock.now().toISOString(),
        disclosed: [],
        notes: [],
      });
    }
    ok(await t.request('GET', `/participants/${erasedId}`, { token: await t.tokenFor(r.orgs.ngo, 'ngo_worker') }), 404);

    const corrected = await t.request('PATCH', `/participants/${erasedId}`, { token: prison, body: { contact: { phone: '+7 700 000 0000' }, note: 'Back again' } });
    expect(corrected.status, corrected.text).toBe(409);
    expect(corrected.json.code).toBe('CONFLICT');
    const opened = await t.request('POST', '/cases', {
      token: prison,
      body: {
        protocol: 'patronage',
        participantId: erasedId,
        parties: [{ part: 'ngo', organisationId: r.orgs.ngo.id }],
        data: { releasedAt: t.clock.now().toISOString(), releaseAddressPlan: 'An address', patronagePlan: 'A plan' },
      },
    });
    expect(opened.status, opened.text).toBe(422);
    expect(opened.json.errors).toEqual([expect.objectContaining({ path: 'body.participantId' })]);
    const consent = await t.request('POST', `/participants/${erasedId}/consents`, {
      token: prison,
      body: {
        organisationId: r.orgs.ngo.id,
        dataClasses: ['contact'],
        purpose: 'post_release_support',
        validFrom: '2032-06-01',
        validUntil: '2032-12-31',
        signedMethod: 'written',
        witness: 'A witness',
        textVersion: 'v1',
      },
    });
    expect(consent.status, consent.text).toBe(409);
    expect((await t.db.select().from(participants).where(eq(participants.id, erasedId)))[0]).toEqual(erased);
    expect(await t.db.select().from(cases).where(eq(cases.participantId, erasedId))).toEqual([]);
    expect(await t.db.select().from(consents).where(eq(consents.participantId, erasedId))).toEqual([]);

    // The erased person's national id matches no one any more; the kept person's still does.
    const duplicatesOf = async (nationalId: string) =>
      t.db
        .select()
        .from(deadlines)
        .where(and(eq(deadlines.participantId, await register('Newova', nationalId)), eq(deadlines.rule, 'possible_duplicate')));
    expect(await duplicatesOf('KZ-RET-0101')).toEqual([]);
    // The kept person's number is held back as a possible duplicate of theirs (the prison sees them), naming them only.
    const again = await t.request('POST', '/participants', {
      token: await t.tokenFor(r.orgs.prison, 'prison_staff'),
      body: { identity: { firstName: 'Returning', lastName: 'Newova', dateOfBirth: '1990-04-05', nationalId: 'KZ-RET-0102' } },
    });
    expect(again.status, again.text).toBe(409);
    expect(again.json.possibleDuplicates.map((match: { id: string }) => match.id)).toEqual([keptId]);
  });
});
