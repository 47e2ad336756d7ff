import type { Cell, Raw } from './compute.js';
import { MIN_THRESHOLD, suppressRow } from './suppression.js';

/**
 * A ratio's cells (an amount per outcome, such as the money approved per completion): the
 * amount over the count of outcomes, each side suppressed on its own and the ratio with either.
 *
 * The outcomes are a count of people, suppressed as every count is. The amount is not a count,
 * but it rests on the people behind it: a centre's amount is shown only where the count of
 * those people would be (the same primary and complementary suppression over the row, so no
 * hidden amount is the total less the shown ones), and the total only where the people behind
 * it, each once, are no small cell. The people are counted here and never published.
 *
 * The value is the amount per outcome in the amount's unit (a currency's minor units, rounded);
 * none where a cell's amounts are in more than one unit or there is no outcome.
 */
export function ratioCells(raw: readonly Raw[], codes: readonly string[], groupOf: ReadonlyMap<string, string>, threshold: number | null) {
  const amounts = new Map<string, number>();
  const outcomes = new Map<string, number>();
  const people = new Map<string, Set<string>>();
  const units = new Map<string, Set<string>>();
  const everyone = new Set<string>();
  for (const row of raw) {
    const code = groupOf.get(String(row.org));
    if (!code) continue;
    amounts.set(code, (amounts.get(code) ?? 0) + Number(row.numerator));
    if (row.denominator !== null) outcomes.set(code, (outcomes.get(code) ?? 0) + Number(row.denominator));
    if (row.person) {
      people.set(code, (people.get(code) ?? new Set()).add(row.person));
      everyone.add(row.person);
    }
    if (row.unit) units.set(code, (units.get(code) ?? new Set()).add(row.unit));
  }
  const amountCells = codes.map((code) => amounts.get(code) ?? 0);
  const outcomeCells = codes.map((code) => outcomes.get(code) ?? 0);
  const sum = (cells: number[]) => cells.reduce((a, b) => a + b, 0);
  let shownAmounts: { cells: (number | null)[]; total: number | null } = { cells: amountCells, total: sum(amountCells) };
  let shownOutcomes: { cells: (number | null)[]; total: number | null } = { cells: outcomeCells, total: sum(outcomeCells) };
  if (threshold !== null) {
    const k = Math.max(threshold, MIN_THRESHOLD);
    const behind = suppressRow(
      codes.map((code) => people.get(code)?.size ?? 0),
      threshold,
    );
    const smallTotal = everyone.size >= 1 && everyone.size < k;
    shownAmounts = {
      cells: amountCells.map((amount, index) => (behind.cells[index] === null ? null : amount)),
      total: behind.total === null || smallTotal ? null : shownAmounts.total,
    };
    shownOutcomes = suppressRow(outcomeCells, threshold);
  }
  const allUnits = new Set([...units.values()].flatMap((each) => [...each]));
  const cell = (amount: number | null, count: number | null, unitsOf: Set<string> | undefined): Cell => {
    const suppressed = amount === null || count === null;
    const unit = suppressed || !unitsOf || unitsOf.size !== 1 ? null : [...unitsOf][0]!;
    const value = suppressed || count === 0 || (amount !== 0 && unit === null) ? null : Math.round(amount / count);
    return { numerator: amount, denominator: count, value, suppressed, unit };
  };
  return {
    rows: codes.map((code, index) => ({ group: code, ...cell(shownAmounts.cells[index] ?? null, shownOutcomes.cells[index] ?? null, units.get(code)) })),
    total: cell(shownAmounts.total, shownOutcomes.total, allUnits),
  };
}
