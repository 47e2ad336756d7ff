import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/**
 * Everything the service logs during the test run is kept in one folder, with the personal
 * values the tests seeded; the run's teardown checks that no log line holds one of them or a
 * token (tests/helpers/global-setup.ts).
 */
const PERSONAL_KEYS = new Set([
  'firstName',
  'lastName',
  'patronymic',
  'nationalId',
  'phone',
  'contactPhone',
  'address',
  'releaseAddress',
  'diagnosis',
  'treatment',
  'housing',
  'family',
  'note',
  'referralNote',
  'text',
  'summary',
]);

export function captureFile(kind: 'log' | 'seeded'): string {
  return path.join(inject('logDir'), `${kind}-${process.pid}-${randomBytes(4).toString('hex')}.txt`);
}

/** Collects the personal values in a request body (names, ids, phones, addresses, diagnoses, notes). */
export function personalValues(body: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(body)) for (const item of body) personalValues(item, out);
  else if (body && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) {
      if (typeof value === 'string' && PERSONAL_KEYS.has(key) && value.length >= 5) out.add(value);
      else personalValues(value, out);
    }
  }
  return out;
}

export function appendLines(file: string, lines: Iterable<string>): void {
  const text = [...lines].join('\n');
  if (text) fs.appendFileSync(file, `${text}\n`);
}
