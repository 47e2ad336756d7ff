import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, caseEvents, cases, notifications, outbox, participants } from '../db/schema.js';
import { emlFileName } from '../notifications/mailer.js';
import { commandWorld } from './helpers/command-world.js';
import { messageRow, noticeRow } from './helpers/retention-rows.js';

/**
 * `cadap retention run` as an operator runs it, on a fresh database (embedded PGlite in a fresh
 * DATA_DIR, or PostgreSQL when TEST_DATABASE_URL is set): a dry run prints the counts and changes
 * nothing, a run removes an old sent e-mail and its .eml file and a read notice, erases a person
 * whose case closed more than 5 years ago (not one with an open case), audits it, and the trail
 * still verifies. The command's clock is the real one, so the rows are dated from now.
 */
const world = commandWorld('retention');
const { cadap } = world;
const DAY = 86_400_000;
const ids = { erased: randomUUID(), kept: randomUUID(), closedCase: randomUUID(), openCase: randomUUID() };

const stored = () =>
  world.withDatabase(async (db) => ({
    messages: await db.select({ id: outbox.id }).from(outbox),
    notices: await db.select({ id: notifications.id }).from(notifications),
    people: Object.fromEntries((await db.select().from(participants)).map((row) => [row.id, row.identity])),
    events: (await db.select().from(caseEvents).where(eq(caseEvents.caseId, ids.closedCase))).map((row) => row.data),
    audit: await db.select().from(auditEvents).where(like(auditEvents.action, 'retention.%')),
  }));

beforeAll(() => world.create());
afterAll(() => world.remove());

describe(`cadap retention run on ${world.kind}`, { timeout: 300_000 }, () => {
  it('prints its usage, and refuses an unknown option', async () => {
    const help = await cadap('retention', 'run', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: cadap retention run [--dry-run]');
    const bad = await cadap('retention', 'run', '--everything');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--everything'");
  });

  it('a dry run prints what is due and changes nothing; a run removes and erases it, audited, and the trail verifies', async () => {
    expect((await cadap('migrate')).code).toBe(0);
    const bootstrap = await cadap('bootstrap', '--org-name', 'Pavlodar Colony', '--kind', 'prison', '--country', 'KZ', '--region', 'KZ-PAV');
    expect(bootstrap.code, bootstrap.stderr).toBe(0);
    const org = (JSON.parse(bootstrap.stdout) as { organisations: { id: string }[] }).organisations[0]!.id;
    const now = Date.now();
    const at = (daysAgo: number) => new Date(now - daysAgo * DAY);
    const message = messageRow(org, { status: 'sent', createdAt: at(31), sentAt: at(31) });
    const emlFile = path.join(world.dataDir, 'mail', emlFileName(message.messageId));
    await world.withDatabase(async (db) => {
      await db.insert(outbox).values(message);
      await db.insert(notifications).values(noticeRow(org, { createdAt: at(200), readAt: at(181) }));
      const person = (id: string, reference: string, lastName: string) => ({
        id,
        referenceCode: reference,
        ownerOrganisationId: org,
        region: 'KZ-PAV',
        identity: { firstName: 'Process', lastName, dateOfBirth: '1990-01-01' },
        contact: { phone: '+7 701 555 0909' },
        createdAt: at(2200),
        updatedAt: at(2200),
      });
      await db.insert(participants).values([person(ids.erased, 'P-PROC-0001', 'Erasova'), person(ids.kept, 'P-PROC-0002', 'Keptova')]);
      const shell = (id: string, participantId: string, closedDaysAgo: number | null) => ({
        id,
        protocol: 'patronage',
        protocolVersion: 1,
        participantId,
        ownerOrganisationId: org,
        state: closedDaysAgo === null ? 'sent' : 'completed',
        data: { releasedAt: '2020-01-01T10:00:00+05:00', contactPhone: '+7 701 555 0909', patronagePlan: 'Weekly meetings with Erasova' },
        version: 2,
        openedAt: at(2200),
        closedAt: closedDaysAgo === null ? null : at(closedDaysAgo),
        updatedAt: at(2200),
      });
      // Closed 5 years (and two days, for leap days) ago; the other person's case is still open.
      await db.insert(cases).values([shell(ids.closedCase, ids.erased, 5 * 365 + 3), shell(ids.openCase, ids.kept, null)]);
      await db.insert(caseEvents).values({
        id: randomUUID(),
        caseId: ids.closedCase,
        version: 2,
        type: 'COMPLETED',
        data: { note: 'Erasova completed' },
        part: 'ngo',
        actorSub: 'staff-1',
        organisationId: org,
        fromState: 'active',
        toState: 'completed',
        observation: false,
        at: at(5 * 365 + 3),
      });
    });
    fs.mkdirSync(path.dirname(emlFile), { recursive: true });
    fs.writeFileSync(emlFile, 'Subject: Reminder\n\nA reminder\n');
    const before = await stored();

    const dry = await cadap('retention', 'run', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Dry run (nothing changed)');
    expect(dry.stdout).toContain('would remove 1, .eml files 1');
    expect(dry.stdout).toMatch(/read notices .*: would remove 1/);
    expect(dry.stdout).toMatch(/people .*: would erase 1/);
    expect(await stored()).toEqual(before);
    expect(fs.existsSync(emlFile)).toBe(true);

    const run = await cadap('retention', 'run');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('removed 1, .eml files 1');
    expect(run.stdout).toMatch(/read notices .*: removed 1/);
    expect(run.stdout).toMatch(/people .*: erased 1/);
    const after = await stored();
    expect(after.messages).toEqual([]);
    expect(after.notices).toEqual([]);
    expect(fs.existsSync(emlFile)).toBe(false);
    expect(after.people).toEqual({ [ids.erased]: {}, [ids.kept]: before.people[ids.kept] });
    expect(after.events).toEqual([{ note: null }]);
    expect(after.audit.map((row) => row.action).sort()).toEqual(['retention.inbox', 'retention.outbox', 'retention.participants', 'retention.run']);
    for (const row of after.audit) expect(row).toMatchObject({ actorSub: 'system', organisationId: null, requestId: expect.stringMatching(/^retention:cli:/) });

    const verified = await cadap('audit', 'verify');
    expect(verified.stdout).toContain('Audit trail verified');
    expect(verified.code).toBe(0);
  });
});
