import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { suppressRow } from './suppression.js';

/**
 * What an attacker knows of a published row: the shown cells, the total if shown, that a
 * suppressed cell is at least 1 (zeros are shown) and that a primary-suppressed cell is below
 * k. From that, no suppressed cell may be pinned down, and no shown cell is below k.
 */
function determinable(row: { cells: (number | null)[]; total: number | null }): number[] {
  if (row.total === null) return [];
  const hidden = row.cells.map((cell, index) => (cell === null ? index : -1)).filter((index) => index >= 0);
  const shownSum = row.cells.reduce<number>((sum, cell) => sum + (cell ?? 0), 0);
  const remainder = row.total - shownSum;
  // One hidden cell is the remainder; several are pinned only if every one must be exactly 1.
  if (hidden.length === 1) return hidden;
  if (hidden.length > 1 && remainder === hidden.length) return hidden;
  return [];
}

describe('small-cell suppression', () => {
  it('no published row lets a small cell be recovered from its total or siblings, and no small count is shown', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 60 })), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 3, max: 10 }),
        (cells, threshold) => {
          const row = suppressRow(cells, threshold);
          const k = Math.max(threshold, 3);
          for (const [index, shown] of row.cells.entries()) {
            if (shown !== null) {
              expect(shown === 0 || shown >= k).toBe(true);
              expect(shown).toBe(cells[index]);
            }
          }
          if (row.total !== null) expect(row.total === 0 || row.total >= k).toBe(true);
          expect(determinable(row)).toEqual([]);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('a threshold below 3 is raised to 3', () => {
    expect(suppressRow([2, 10, 10], 1)).toEqual({ cells: [null, null, 10], total: 22 });
  });

  it('keeps large cells and zeros', () => {
    expect(suppressRow([0, 12, 30], 5)).toEqual({ cells: [0, 12, 30], total: 42 });
    expect(suppressRow([1, 1, 0], 5)).toEqual({ cells: [null, null, 0], total: null });
  });
});
