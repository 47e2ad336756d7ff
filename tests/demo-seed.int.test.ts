import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseEvents, cases, deadlines } from '../db/schema.js';
import { seedDemo } from '../src/demo/seed.js';
import { loadNationalIdKey } from '../src/participants/national-id-key.js';
import { openTestDatabase } from './helpers/test-database.js';

/** The demo seed (README, "Try it"): every protocol's case it promises, walked through the real services. */
let database: Awaited<ReturnType<typeof openTestDatabase>>;
let keyDir: string;
const NOW = new Date('2026-03-02T06:00:00Z');

beforeAll(async () => {
  database = await openTestDatabase();
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-demo-'));
  await seedDemo(database.db, NOW, await loadNationalIdKey(database.db, path.join(keyDir, 'national-id.key'), NOW));
});
afterAll(async () => {
  await database.close();
  fs.rmSync(keyDir, { recursive: true, force: true });
});

describe('the demo seed', () => {
  it('holds a rehabilitation certificate in progress: the person admitted, one claim waiting for the coordinator', async () => {
    const [certificate] = await database.db.select().from(cases).where(eq(cases.protocol, 'rehabilitation-certificate'));
    expect(certificate).toMatchObject({ state: 'in_rehabilitation', closedAt: null });
    expect(certificate!.data).toMatchObject({
      certificate: { number: 'DEMO-RC-001', value: 45_000_000, currency: 'KZT', approved: 0, pending: 7_500_000, remaining: 37_500_000 },
      claims: [expect.objectContaining({ status: 'pending', amount: 7_500_000 })],
    });
    const events = await database.db.select({ type: caseEvents.type }).from(caseEvents).where(eq(caseEvents.caseId, certificate!.id));
    expect(events.map((event) => event.type)).toContain('CENTRE_CHOSEN');
    const rules = (await database.db.select().from(deadlines).where(eq(deadlines.caseId, certificate!.id))).map((row) => row.rule);
    expect(rules).toEqual(expect.arrayContaining(['claim_undecided', 'certificate_ending', 'certificate_expires']));
  });
});
