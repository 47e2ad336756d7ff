import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlines, outbox } from '../db/schema.js';
import { createSmtpMailer, type Mailer } from '../notifications/mailer.js';
import { dispatchDue, materialiseDue } from '../notifications/outbox.js';
import type { OrganisationRow } from '../src/organisations/service.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { startSmtpServer } from './helpers/smtp.js';
import { onPostgres } from './helpers/test-database.js';

/**
 * The dispatcher under faults: temporary and permanent SMTP refusals, an SMTP outage, a
 * worker that dies between claim and send, two dispatchers and two ticks on one database.
 */
let t: TestContext;
let org: OrganisationRow;
const FROM = 'CADAP <no-reply@cadap.test>';
const MANY = onPostgres ? 10_000 : 1_000;

beforeAll(async () => {
  t = await createTestContext();
  org = await t.organisation('ngo', { notificationEmails: ['inbox@ngo.example.org'] });
});
afterAll(() => t.close());

async function seedOutbox(count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  const now = t.clock.now();
  for (let start = 0; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, (_, index) => {
      const id = randomUUID();
      ids.push(id);
      return {
        id,
        dedupeKey: `${tag}:${start + index}`,
        organisationId: org.id,
        rule: 'test',
        locale: 'en',
        toAddresses: org.notificationEmails,
        subject: `Test ${tag} ${start + index}`,
        text: 'Test message',
        html: '<p>Test message</p>',
        messageId: `<${id}@cadap.test>`,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      };
    });
    await t.db.insert(outbox).values(batch);
  }
  return ids;
}

/** Dispatches until nothing is claimable, moving the clock past every backoff. */
async function drain(mailer: Mailer, rounds = 500) {
  for (let round = 0; round < rounds; round += 1) {
    const result = await dispatchDue(t.db, mailer, { now: t.clock.now(), from: FROM, batch: 200, baseBackoffMs: 1000, maxBackoffMs: 60_000, maxAttempts: 20 });
    if (result.claimed === 0) {
      const [pending] = await t.db
        .select({ n: sql<number>`count(*)::int` })
        .from(outbox)
        .where(sql`${outbox.status} in ('pending', 'sending')`);
      if ((pending?.n ?? 0) === 0) return;
      t.clock.advance(61_000);
    }
  }
}

async function statusOf(ids: string[]) {
  const rows = await t.db
    .select({ status: outbox.status })
    .from(outbox)
    .where(sql`${outbox.id} in ${ids}`);
  return rows.reduce<Record<string, number>>((counts, row) => ({ ...counts, [row.status]: (counts[row.status] ?? 0) + 1 }), {});
}

