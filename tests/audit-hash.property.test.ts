import fc from 'fast-check';
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../db/schema.js';
import { auditHash, auditedTransaction, recordAudit, type AuditEntry } from '../src/audit/audit.js';
import type { Actor } from '../src/auth/authenticator.js';
import { DATA_CLASSES, ROLES } from '../src/domain.js';
import { verifyAuditTrail } from '../src/audit/verify.js';
import { createTestContext, type TestContext } from './helpers/context.js';

/**
 * PostgreSQL hashes the audit rows as it appends them (`appendStatement`, one statement for the
 * head's lock, the rows and the new head); the verifier hashes them again in Node (`auditHash`).
 * Any content the service may record (quotes, backslashes, line breaks, Cyrillic and Turkic
 * letters, emoji, nulls and empty lists, several rows in one batch, in a transaction or group
 * committed outside one) must give the same bytes on both sides, or a sound trail would read as
 * edited.
 */
let t: TestContext;

beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

// Text as PostgreSQL's `text` can hold it: any code point but NUL and unpaired surrogates.
const text = fc
  .string({
    unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\t', 'Қ', 'ғ', 'Ө', 'ж', '😀', '\u2028', '\u007f', '/', '<'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })),
    maxLength: 24,
  })
  .map((value) => value.replaceAll('\u0000', ''));
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

const entry = fc.record({
  sub: text.filter((value) => value.length > 0),
  roles: fc.subarray([...ROLES]),
  action: text.filter((value) => value.length > 0),
  subjectType: text.filter((value) => value.length > 0),
  subjectId: maybe(text),
  participantId: maybe(fc.uuid()),
  dataClasses: fc.subarray([...DATA_CLASSES]),
  purpose: maybe(text),
  basis: maybe(text),
  requestId: maybe(text),
  denied: fc.boolean(),
  at: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
});

function toEntry(value: typeof entry extends fc.Arbitrary<infer V> ? V : never): AuditEntry {
  const actor: Actor = {
    sub: value.sub,
    name: undefined,
    organisation: { id: '6f1d2c3b-4a5e-4f60-8172-839a4b5c6d7e', kind: 'ngo', name: 'x', country: 'KZ', region: 'r' },
    roles: value.roles,
    expiresAt: new Date('2100-01-01T00:00:00Z'),
  };
  return {
    actor,
    action: value.action,
    subjectType: value.subjectType,
    subjectId: value.subjectId,
    participantId: value.participantId,
    dataClasses: value.dataClasses,
    purpose: value.purpose,
    basis: value.basis,
    requestId: value.requestId,
    outcome: value.denied ? 'denied' : 'success',
    at: value.at,
  };
}

describe('audit rows hashed by PostgreSQL', () => {
  it('hash to what the verifier computes, one by one, in batches and in transactions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 12 }), fc.boolean(), async (values, inTransaction) => {
        const entries = values.map(toEntry);
        if (inTransaction) await auditedTransaction(t.db, async (tx) => Promise.all(entries.map((one) => recordAudit(tx, one))));
        // Outside a transaction the entries wait together: the first alone, the rest as one batch.
        else await Promise.all(entries.map((one) => recordAudit(t.db, one)));
      }),
      { numRuns: 40 },
    );
    const rows = await t.db.select().from(auditEvents).orderBy(asc(auditEvents.chain), asc(auditEvents.position));
    expect(rows.length).toBeGreaterThan(40);
    for (const row of rows) expect(auditHash(row.prevHash, row), `${row.chain}:${row.position}`).toBe(row.hash);
    const report = await verifyAuditTrail(t.db, t.auditSigner, t.clock.now());
    expect(report.ok, JSON.stringify(report.chains.filter((chain) => !chain.ok))).toBe(true);
  });
});
