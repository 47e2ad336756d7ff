import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlines, notifications, organisations, outbox } from '../db/schema.js';
import { createSmtpMailer, type Mailer } from '../notifications/mailer.js';
import { dispatchDue, materialiseDue } from '../notifications/outbox.js';
import { htmlOf } from '../notifications/templates.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';
import { startSmtpServer } from './helpers/smtp.js';

let t: TestContext;
let r: Region;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let mailer: Mailer;
const FROM = 'CADAP <no-reply@cadap.test>';

beforeAll(async () => {
  smtp = await startSmtpServer();
  mailer = createSmtpMailer(smtp.url);
  t = await createTestContext({ mailer });
  r = await createRegion(t);
  await t.db.update(organisations).set({ locale: 'en' }).where(eq(organisations.id, r.orgs.court.id));
  await t.db.update(organisations).set({ locale: 'ru' }).where(eq(organisations.id, r.orgs.probation.id));
});
afterAll(async () => {
  await mailer.close();
  await smtp.close();
  await t.close();
});

const tick = async () => {
  await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });
  for (;;) {
    const result = await dispatchDue(t.db, mailer, { now: t.clock.now(), from: FROM, baseBackoffMs: 1000 });
    if (result.claimed === 0) break;
  }
};

async function courtOrder(name: string) {
  const person = await t.request('POST', '/participants', {
    token: r.tokens.court,
    body: { identity: { firstName: name, lastName: 'Mailtestova', dateOfBirth: '1984-04-04', nationalId: `MAIL-${name}` }, health: { diagnosis: 'stimulant use disorder' } },
  });
  const opened = await r.open(
    'court',
    'court-ordered-treatment',
    person.json.id,
    [
      { part: 'probation', organisationId: r.orgs.probation.id },
      { part: 'provider', organisationId: r.orgs.provider.id },
    ],
    { caseNumber: `M-${name}`, orderDate: '2026-03-01', programme: 'ost', durationDays: 120 },
  );
  return { person: person.json as { id: string; referenceCode: string }, caseId: opened.json.id as string };
}

