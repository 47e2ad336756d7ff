import { randomUUID } from 'node:crypto';
import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/migrate.js';
import { deadlines, notifications, outbox } from '../db/schema.js';
import { createSmtpMailer, type Mailer } from '../notifications/mailer.js';
import { CLAIM_PLANNING, claimDueStatement, claimOutboxStatement, dispatchDue, materialiseDue, messageIdFor } from '../notifications/outbox.js';
import { renderMessage } from '../notifications/templates.js';
import type { OrganisationRow } from '../src/organisations/service.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { startSmtpServer } from './helpers/smtp.js';
import { statementCounter } from './helpers/statements.js';
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

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Actual Rows'?: number; 'Actual Loops'?: number; Plans?: PlanNode[] };
const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/**
 * The nodes by which the update after a claim finds the claimed rows again: those on the table or
 * its primary key outside the claim's locked scans, the update itself aside.
 */
const foundAgain = (plan: PlanNode, locks: PlanNode[], table: string): PlanNode[] => {
  const locked = new Set(locks.flatMap(planNodes));
  return planNodes(plan).filter((node) => !locked.has(node) && node['Node Type'] !== 'ModifyTable' && (node['Relation Name'] === table || node['Index Name'] === `${table}_pkey`));
};

/** EXPLAIN ANALYZE of a claim under the claims' planning settings (`CLAIM_PLANNING`), in a transaction rolled back after. */
async function explainClaim(statement: SQL): Promise<{ Plan: PlanNode; JIT?: unknown }> {
  const rolledBack = new Error('explained, rolled back');
  let explained: { Plan: PlanNode; JIT?: unknown } | undefined;
  await expect(
    t.db.transaction(async (tx) => {
      await tx.execute(CLAIM_PLANNING);
      const [row] = rowsOf<Record<string, unknown>>(await tx.execute(sql`explain (analyze, format json) ${statement}`));
      const value = Object.values(row!)[0];
      explained = (typeof value === 'string' ? JSON.parse(value) : value)[0];
      throw rolledBack;
    }),
  ).rejects.toBe(rolledBack);
  return explained!;
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

  it('claims its batch from the due index, not the whole backlog, however stale the statistics', async () => {
    // The statistics describe the outbox before the backlog (an SMTP outage, a burst of deadlines).
    await t.db.execute(sql`analyze ${outbox}`);
    const ids = await seedOutbox(2_000, 'stale');
    try {
      const now = t.clock.now().toISOString();
      const explained = await explainClaim(claimOutboxStatement(now, now, 50));
      const locks = planNodes(explained.Plan).filter((node) => node['Node Type'] === 'LockRows');
      // The lease-expired claim and the due one, each locking what it reads.
      expect(locks).toHaveLength(2);
      for (const lock of locks) expect(planNodes(lock).map((node) => node['Node Type'])).not.toContain('Sort');
      const scans = locks.flatMap((lock) => planNodes(lock).filter((node) => node['Relation Name'] === 'outbox'));
      // The due rows come in the index's order and the scan stops at the batch; no scan under a
      // lock reads more (a bitmap scan read all 2,000 due rows, and a sort ordered them).
      expect(scans).toContainEqual(expect.objectContaining({ 'Node Type': 'Index Scan', 'Index Name': 'outbox_status_next_idx', 'Actual Rows': 50 }));
      expect(Math.max(...scans.map((scan) => scan['Actual Rows'] ?? 0))).toBe(50);
      // The claimed rows are then found by key: nothing on the update's side reads more than the
      // batch (with `id in (...)` and stale statistics the planner could go through the whole
      // outbox and look each row up among the claimed: bench/README.md, the fourteenth pass).
      const updated = foundAgain(explained.Plan, locks, 'outbox');
      expect(updated.map((node) => node['Index Name'])).toContain('outbox_pkey');
      for (const node of updated) expect((node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1)).toBeLessThanOrEqual(50);
      expect(explained).not.toHaveProperty('JIT');
      // And the dispatcher claims under those settings, in the claim's own transaction.
      const counter = statementCounter(t.db);
      const sent: string[] = [];
      const { statements } = await counter.during(() =>
        dispatchDue(t.db, { kind: 'file', send: async (mail) => void sent.push(mail.messageId), close: async () => {} }, { now: t.clock.now(), from: FROM, batch: 5 }),
      );
      const claim = statements.findIndex((statement) => statement.includes("status = 'sending'"));
      expect(claim).toBeGreaterThan(0);
      expect(statements[claim - 1]).toContain("set_config('enable_sort', 'off', true)");
      expect(sent).toHaveLength(5);
    } finally {
      await t.db.delete(outbox).where(inArray(outbox.id, ids));
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

  /** `count` due alerts for `org`, one second apart, on one participant. */
  async function seedDue(count: number, tag: string, now: Date) {
    const { participants } = await import('../db/schema.js');
    const [person] = await t.db
      .insert(participants)
      .values({
        id: randomUUID(),
        referenceCode: `P-${tag.toUpperCase()}-0001`,
        ownerOrganisationId: org.id,
        region: org.region,
        identity: {},
        version: 1,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const rows = Array.from({ length: count }, (_, index) => ({
      id: randomUUID(),
      caseId: null,
      participantId: person!.id,
      rule: 'possible_duplicate',
      kind: 'alert',
      dueAt: new Date(now.getTime() - index * 1000),
      concerns: [org.id],
      status: 'open',
      dedupeKey: `${tag}:${index}`,
      createdAt: now,
      updatedAt: now,
    }));
    await t.db.insert(deadlines).values(rows);
    return rows;
  }

  /** Per seeded deadline: its status, and how many notices and messages it has. */
  async function stateOf(rows: { id: string }[]) {
    return rowsOf<{ status: string; notices: number; messages: number }>(
      await t.db.execute(sql`
        select d.status,
               (select count(*)::int from ${notifications} n where n.deadline_id = d.id) as notices,
               (select count(*)::int from ${outbox} o where o.deadline_id = d.id) as messages
        from ${deadlines} d where d.id in ${rows.map((row) => row.id)}`),
    );
  }

  it('two instances ticking at once create each message once', async () => {
    const now = t.clock.now();
    const rows = await seedDue(300, 'tick-test', now);
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

  it('materialises batches in concurrent transactions, each row once, fired exactly with its messages', async () => {
    const now = t.clock.now();
    const rows = await seedDue(95, 'lanes', now);
    let open = 0;
    let most = 0;
    const counting = new Proxy(t.db, {
      get(target, property, receiver) {
        if (property !== 'transaction') return Reflect.get(target, property, receiver) as unknown;
        return async (...args: Parameters<typeof target.transaction>) => {
          open += 1;
          most = Math.max(most, open);
          try {
            return await target.transaction(...args);
          } finally {
            open -= 1;
          }
        };
      },
    });
    expect(await materialiseDue(counting, { now, publicUrl: 'https://a.test', batch: 10, lanes: 3 })).toBe(95);
    expect(most).toBe(3);
    const states = await stateOf(rows);
    expect(states).toHaveLength(95);
    expect(states.every((row) => row.status === 'fired' && row.notices === 1 && row.messages === 1)).toBe(true);
    // Both rows of one deadline carry exactly what the template renders, in the columns it belongs in.
    const first = rows[0]!;
    const rendered = renderMessage(
      { rule: first.rule, protocol: null, kind: 'alert', reference: 'P-LANES-0001', dueAt: first.dueAt, timeZone: org.timeZone, link: 'https://a.test/app' },
      org.locale,
    );
    const [notice] = await t.db.select().from(notifications).where(eq(notifications.deadlineId, first.id));
    expect(notice).toEqual({
      id: expect.any(String),
      dedupeKey: `${first.id}:${org.id}`,
      organisationId: org.id,
      deadlineId: first.id,
      caseId: null,
      rule: first.rule,
      kind: 'alert',
      participantReference: 'P-LANES-0001',
      subject: rendered.subject,
      text: rendered.text,
      link: 'https://a.test/app',
      createdAt: now,
      readAt: null,
      readBySub: null,
    });
    const [message] = await t.db.select().from(outbox).where(eq(outbox.deadlineId, first.id));
    expect(message).toEqual({
      id: expect.any(String),
      dedupeKey: `${first.id}:${org.id}`,
      deadlineId: first.id,
      organisationId: org.id,
      rule: first.rule,
      locale: rendered.locale,
      toAddresses: org.notificationEmails,
      subject: rendered.subject,
      text: rendered.text,
      messageId: messageIdFor(first.id, org.id),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      leaseUntil: null,
      lastError: null,
      createdAt: now,
      sentAt: null,
      updatedAt: now,
    });
    expect(message!.id).not.toBe(notice!.id);
  });

  it('a failing batch fires none of its rows; the other lanes finish theirs and the error is thrown', async () => {
    const now = t.clock.now();
    const rows = await seedDue(60, 'lane-fault', now);
    let started = 0;
    let failed = false;
    let startedAfterFailure = 0;
    const failing = new Proxy(t.db, {
      get(target, property, receiver) {
        if (property !== 'transaction') return Reflect.get(target, property, receiver) as unknown;
        // The second transaction claims and fires its rows, then fails before it commits.
        return (run: Parameters<typeof target.transaction>[0]) => {
          if (failed) startedAfterFailure += 1;
          const mine = ++started;
          const transaction = target.transaction(async (tx) => {
            const result = await run(tx);
            if (mine === 2) throw new Error('batch failed');
            return result;
          });
          // Seen before the lane sees it (handlers run in the order they were attached).
          if (mine === 2) transaction.catch(() => (failed = true));
          return transaction;
        };
      },
    });
    await expect(materialiseDue(failing, { now, publicUrl: 'https://a.test', batch: 10, lanes: 2 })).rejects.toThrow('batch failed');
    const states = await stateOf(rows);
    const fired = states.filter((row) => row.status === 'fired');
    // Fired rows have their notice and message; the failed batch's rows have neither and are open again.
    expect(fired.every((row) => row.notices === 1 && row.messages === 1)).toBe(true);
    expect(states.filter((row) => row.status === 'open').every((row) => row.notices === 0 && row.messages === 0)).toBe(true);
    expect(fired.length).toBeGreaterThanOrEqual(10);
    expect(fired.length).toBeLessThan(60);
    // No lane went on after the failure: the other lane finished the batch it held and started none after.
    expect(failed).toBe(true);
    expect(startedAfterFailure).toBe(0);
    // The next tick makes the rest.
    expect(await materialiseDue(t.db, { now, publicUrl: 'https://a.test', batch: 10 })).toBe(60 - fired.length);
    expect((await stateOf(rows)).every((row) => row.status === 'fired' && row.notices === 1 && row.messages === 1)).toBe(true);
  });
  it('a claim reads its batch from the due index, not the whole backlog, however stale the statistics', async () => {
    const now = t.clock.now();
    // The statistics describe the table before the backlog (as after an outage or a bulk import,
    // with autovacuum off or not yet round): they say nothing is open.
    await t.db.execute(sql`analyze ${deadlines}`);
    const rows = await seedDue(2_000, 'backlog', now);
    const explained = await explainClaim(claimDueStatement(now.toISOString(), 50));
    const lock = planNodes(explained.Plan).find((node) => node['Node Type'] === 'LockRows');
    expect(lock).toBeDefined();
    const below = planNodes(lock!).slice(1);
    // The rows come in the index's order: nothing below the lock sorts them.
    expect(below.map((node) => node['Node Type'])).not.toContain('Sort');
    const scan = below.find((node) => node['Relation Name'] === 'deadlines');
    expect(scan).toMatchObject({ 'Node Type': 'Index Scan', 'Index Name': 'deadlines_status_due_idx' });
    // It read the batch, not the 2,000 due rows (the bitmap scan and sort it replaced read them all).
    expect(scan!['Actual Rows']).toBe(50);
    // The claimed rows are then marked fired by key: nothing on the update's side reads more than
    // the batch (joined to the claimed ids, the planner could read the whole table for each batch).
    const updated = foundAgain(explained.Plan, [lock!], 'deadlines');
    expect(updated.map((node) => node['Index Name'])).toContain('deadlines_pkey');
    for (const node of updated) expect((node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1)).toBeLessThanOrEqual(50);
    expect(explained).not.toHaveProperty('JIT');
    // Rolled back: the backlog is still open, and a tick fires all of it.
    expect((await stateOf(rows)).every((row) => row.status === 'open' && row.notices === 0)).toBe(true);
    expect(await materialiseDue(t.db, { now, publicUrl: 'https://a.test' })).toBe(2_000);
  });
});
