import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditChains, auditEvents } from '../db/schema.js';
import { auditHash, GENESIS_HASH, recordAudit, type AuditRowContent } from '../src/audit/audit.js';
import { verifyAuditTrail, writeCheckpoints } from '../src/audit/verify.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { onPostgres } from './helpers/test-database.js';

/**
 * Tamper tests on chains of 10,000 rows: an edited byte, a deleted row and a truncated tail
 * are each found at the exact row; the trail refuses UPDATE, DELETE and TRUNCATE, for the
 * application role by privilege and for everyone by trigger.
 */
let t: TestContext;
const ROWS = 10_000;

/** Appends `count` well-formed rows to a chain, computing the hashes as the service does. */
async function buildChain(chain: string, count: number) {
  let previous = GENESIS_HASH;
  const at = new Date('2026-03-01T00:00:00Z');
  for (let start = 1; start <= count; start += 1000) {
    const batch = [];
    for (let position = start; position < Math.min(start + 1000, count + 1); position += 1) {
      const content: AuditRowContent = {
        chain,
        position,
        at: new Date(at.getTime() + position * 1000),
        actorSub: `user-${position % 17}`,
        organisationId: null,
        roles: ['prison_staff'],
        action: position % 3 === 0 ? 'participant.read' : 'case.read',
        subjectType: 'case',
        subjectId: `subject-${position}`,
        participantId: null,
        dataClasses: ['identity'],
        purpose: null,
        basis: 'party',
        requestId: `req-${chain}-${position}`,
        outcome: 'success',
      };
      const hash = auditHash(previous, content);
      batch.push({ ...content, prevHash: previous, hash });
      previous = hash;
    }
    await t.db.insert(auditEvents).values(batch);
  }
  await t.db.insert(auditChains).values({ chain, position: count, headHash: previous, updatedAt: at });
}

/** Tampering needs the triggers out of the way: a superuser's maintenance session, as an attacker with that power would use. */
async function asSuperuserWithoutTriggers(statement: ReturnType<typeof sql>) {
  await t.db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(statement);
  });
}

function reportOf(report: Awaited<ReturnType<typeof verifyAuditTrail>>, chain: string) {
  return report.chains.find((entry) => entry.chain === chain)!;
}

beforeAll(async () => {
  t = await createTestContext();
  for (const chain of ['edit', 'delete', 'truncate']) await buildChain(`tamper-${chain}`, ROWS);
  expect(await writeCheckpoints(t.db, t.auditSigner, t.clock.now())).toBe(3);
}, 120_000);
afterAll(() => t.close());

describe('the hash-chained audit trail', () => {
  it('verifies intact chains of 10,000 rows', async () => {
    const report = await verifyAuditTrail(t.db, t.auditSigner, t.clock.now());
    expect(report.ok).toBe(true);
    expect(report.rows).toBe(3 * ROWS);
    for (const chain of report.chains) expect(chain).toMatchObject({ ok: true, rows: ROWS, lastPosition: ROWS, checkpoints: 1 });
  });

  it('finds one edited byte at its exact row', async () => {
    await asSuperuserWithoutTriggers(sql`update audit_events set actor_sub = 'user-X' where chain = 'tamper-edit' and position = 4321`);
    const chain = reportOf(await verifyAuditTrail(t.db, t.auditSigner, t.clock.now()), 'tamper-edit');
    expect(chain.ok).toBe(false);
    expect(chain.firstBad).toMatchObject({ position: 4321, reason: expect.stringContaining('edited') });
  });

  it('finds a deleted row at its exact position', async () => {
    await asSuperuserWithoutTriggers(sql`delete from audit_events where chain = 'tamper-delete' and position = 777`);
    const chain = reportOf(await verifyAuditTrail(t.db, t.auditSigner, t.clock.now()), 'tamper-delete');
    expect(chain.firstBad).toMatchObject({ position: 777, seq: null, reason: expect.stringContaining('missing') });
  });

  it('finds a truncated tail through the signed checkpoint, even with the head rewritten to match', async () => {
    await asSuperuserWithoutTriggers(sql`delete from audit_events where chain = 'tamper-truncate' and position > 9000`);
    const [last] = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.chain, 'tamper-truncate'))
      .orderBy(sql`position desc`)
      .limit(1);
    await t.db.update(auditChains).set({ position: 9000, headHash: last!.hash }).where(eq(auditChains.chain, 'tamper-truncate'));
    const chain = reportOf(await verifyAuditTrail(t.db, t.auditSigner, t.clock.now()), 'tamper-truncate');
    expect(chain).toMatchObject({ ok: false, lastPosition: 9000, firstBad: { position: 9001, reason: expect.stringContaining('truncated') } });
  });

  it('rejects a checkpoint that was not signed with the service key', async () => {
    const { generateSigner } = await import('../src/audit/signer.js');
    const other = await createTestContext();
    try {
      await recordAudit(other.db, {
        actor: {
          sub: 'x',
          name: undefined,
          organisation: { id: '00000000-0000-4000-8000-000000000001', kind: 'prison', name: 'p', country: 'KZ', region: 'KZ-PAV' },
          roles: ['prison_staff'],
          expiresAt: new Date(),
        },
        action: 'case.read',
        subjectType: 'case',
        requestId: 'r',
        outcome: 'success',
        at: other.clock.now(),
      });
      await writeCheckpoints(other.db, generateSigner(), other.clock.now());
      const report = await verifyAuditTrail(other.db, other.auditSigner, other.clock.now());
      expect(report.ok).toBe(false);
      expect(report.chains.find((chain) => !chain.ok)?.firstBad?.reason).toMatch(/signature/);
    } finally {
      await other.close();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE by trigger, for every role', async () => {
    for (const statement of [sql`update audit_events set outcome = 'denied' where position = 1`, sql`delete from audit_events where position = 1`, sql`truncate audit_events`]) {
      await expect(t.db.execute(statement)).rejects.toThrow();
    }
    const [first] = await t.db.select().from(auditEvents).where(eq(auditEvents.chain, 'tamper-delete')).orderBy(asc(auditEvents.position)).limit(1);
    expect(first?.position).toBe(1);
  });

  it(`the application role has no UPDATE, DELETE or TRUNCATE on the trail (SET ROLE${onPostgres ? ' on PostgreSQL' : ''})`, async () => {
    for (const statement of [sql`update audit_events set outcome = 'denied' where position = 2`, sql`delete from audit_events where position = 2`, sql`truncate audit_events`]) {
      const failure = await t.db
        .transaction(async (tx) => {
          await tx.execute(sql`set local role cadap_app`);
          // The privilege is missing, before any trigger is reached.
          await tx.execute(statement);
        })
        .then(
          () => null,
          (error: unknown) => error as { cause?: { message?: string }; message?: string },
        );
      expect(failure).not.toBeNull();
      expect(String(failure?.cause?.message ?? failure?.message)).toMatch(/permission denied/);
    }
    // The application role may still append and read.
    await t.db.transaction(async (tx) => {
      await tx.execute(sql`set local role cadap_app`);
      const rows = await tx.execute(sql`select count(*) from audit_events`);
      expect(rows).toBeTruthy();
    });
  });
});
