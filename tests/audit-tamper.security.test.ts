import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapPostgres } from '../db/client.js';
import { auditCheckpoints } from '../db/schema.js';
import { auditTamperRisk } from '../src/audit/tamper-risk.js';
import { verifyAuditTrail } from '../src/audit/verify.js';
import { createTestContext, type TestContext } from './helpers/context.js';
import { onPostgres } from './helpers/test-database.js';

/**
 * The audit trail's triggers stop the service's role, not a role that can bypass triggers
 * (a superuser, a role that may set session_replication_role, the owner of the trail's tables).
 * Such a role could delete the rows written since the last signed checkpoint unseen: the service
 * says so at start and in /health/ready, and signs a checkpoint every N rows, not only on the timer.
 */
let t: TestContext;
const EVERY = 5;

beforeAll(async () => {
  t = await createTestContext({ auditCheckpointEveryRows: EVERY });
});
afterAll(() => t.close());

describe('a database role that can bypass the audit triggers', () => {
  it.skipIf(!onPostgres)('is reported at start and in /health/ready when the service runs as a superuser (PostgreSQL)', async () => {
    // The test suite connects as the cluster's superuser, as the README's quick start once did.
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json.databaseRole).toEqual({ canBypassAuditTriggers: true, reasons: expect.arrayContaining(['superuser']), warning: expect.stringContaining('cadap_app') });
    const warnings = t.logger.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.level === 'warn' && String(entry.msg).includes('bypass the audit trail'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.reasons)).toContain('superuser');
  });

  it.skipIf(!onPostgres)('is not reported for a login role that is a member of cadap_app (PostgreSQL)', async () => {
    const role = `cadap_test_${randomBytes(4).toString('hex')}`;
    const url = t.database.url!;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE ROLE ${role} LOGIN IN ROLE cadap_app`);
      await admin.unsafe(`ALTER ROLE ${role} SET role = 'cadap_app'`);
      const restrictedUrl = new URL(url);
      restrictedUrl.username = role;
      const handle = wrapPostgres(postgres(restrictedUrl.toString(), { max: 1, onnotice: () => {} }), restrictedUrl.toString());
      try {
        expect(await auditTamperRisk(handle)).toEqual({ canBypassAuditTriggers: false, reasons: [] });
      } finally {
        await handle.close();
      }
      // The owner of the trail's tables can disable their triggers: named as such.
      await admin.unsafe(`CREATE ROLE ${role}_owner LOGIN`);
      await admin.unsafe(`ALTER TABLE audit_events OWNER TO ${role}_owner`);
      const ownerUrl = new URL(url);
      ownerUrl.username = `${role}_owner`;
      const owner = wrapPostgres(postgres(ownerUrl.toString(), { max: 1, onnotice: () => {} }), ownerUrl.toString());
      try {
        expect(await auditTamperRisk(owner)).toEqual({ canBypassAuditTriggers: true, reasons: ['owns the audit trail'] });
      } finally {
        await owner.close();
        await admin.unsafe(`ALTER TABLE audit_events OWNER TO CURRENT_USER`);
      }
    } finally {
      await admin.unsafe(`DROP ROLE IF EXISTS ${role}`);
      await admin.unsafe(`DROP ROLE IF EXISTS ${role}_owner`);
      await admin.end();
    }
  });

  it.skipIf(onPostgres)('is not reported on the embedded database, where there is no role boundary to report (PGlite)', async () => {
    // PGlite's only user is a superuser by nature and whoever can reach the database can also
    // reach its files: the signed checkpoints, not a role, are the protection there.
    expect(await auditTamperRisk(t.database)).toBeUndefined();
    const ready = await t.request('GET', '/health/ready');
    expect(ready.json.databaseRole).toBeUndefined();
  });
});

describe('checkpoints by row count', () => {
  it(`signs a checkpoint once ${EVERY} audit rows are written, without the timer`, async () => {
    const before = await t.count(auditCheckpoints);
    const coordinator = await t.organisation('coordinator', { region: 'KZ-AKM' });
    const token = await t.tokenFor(coordinator, 'coordinator');
    // Each audit read is one audit row; the fifth crosses the threshold.
    for (let n = 0; n < EVERY - 1; n += 1) expect((await t.request('GET', '/audit?limit=1', { token })).status).toBe(200);
    expect(await t.count(auditCheckpoints)).toBe(before);
    expect((await t.request('GET', '/audit?limit=1', { token })).status).toBe(200);
    expect(await t.count(auditCheckpoints)).toBeGreaterThan(before);
    const report = await verifyAuditTrail(t.db, t.auditSigner, t.clock.now());
    expect(report.ok).toBe(true);
    expect(report.chains.reduce((sum, chain) => sum + chain.checkpoints, 0)).toBeGreaterThan(0);
  });

  it(`counts rows written inside a transaction too: ${EVERY} registrations sign a checkpoint`, async () => {
    const prison = await t.organisation('prison', { region: 'KZ-AKM' });
    const token = await t.tokenFor(prison, 'prison_staff');
    // Reads until one signs a checkpoint: the count starts again from nought after it.
    const coordinator = await t.tokenFor(await t.organisation('coordinator', { region: 'KZ-KAR' }), 'coordinator');
    const start = await t.count(auditCheckpoints);
    for (let n = 0; n < EVERY && (await t.count(auditCheckpoints)) === start; n += 1) {
      expect((await t.request('GET', '/audit?limit=1', { token: coordinator })).status).toBe(200);
    }
    const before = await t.count(auditCheckpoints);
    expect(before).toBeGreaterThan(start);
    // A registration's one audit row is appended in the registration's transaction.
    for (let n = 0; n < EVERY - 1; n += 1) {
      const response = await t.request('POST', '/participants', { token, body: { identity: { firstName: 'Row', lastName: `Counted${'abcde'[n]}`, dateOfBirth: '1990-01-01' } } });
      expect(response.status, response.text).toBe(201);
    }
    expect(await t.count(auditCheckpoints)).toBe(before);
    const last = await t.request('POST', '/participants', { token, body: { identity: { firstName: 'Row', lastName: 'Countedf', dateOfBirth: '1990-01-01' } } });
    expect(last.status, last.text).toBe(201);
    expect(await t.count(auditCheckpoints)).toBeGreaterThan(before);
  });
});
