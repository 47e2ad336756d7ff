/**
 * Small-cell suppression for published tables. Primary: a count from 1 to k−1 is suppressed
 * (zero reveals no one and is shown). Complementary: within a row of siblings that adds up to
 * a published total, suppressed cells must be at least two and add up to at least
 * max(k, n+1), so that neither subtraction from the total nor the knowledge that each
 * suppressed cell is at least 1 pins any of them down; if that cannot be reached, the total is
 * suppressed too. A total below k is itself a small cell.
 */
export const MIN_THRESHOLD = 3;

export type SuppressedRow = { cells: (number | null)[]; total: number | null };

export function suppressRow(cells: readonly number[], threshold: number): SuppressedRow {
  const k = Math.max(threshold, MIN_THRESHOLD);
  const total = cells.reduce((sum, cell) => sum + cell, 0);
  const hidden = new Set<number>();
  cells.forEach((cell, index) => {
    if (cell >= 1 && cell < k) hidden.add(index);
  });
  let totalHidden = total >= 1 && total < k;
  const hiddenSum = () => [...hidden].reduce((sum, index) => sum + cells[index]!, 0);
  while (!totalHidden && hidden.size > 0 && (hidden.size < 2 || hiddenSum() < Math.max(k, hidden.size + 1))) {
    // The smallest non-zero cell still shown becomes a complementary suppression.
    let next = -1;
    cells.forEach((cell, index) => {
      if (!hidden.has(index) && cell > 0 && (next === -1 || cell < cells[next]!)) next = index;
    });
    if (next === -1) {
      totalHidden = true;
      break;
    }
    hidden.add(next);
  }
  return { cells: cells.map((cell, index) => (hidden.has(index) ? null : cell)), total: totalHidden ? null : total };
}
