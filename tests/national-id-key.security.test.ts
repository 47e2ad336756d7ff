import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/client.js';
import { deadlines, serviceSecrets } from '../db/schema.js';
import type { Actor } from '../src/auth/authenticator.js';
import { ensureAuditChains } from '../src/audit/audit.js';
import { OperatorError } from '../src/logger.js';
import { createOrganisation } from '../src/organisations/service.js';
import { loadNationalIdKey } from '../src/participants/national-id-key.js';
import { nationalIdDigest, registerParticipant } from '../src/participants/service.js';
import { createTestContext, TEST_NOW, type TestContext } from './helpers/context.js';
import { createRegion, type Region } from './helpers/region.js';
import { openTestDatabase } from './helpers/test-database.js';

/**
 * The national id's HMAC key lives outside the database (NATIONAL_ID_KEY_FILE), so a copy of
 * the database cannot test a guessed national id against the digests. A database from before
 * keeps matching: its key moves to the file.
 */
let t: TestContext;
let r: Region;
const dirs: string[] = [];
const handles: DatabaseHandle[] = [];
beforeAll(async () => {
  t = await createTestContext();
  r = await createRegion(t);
});
afterAll(async () => {
  await Promise.all(handles.map((handle) => handle.close()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  await t.close();
});

const now = new Date(TEST_NOW);
function keyFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cadap-nid-test-'));
  dirs.push(dir);
  return path.join(dir, 'auth', 'national-id.key');
}

/** A database of its own with a prison and the region's coordinator, and registration through the service. */
async function world() {
  const database = await openTestDatabase();
  handles.push(database);
  await ensureAuditChains(database.db, now);
  const setup: Actor = {
    sub: 'setup',
    name: undefined,
    organisation: { id: '00000000-0000-0000-0000-000000000000', kind: 'coordinator', name: 'setup', country: 'KZ', region: 'KZ-PAV' },
    roles: ['admin'],
    expiresAt: new Date('2100-01-01'),
  };
  const prison = await createOrganisation(database.db, setup, { kind: 'prison', name: 'Key prison', country: 'KZ', region: 'KZ-PAV', notificationEmails: ['p@example.org'] }, now);
  await createOrganisation(database.db, setup, { kind: 'coordinator', name: 'Key coordinator', country: 'KZ', region: 'KZ-PAV', notificationEmails: ['c@example.org'] }, now);
  const actor: Actor = {
    sub: 'staff',
    name: undefined,
    organisation: { id: prison.id, kind: 'prison', name: prison.name, country: 'KZ', region: 'KZ-PAV' },
    roles: ['prison_staff'],
    expiresAt: new Date('2100-01-01'),
  };
  // The prison registers several people; each time it says the earlier ones are someone else
  // (else its own earlier record is a possible duplicate, 409): the coordinator is still told.
  const registered: string[] = [];
  const register = async (key: Buffer, nationalId: string) => {
    const person = await registerParticipant(database.db, { actor, now, requestId: 'key-test' }, key, {
      identity: { firstName: 'Key', lastName: 'Person', dateOfBirth: '1980-01-01', nationalId },
      notDuplicateOf: [...registered],
    });
    registered.push(person.id);
    const flagged = await database.db
      .select()
      .from(deadlines)
      .where(and(eq(deadlines.participantId, person.id), eq(deadlines.rule, 'possible_duplicate')));
    return flagged.length > 0;
  };
  return { db: database.db, register };
}

describe('the national id key', () => {
  it('is not in the database once the service runs; duplicate detection works through the API', async () => {
    const body = { identity: { firstName: 'Keyed', lastName: 'Twice', dateOfBirth: '1981-01-01', nationalId: '810101-KEY' } };
    expect((await t.request('POST', '/participants', { token: r.tokens.prison, body })).status).toBe(201);
    const second = await t.request('POST', '/participants', { token: r.tokens.probation, body: { identity: { ...body.identity, nationalId: '810101key' } } });
    expect(second.status).toBe(201);
    const alerts = await t.db
      .select()
      .from(deadlines)
      .where(and(eq(deadlines.participantId, second.json.id), eq(deadlines.rule, 'possible_duplicate')));
    expect(alerts).toHaveLength(1);
    const key = fs.readFileSync(t.nationalIdKeyFile, 'utf8').trim();
    expect(fs.statSync(t.nationalIdKeyFile).mode & 0o077).toBe(0);
    const secrets = await t.db.select().from(serviceSecrets);
    expect(secrets.map((row) => row.name)).toEqual(['national_id_key_check']);
    expect(secrets.map((row) => row.value)).not.toContain(key);
  });

  it('an existing database with the old key in it keeps matching: the key moves to the file and out of the database', async () => {
    const { db, register } = await world();
    const oldKey = randomBytes(32);
    await db.insert(serviceSecrets).values({ name: 'national_id_hmac', value: oldKey.toString('base64'), createdAt: now });
    expect(await register(oldKey, 'AB-123456')).toBe(false);

    const file = keyFile();
    const key = await loadNationalIdKey(db, file, now);
    expect(key.equals(oldKey)).toBe(true);
    expect(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64').equals(oldKey)).toBe(true);
    const secrets = await db.select().from(serviceSecrets);
    expect(secrets.map((row) => row.name)).toEqual(['national_id_key_check']);
    expect(secrets.map((row) => row.value)).not.toContain(oldKey.toString('base64'));
    // The digest made with the old key is matched by a registration made with the file's key.
    expect(await register(key, 'ab 123456')).toBe(true);

    // A restart reads the same key from the file: duplicates are still found.
    const restarted = await loadNationalIdKey(db, file, now);
    expect(restarted.equals(oldKey)).toBe(true);
    expect(await register(restarted, 'AB123456')).toBe(true);
    expect(nationalIdDigest(restarted, 'AB-123456')).toBe(nationalIdDigest(oldKey, 'ab123456'));
  });

  it('a start without the key file, or with another key, is refused rather than losing duplicate detection', async () => {
    const { db, register } = await world();
    const file = keyFile();
    const key = await loadNationalIdKey(db, file, now);
    await register(key, 'CD-987');
    await expect(loadNationalIdKey(db, keyFile(), now)).rejects.toThrow(OperatorError);
    const other = keyFile();
    fs.mkdirSync(path.dirname(other), { recursive: true });
    fs.writeFileSync(other, randomBytes(32).toString('base64'));
    await expect(loadNationalIdKey(db, other, now)).rejects.toThrow(/different key/);
    expect((await loadNationalIdKey(db, file, now)).equals(key)).toBe(true);
  });

  it('two instances starting together on a fresh database and a shared file get one key', async () => {
    const { db } = await world();
    const file = keyFile();
    const [a, b] = await Promise.all([loadNationalIdKey(db, file, now), loadNationalIdKey(db, file, now)]);
    expect(a.equals(b)).toBe(true);
    expect(await db.select().from(serviceSecrets)).toHaveLength(1);
  });
});