describe('the dispatcher under faults', () => {
  it('an SMTP server that refuses 20% with 451 still ends with every message delivered exactly once', async () => {
    const smtp = await startSmtpServer({ reject: (count) => (count % 5 === 0 ? 451 : null) });
    const mailer = createSmtpMailer(smtp.url);
    try {
      const ids = await seedOutbox(500, 'flaky');
      await drain(mailer);
      expect(await statusOf(ids)).toEqual({ sent: 500 });
      const delivered = smtp.received.map((message) => message.messageId);
      expect(new Set(delivered).size).toBe(500);
      expect(delivered).toHaveLength(500);
      const [retried] = await t.db
        .select({ n: sql<number>`count(*)::int` })
        .from(outbox)
        .where(sql`${outbox.id} in ${ids} and ${outbox.attempts} > 1`);
      expect(retried?.n).toBeGreaterThan(50);
    } finally {
      await mailer.close();
      await smtp.close();
    }
  });

  it('a 550 goes to dead letters after one attempt; an admin requeues it', async () => {
    const smtp = await startSmtpServer({ reject: () => 550 });
    const mailer = createSmtpMailer(smtp.url);
    try {
      const [id] = await seedOutbox(1, 'permanent');
      await dispatchDue(t.db, mailer, { now: t.clock.now(), from: FROM });
      const [row] = await t.db.select().from(outbox).where(eq(outbox.id, id!));
      expect(row).toMatchObject({ status: 'dead', attempts: 1, lastError: expect.stringContaining('550') });
      const admin = await t.tokenFor(org, 'admin');
      const dead = await t.request('GET', '/outbox?status=dead', { token: admin });
      expect(dead.json.items.map((item: { id: string }) => item.id)).toContain(id);
      const requeued = await t.request('POST', `/outbox/${id}/requeue`, { token: admin });
      expect(requeued.json).toMatchObject({ status: 'pending', attempts: 0 });
      expect((await t.request('POST', `/outbox/${id}/requeue`, { token: admin })).status).toBe(409);
      expect((await t.request('GET', '/outbox', { token: await t.tokenFor(org, 'ngo_worker') })).status).toBe(403);
      await t.db.execute(sql`update ${outbox} set status = 'sent' where id = ${id}`);
    } finally {
      await mailer.close();
      await smtp.close();
    }
  });

  it('an SMTP outage leaves the backlog pending, and it drains after recovery', async () => {
    const first = await startSmtpServer();
    const port = first.port;
    const mailer = createSmtpMailer(first.url);
    await first.close();
    try {
      const ids = await seedOutbox(20, 'outage');
      await dispatchDue(t.db, mailer, { now: t.clock.now(), from: FROM, baseBackoffMs: 1000 });
      expect(await statusOf(ids)).toEqual({ pending: 20 });
      const ready = await t.request('GET', '/health/ready');
      expect(ready.json.outbox.pending).toBeGreaterThanOrEqual(20);
      const { SMTPServer } = await import('smtp-server');
      const received: string[] = [];
      const again = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onData(stream, _session, callback) {
          let raw = '';
          stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
          stream.on('end', () => {
            received.push(/^Message-ID: (.*)$/im.exec(raw)?.[1]?.trim() ?? '');
            callback();
          });
        },
      });
      await new Promise<void>((resolve) => again.listen(port, '127.0.0.1', resolve));
      try {
        await drain(mailer);
        expect(await statusOf(ids)).toEqual({ sent: 20 });
        expect(new Set(received).size).toBe(20);
      } finally {
        // The pool's connections first, or the server waits for them to leave.
        await mailer.close();
        await new Promise<void>((resolve) => again.close(() => resolve()));
      }
    } finally {
      await mailer.close();
    }
  });

  it('a dispatcher that dies between claim and send has its rows delivered by another after the lease', async () => {
    const smtp = await startSmtpServer();
    const mailer = createSmtpMailer(smtp.url);
    const dying: Mailer = { kind: 'smtp', send: () => new Promise(() => {}), close: async () => {} };
    try {
      const ids = await seedOutbox(10, 'lease');
      void dispatchDue(t.db, dying, { now: t.clock.now(), from: FROM, leaseMs: 60_000 });
      for (let wait = 0; wait < 100 && (await statusOf(ids)).sending !== 10; wait += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await statusOf(ids)).toEqual({ sending: 10 });
      expect((await dispatchDue(t.db, mailer, { now: t.clock.now(), from: FROM })).claimed).toBe(0);
      t.clock.advance(60_001);
      await drain(mailer);
      expect(await statusOf(ids)).toEqual({ sent: 10 });
      expect(smtp.received.filter((message) => ids.some((id) => message.messageId.includes(id)))).toHaveLength(10);
    } finally {
      await mailer.close();
      await smtp.close();
    }
  });

  it(`two dispatchers on one database deliver ${MANY} messages with 0 duplicates and 0 lost`, { timeout: 300_000 }, async () => {
    const smtp = await startSmtpServer();
    const one = createSmtpMailer(smtp.url);
    const two = createSmtpMailer(smtp.url);
    try {
      const ids = await seedOutbox(MANY, 'bulk');
      const loop = async (mailer: Mailer) => {
        for (;;) {
          const result = await dispatchDue(t.db, mailer, { now: t.clock.now(), from: FROM, batch: 100 });
          if (result.claimed === 0) return;
        }
      };
      await Promise.all([loop(one), loop(two)]);
      expect(await statusOf(ids)).toEqual({ sent: MANY });
      const bulk = smtp.received.filter((message) => message.mail.subject?.startsWith('Test bulk'));
      expect(bulk).toHaveLength(MANY);
      expect(new Set(bulk.map((message) => message.messageId)).size).toBe(MANY);
    } finally {
      await one.close();
      await two.close();
      await smtp.close();
    }
  });

  it('when SMTP is ambiguous (stored, then no reply), a retry may duplicate: counted by Message-ID, never more than the faults', async () => {
    let faults = 0;
    const smtp = await startSmtpServer({
      storeWithoutReply: (count) => {
        const fault = count % 10 === 3;
        if (fault) faults += 1;
        return fault;
      },
    });
    const mailer = createSmtpMailer(smtp.url, { socketTimeoutMs: 300 });
    try {
      const ids = await seedOutbox(60, 'ambiguous');
      await drain(mailer);
      expect(await statusOf(ids)).toEqual({ sent: 60 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const delivered = smtp.received.filter((message) => message.mail.subject?.startsWith('Test ambiguous')).map((message) => message.messageId);
      const unique = new Set(delivered);
      expect(unique.size).toBe(60);
      const duplicates = delivered.length - unique.size;
      expect(faults).toBeGreaterThan(0);
      expect(duplicates).toBeLessThanOrEqual(faults);
    } finally {
      await mailer.close();
      await smtp.close();
    }
  });

  it('two instances ticking at once create each message once', async () => {
    const now = t.clock.now();
    const { participants } = await import('../db/schema.js');
    const [person] = await t.db
      .insert(participants)
      .values({ id: randomUUID(), referenceCode: 'P-TICK-0001', ownerOrganisationId: org.id, region: org.region, identity: {}, version: 1, createdAt: now, updatedAt: now })
      .returning();
    const rows = Array.from({ length: 300 }, (_, index) => ({
      id: randomUUID(),
      caseId: null,
      participantId: person!.id,
      rule: 'possible_duplicate',
      kind: 'alert',
      dueAt: new Date(now.getTime() - index * 1000),
      concerns: [org.id],
      status: 'open',
      dedupeKey: `tick-test:${index}`,
      createdAt: now,
      updatedAt: now,
    }));
    await t.db.insert(deadlines).values(rows);
    const counts = await Promise.all([
      materialiseDue(t.db, { now, publicUrl: 'https://a.test', batch: 25 }),
      materialiseDue(t.db, { now, publicUrl: 'https://b.test', batch: 25 }),
    ]);
    expect(counts[0] + counts[1]).toBe(300);
    const [made] = await t.db
      .select({ n: sql<number>`count(*)::int`, distinctKeys: sql<number>`count(distinct ${outbox.deadlineId})::int` })
      .from(outbox)
      .where(sql`${outbox.deadlineId} in ${rows.map((row) => row.id)}`);
    expect(made).toEqual({ n: 300, distinctKeys: 300 });
    // A tick that catches up later creates nothing new.
    expect(await materialiseDue(t.db, { now: new Date(now.getTime() + 3_600_000), publicUrl: 'https://a.test' })).toBe(0);
  });
});
