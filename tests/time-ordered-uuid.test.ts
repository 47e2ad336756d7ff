import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { isUuid, timeOrderedUuid } from '../src/uuid.js';

describe('timeOrderedUuid', () => {
  it('makes valid version-7 ids, each later than the one before, past many refills of its random pool', () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, () => timeOrderedUuid());
    const after = Date.now();
    for (const id of ids) {
      expect(validate(id) && isUuid(id)).toBe(true);
      expect(version(id)).toBe(7);
      expect('89ab').toContain(id[19]);
    }
    for (let i = 1; i < ids.length; i += 1) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // The first 48 bits are the millisecond it was made.
    const msecs = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(msecs(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(msecs(ids.at(-1)!)).toBeLessThanOrEqual(after + 1);
  });

  it('draws fresh random bits for every id', () => {
    // The last 40 bits are random alone (the counter ends before them): 5,000 ids share none by chance.
    const tails = new Set(Array.from({ length: 5_000 }, () => timeOrderedUuid().slice(-10)));
    expect(tails.size).toBe(5_000);
  });
});
