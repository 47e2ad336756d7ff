import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Raw } from './compute.js';
import { ratioCells } from './ratio.js';
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

/**
 * The `centre-year` table's ratio (money approved per completion): the amounts rest on the people
 * behind them, the completions are a count. Whatever the claims, no amount is shown that rests on
 * fewer than k people, none hidden is the total less the shown ones, the total is shown only on k
 * people or more (each once, though a person may have claims at several centres), and a ratio only
 * on two shown sides.
 */
describe('the ratio’s suppression (centre-year)', () => {
  const claim = fc.record({ centre: fc.integer({ min: 0, max: 7 }), person: fc.integer({ min: 0, max: 25 }), amount: fc.integer({ min: 1, max: 5000 }) });
  it('shows no amount, total or ratio resting on a small number of people, and lets no hidden amount be recovered', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(claim, { maxLength: 40 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 20 })), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 3, max: 10 }),
        (centres, claims, completions, threshold) => {
          const codes = Array.from({ length: centres }, (_, index) => `c${index}`);
          const groupOf = new Map(codes.map((code) => [code, code]));
          const held = claims.filter((each) => each.centre < centres);
          const raw: Raw[] = [
            ...held.map((each) => ({ org: `c${each.centre}`, numerator: each.amount, denominator: null, median: null, person: `p${each.person}`, unit: 'KZT' })),
            ...codes.map((code, index) => ({ org: code, numerator: 0, denominator: completions[index]!, median: null, person: null, unit: null })),
          ];
          const { rows, total } = ratioCells(raw, codes, groupOf, threshold);
          const k = Math.max(threshold, 3);
          const peopleAt = (index: number) => new Set(held.filter((each) => each.centre === index).map((each) => each.person)).size;
          const amountAt = (index: number) => held.filter((each) => each.centre === index).reduce((sum, each) => sum + each.amount, 0);
          const small = (count: number) => count >= 1 && count < k;
          rows.forEach((row, index) => {
            if (row.numerator !== null) {
              expect(small(peopleAt(index))).toBe(false);
              expect(row.numerator).toBe(amountAt(index));
            }
            if (row.denominator !== null) expect(small(completions[index]!)).toBe(false);
            if (row.value !== null) expect(row.value).toBe(Math.round(row.numerator! / row.denominator!));
            expect(row.suppressed).toBe(row.numerator === null || row.denominator === null);
          });
          if (total.numerator !== null) {
            expect(small(new Set(held.map((each) => each.person)).size)).toBe(false);
            // One hidden amount would be the total less the shown ones.
            expect(rows.filter((row) => row.numerator === null).length).not.toBe(1);
          }
          if (total.value !== null) expect(total.numerator !== null && total.denominator !== null).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