describe('notifications end to end, through a real SMTP server', () => {
  it('a due deadline reaches each organisation in its language, with the reference and a link, and no personal field', async () => {
    const { person, caseId } = await courtOrder('Gulnara');
    t.clock.set('2026-03-15T03:59:59Z');
    await tick();
    expect(smtp.received).toHaveLength(0);
    t.clock.set('2026-03-15T04:00:00Z');
    await tick();
    const mine = smtp.received.filter((message) => message.mail.text?.includes(person.referenceCode));
    expect(mine.map((message) => message.to[0]).sort()).toEqual([...r.orgs.court.notificationEmails, ...r.orgs.probation.notificationEmails].sort());
    const toCourt = mine.find((message) => message.to[0] === r.orgs.court.notificationEmails[0])!;
    const toProbation = mine.find((message) => message.to[0] === r.orgs.probation.notificationEmails[0])!;
    expect(toCourt.mail.subject).toBe(`CADAP Deadline: No intake 14 days after the order (${person.referenceCode})`);
    expect(toProbation.mail.subject).toBe(`CADAP Срок: Нет приёма через 14 дней после решения (${person.referenceCode})`);
    for (const message of mine) {
      expect(message.mail.text).toContain(`https://cadap.test/app/cases/${caseId}`);
      expect(message.mail.html).toContain(`https://cadap.test/app/cases/${caseId}`);
      expect(message.messageId).toMatch(/@cadap\.invalid>$/);
      const everything = `${message.mail.subject}\n${message.mail.text}\n${message.mail.html}`;
      for (const personal of ['Gulnara', 'Mailtestova', '1984-04-04', 'MAIL-Gulnara', 'stimulant']) expect(everything).not.toContain(personal);
    }
    const inbox = await t.request('GET', '/notifications?unread=true', { token: r.tokens.court });
    const notice = inbox.json.items.find((item: { caseId: string }) => item.caseId === caseId);
    expect(notice).toMatchObject({ rule: 'intake_overdue', kind: 'deadline', participantReference: person.referenceCode, link: `https://cadap.test/app/cases/${caseId}` });
    // What it is about, in every language a page may show it in, whatever the organisation's own: its case's protocol, title and due time.
    const about = {
      protocol: 'court-ordered-treatment',
      title: { en: 'No intake 14 days after the order', ru: 'Нет приёма через 14 дней после решения' },
      dueAt: '2026-03-15T04:00:00.000Z',
    };
    expect(notice).toMatchObject(about);
    const read = await t.request('POST', `/notifications/${notice.id}/read`, { token: r.tokens.court });
    expect(read.json.readAt).not.toBeNull();
    expect(read.json).toMatchObject(about);
    expect((await t.request('POST', `/notifications/${notice.id}/read`, { token: r.tokens.probation })).status).toBe(404);
    // Notified work stays in the queue until the case moves on.
    const queue = await t.request('GET', '/deadlines', { token: r.tokens.court });
    expect(queue.json.items.map((item: { rule: string; caseId: string }) => [item.rule, item.caseId])).toContainEqual(['intake_overdue', caseId]);
  });

  it('a deadline voided by a later event does not fire', async () => {
    t.clock.set('2026-03-02T06:00:00Z');
    const { person, caseId } = await courtOrder('Voided');
    await r.send('provider', caseId, 'INTAKE_RECORDED', { assessmentDate: '2026-03-03', rehabilitationPlan: 'Plan', consentToTreatment: true });
    t.clock.set('2026-03-16T04:00:00Z');
    await tick();
    expect(smtp.received.filter((message) => message.mail.text?.includes(person.referenceCode) && message.mail.subject?.includes('intake'))).toEqual([]);
    const [row] = await t.db
      .select()
      .from(deadlines)
      .where(and(eq(deadlines.caseId, caseId), eq(deadlines.rule, 'intake_overdue')));
    expect(row?.status).toBe('void');
  });

  it('every deadline of a lifecycle fires at its time and not a second before', async () => {
    t.clock.set('2026-03-02T06:00:00Z');
    const person = await r.participant('prison', 'Timed');
    await r.consent(person.id, r.orgs.ngo);
    const plan = await r.open(
      'prison',
      'pre-release',
      person.id,
      [
        { part: 'probation', organisationId: r.orgs.probation.id },
        { part: 'ngo', organisationId: r.orgs.ngo.id },
      ],
      { releaseDate: '2026-05-20' },
    );
    const referral = await r.open('probation', 'halfway-house', person.id, [{ part: 'halfway_house', organisationId: r.orgs.house.id }], { expectedArrivalDate: '2026-05-20' });
    const order = await courtOrder('Timed');
    const unit = await t.request('POST', `/organisations/${r.orgs.prison.id}/units`, { token: r.tokens.prison, body: { kind: 'clean_zone', name: 'Timed unit', places: 3 } });
    const enrolment = await r.open('prison', 'unit-enrolment', person.id, [], { unitId: unit.json.id, expectedReleaseDate: '2026-12-01' });
    await r.send('prison', enrolment.json.id, 'SCREENED', { date: '2026-03-02', outcome: 'suitable' });
    await r.send('prison', enrolment.json.id, 'ADMITTED', { date: '2026-03-02', consentToTreatment: true, unitAgreementSigned: true });
    const handover = await r.open('prison', 'patronage', person.id, [{ part: 'ngo', organisationId: r.orgs.ngo.id }], {
      releasedAt: '2026-03-02T09:00:00+05:00',
      releaseAddressPlan: 'Shelter',
      patronagePlan: 'Weekly',
      probationOrganisationId: r.orgs.probation.id,
    });
    const caseIds = [plan.json.id, referral.json.id, order.caseId, enrolment.json.id, handover.json.id];
    const rows = (
      await t.db
        .select()
        .from(deadlines)
        .where(and(inArray(deadlines.caseId, caseIds), eq(deadlines.status, 'open')))
    ).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
    expect(new Set(rows.map((row) => row.rule)).size).toBeGreaterThanOrEqual(13);
    // Rows due at the same instant fire together: check each instant a second before, and at it.
    const instants = [...new Set(rows.map((row) => row.dueAt.getTime()))];
    for (const instant of instants) {
      const group = rows.filter((row) => row.dueAt.getTime() === instant);
      t.clock.set(new Date(instant - 1000));
      await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });
      for (const row of group) {
        const [before] = await t.db.select().from(deadlines).where(eq(deadlines.id, row.id));
        expect(before?.status, `${row.rule} a second before ${row.dueAt.toISOString()}`).toBe('open');
      }
      t.clock.set(new Date(instant));
      await materialiseDue(t.db, { now: t.clock.now(), publicUrl: 'https://cadap.test' });
      for (const row of group) {
        const [after] = await t.db.select().from(deadlines).where(eq(deadlines.id, row.id));
        expect(after?.status, `${row.rule} at ${row.dueAt.toISOString()}`).toBe('fired');
        const messages = await t.db.select().from(outbox).where(eq(outbox.deadlineId, row.id));
        expect(messages.length, row.rule).toBe(row.concerns.length);
      }
    }
    // Notices and messages get time-ordered ids (UUID version 7), so their inserts add to the end
    // of the primary key's index rather than anywhere in it: in id order, they were made in order.
    const deadlineIds = rows.map((row) => row.id);
    for (const table of [notifications, outbox]) {
      const made = await t.db.select({ id: table.id, createdAt: table.createdAt }).from(table).where(inArray(table.deadlineId, deadlineIds));
      expect(made.length).toBeGreaterThanOrEqual(rows.length);
      expect(
        made.every((row) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/.test(row.id)),
        made.map((row) => row.id).join(' '),
      ).toBe(true);
      const byId = [...made].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(byId.map((row) => row.createdAt.getTime())).toEqual(made.map((row) => row.createdAt.getTime()).sort((a, b) => a - b));
    }
    t.clock.set('2026-03-02T06:00:00Z');
  });

  it('event-raised notices reach their organisations at the next tick: a relapse (NGO and probation), break-glass (the owner)', async () => {
    t.clock.set('2026-03-02T06:00:00Z');
    const person = await r.participant('prison', 'Notice');
    await r.consent(person.id, r.orgs.ngo, 'prison');
    const stay = await r.open(
      'prison',
      'halfway-house',
      person.id,
      [
        { part: 'halfway_house', organisationId: r.orgs.house.id },
        { part: 'ngo', organisationId: r.orgs.ngo.id },
        { part: 'probation', organisationId: r.orgs.probation.id },
      ],
      { expectedArrivalDate: '2026-03-02' },
    );
    await r.send('house', stay.json.id, 'ACCEPTED', {});
    await r.send('house', stay.json.id, 'ARRIVED', { arrivedAt: '2026-03-02T10:00:00+05:00' });
    await r.send('house', stay.json.id, 'INCIDENT_RECORDED', { date: '2026-03-02', kind: 'relapse' });
    await t.request('POST', `/cases/${stay.json.id}/break-glass`, { token: r.tokens.coordinator, body: { reason: 'Relapse reported, checking overdose risk' } });
    const before = smtp.received.length;
    await tick();
    const fresh = smtp.received.slice(before).filter((message) => message.mail.text?.includes(person.referenceCode));
    const byRule = (title: string) =>
      fresh
        .filter((message) => message.mail.subject?.includes(title))
        .flatMap((message) => message.to)
        .sort();
    expect(byRule('Рецидив')).toEqual([...r.orgs.ngo.notificationEmails, ...r.orgs.probation.notificationEmails].sort());
    // Break-glass tells the case owner (the referring prison).
    expect(byRule('Экстренный доступ')).toEqual([...r.orgs.prison.notificationEmails]);
    const coordinatorInbox = await t.request('GET', '/notifications', { token: r.tokens.coordinator });
    expect(coordinatorInbox.status).toBe(200);
    // An event's notice names its case's protocol; its time is when the event raised it.
    const ngoInbox = await t.request('GET', '/notifications', { token: r.tokens.ngo });
    const relapse = ngoInbox.json.items.find(
      (item: { participantReference: string; rule: string }) => item.participantReference === person.referenceCode && item.rule === 'relapse',
    );
    expect(relapse).toMatchObject({ kind: 'alert', protocol: 'halfway-house', dueAt: '2026-03-02T06:00:00.000Z', title: { en: 'Relapse recorded at the halfway house' } });
  });
});

