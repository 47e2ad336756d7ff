import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The pattern `isUuid` applies, as text: PostgreSQL's case-insensitive match (`~*`) reads it alike. */
export const UUID_PATTERN = UUID.source;

/** Whether a string is a UUID in its canonical text form: checked before it reaches a uuid column, where PostgreSQL would refuse it with an error rather than match nothing. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Random bytes for `timeOrderedUuid`, taken from the system's generator 4 kB at a time. */
const pool = { bytes: new Uint8Array(0), at: 0 };
function randomBytes16(): Uint8Array {
  if (pool.at + 16 > pool.bytes.length) {
    pool.bytes = randomFillSync(new Uint8Array(4096));
    pool.at = 0;
  }
  pool.at += 16;
  return pool.bytes.subarray(pool.at - 16, pool.at);
}

/** The last id's millisecond and counter: ids made in one millisecond count up from a random start, as `uuid`'s own v7 does. */
const clock = { msecs: -Infinity, seq: 0 };

/**
 * A UUID version 7 (time-ordered; RFC 9562), each later than the one before in this process. Rows
 * keyed by them add to the end of their primary key's index instead of a random page of it.
 * `uuid`'s `v7()` asks the system for 16 random bytes per id (a system call: 5 µs per id on this
 * project's machines, 200,000 of them in a 100,000-deadline tick); this takes them from a pool.
 */
export function timeOrderedUuid(): string {
  const random = randomBytes16();
  const now = Date.now();
  if (now > clock.msecs) {
    clock.msecs = now;
    clock.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    clock.seq = (clock.seq + 1) | 0;
    if (clock.seq === 0) clock.msecs += 1;
  }
  return v7({ msecs: clock.msecs, seq: clock.seq, random });
}
