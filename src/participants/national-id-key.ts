import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { participants, serviceSecrets } from '../../db/schema.js';
import { OperatorError } from '../logger.js';

/** Where releases before this one kept the key: in the database, beside the digests it protects. */
const LEGACY_KEY_ROW = 'national_id_hmac';
/** A check value of the key (an HMAC of a fixed text), not the key: ties the database to one key. */
const KEY_CHECK_ROW = 'national_id_key_check';
/** An arbitrary, fixed advisory lock key: instances starting together take turns here. */
const KEY_LOCK = 7_230_118_432;

/** The digest of a national id, normalised (spaces and hyphens removed, upper case): finds duplicates without a readable copy. */
export function nationalIdDigest(key: Buffer, nationalId: string | undefined | null): string | null {
  if (!nationalId) return null;
  const normalised = nationalId.replace(/[\s-]/g, '').toUpperCase();
  return createHmac('sha256', key).update(normalised).digest('base64url');
}

export function keyCheckValue(key: Buffer): string {
  return createHmac('sha256', key).update('cadap national id key check').digest('base64url');
}

function readKeyFile(file: string): Buffer | undefined {
  if (!fs.existsSync(file)) return undefined;
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new OperatorError(`The national id key file ${file} does not hold a 32-byte key in base64.`);
  return key;
}

/** Writes the key unless the file exists (link is atomic and exclusive); answers what the file holds. */
function writeKeyFileOnce(file: string, key: Buffer): Buffer {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, `${key.toString('base64')}\n`, { mode: 0o600 });
  try {
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  } finally {
    fs.unlinkSync(temporary);
  }
  return readKeyFile(file)!;
}

/**
 * The key that digests national ids for duplicate detection. It lives in a file outside the
 * database (NATIONAL_ID_KEY_FILE, shared by every instance), so a copy of the database alone
 * cannot confirm a guessed national id against the digests. At start, under an advisory lock
 * so instances starting together take turns:
 *
 * - a database from before this release keeps its key in `service_secrets`: it is written to the
 *   file (when the file is missing) and deleted from the database, so old digests keep matching;
 * - a fresh database gets a new random key, created once (an exclusive link: two instances
 *   sharing the file cannot write two different keys);
 * - the database keeps a check value of the key. A start whose file holds another key, or that
 *   has lost the file while the database has digests, is refused: a new key would silently stop
 *   matching every national id registered before.
 */
export async function loadNationalIdKey(db: Database, file: string, now: Date): Promise<Buffer> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEY_LOCK})`);
    const rows = await tx
      .select()
      .from(serviceSecrets)
      .where(inArray(serviceSecrets.name, [LEGACY_KEY_ROW, KEY_CHECK_ROW]));
    const legacy = rows.find((row) => row.name === LEGACY_KEY_ROW);
    const check = rows.find((row) => row.name === KEY_CHECK_ROW);
    const legacyKey = legacy ? Buffer.from(legacy.value, 'base64') : undefined;
    let key = readKeyFile(file);
    if (!key) {
      if (legacyKey) key = writeKeyFileOnce(file, legacyKey);
      else {
        const [digested] = await tx.select({ id: participants.id }).from(participants).where(isNotNull(participants.nationalIdDigest)).limit(1);
        if (check || digested) {
          throw new OperatorError(
            `The national id key file ${file} is missing, but this database holds national id digests made with a key. ` +
              'Restore the file (or point NATIONAL_ID_KEY_FILE at the file the other instances use); a new key would stop duplicate detection for everyone registered so far.',
          );
        }
        key = writeKeyFileOnce(file, randomBytes(32));
      }
    }
    if (legacyKey && !legacyKey.equals(key)) {
      throw new OperatorError(`The national id key file ${file} holds a different key than the one this database used; remove the file to move the database's key into it.`);
    }
    if (check && check.value !== keyCheckValue(key)) {
      throw new OperatorError(`The national id key file ${file} holds a different key than the one this database's digests were made with; use the file the other instances use.`);
    }
    if (!check) await tx.insert(serviceSecrets).values({ name: KEY_CHECK_ROW, value: keyCheckValue(key), createdAt: now });
    if (legacy) await tx.delete(serviceSecrets).where(eq(serviceSecrets.name, LEGACY_KEY_ROW));
    return key;
  });
}