describe('the embedded mailer', () => {
  it('writes each message as an .eml file a newcomer can open', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { createFileMailer } = await import('../notifications/mailer.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-mail-'));
    try {
      const files = createFileMailer(dir);
      await files.send({
        messageId: '<abc.def@cadap.invalid>',
        from: FROM,
        to: ['someone@example.org'],
        subject: 'CADAP Reminder: test (P-AAAA-BBBB)',
        text: 'Hello',
        html: '<p>Hello</p>',
      });
      const written = fs.readdirSync(dir);
      expect(written).toEqual(['abc.def@cadap.invalid.eml']);
      const content = fs.readFileSync(path.join(dir, written[0]!), 'utf8');
      expect(content).toContain('Subject: CADAP Reminder: test (P-AAAA-BBBB)');
      expect(content).toContain('Message-ID: <abc.def@cadap.invalid>');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a batch of messages as it reaches the database', () => {
  it('keeps every character of every field, in the inbox and the outbox alike', async () => {
    // Quotes, a backslash, braces, a comma, a space and the word NULL: what an array or JSON
    // literal must escape to carry; the link and the addresses travel in every message of a batch.
    const odd = 'https://cadap.test/a"b\\c{d},e NULL';
    const addresses = ['"Desk, \\ {A}" <desk@cadap.test>', 'NULL@cadap.test'];
    await t.db.update(organisations).set({ notificationEmails: addresses }).where(eq(organisations.id, r.orgs.court.id));
    try {
      t.clock.set('2026-03-02T06:00:00Z');
      const { person, caseId } = await courtOrder('Quotova');
      t.clock.set('2026-03-16T04:00:00Z');
      await materialiseDue(t.db, { now: t.clock.now(), publicUrl: odd });
      const link = `${odd}/app/cases/${caseId}`;
      const notices = await t.db.select().from(notifications).where(eq(notifications.caseId, caseId));
      expect(notices.map((notice) => [notice.organisationId, notice.link, notice.participantReference]).sort()).toEqual(
        [r.orgs.court.id, r.orgs.probation.id].sort().map((id) => [id, link, person.referenceCode]),
      );
      const deadlineIds = notices.map((notice) => notice.deadlineId!);
      const mail = await t.db.select().from(outbox).where(inArray(outbox.deadlineId, deadlineIds));
      const toCourt = mail.find((message) => message.organisationId === r.orgs.court.id)!;
      expect(toCourt.toAddresses).toEqual(addresses);
      expect(toCourt.text).toContain(link);
      expect(toCourt.subject).toBe(notices.find((notice) => notice.organisationId === r.orgs.court.id)!.subject);
      expect(htmlOf(toCourt.text, toCourt.locale)).toContain('a&quot;b\\c{d},e NULL');
      expect(toCourt.messageId).toMatch(/@cadap\.invalid>$/);
    } finally {
      await t.db.update(organisations).set({ notificationEmails: r.orgs.court.notificationEmails }).where(eq(organisations.id, r.orgs.court.id));
      await t.db.delete(outbox).where(eq(outbox.status, 'pending'));
    }
  });
});

describe('who is told: exactly the parties named, in the inbox, the work queue and by e-mail', () => {
  it('two adverse tests within 30 days tell the home region’s probation, and no one else in any region', async () => {
    const { whoIsTold } = await import('./helpers/told.js');
    t.clock.set('2026-03-02T06:00:00Z');
    const { caseId } = await courtOrder('Toldova');
    expect((await r.send('provider', caseId, 'INTAKE_RECORDED', { assessmentDate: '2026-03-02', rehabilitationPlan: 'Plan', consentToTreatment: true })).status).toBe(201);
    expect((await r.send('provider', caseId, 'DRUG_TEST_RECORDED', { date: '2026-03-02', result: 'positive' })).status).toBe(201);
    await tick();
    expect(await whoIsTold(t, r, smtp.received, { caseId, rule: 'possible_breach' })).toEqual({ inbox: [], queue: [], email: [] });
    expect((await r.send('probation', caseId, 'DRUG_TEST_RECORDED', { date: '2026-03-02', result: 'missed' })).status).toBe(201);
    // An alert is in the work queue at once, delivered to the inbox and by e-mail at the tick, and stays in the queue until read.
    expect(await whoIsTold(t, r, smtp.received, { caseId, rule: 'possible_breach' })).toEqual({ inbox: [], queue: ['probation'], email: [] });
    await tick();
    expect(await whoIsTold(t, r, smtp.received, { caseId, rule: 'possible_breach' })).toEqual({ inbox: ['probation'], queue: ['probation'], email: ['probation'] });
  });
});
