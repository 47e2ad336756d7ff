import type { Executor } from '../../db/client.js';
import { rowsOf } from '../../db/migrate.js';
import { organisations } from '../../db/schema.js';
import { INDICATORS, type IndicatorDefinition } from './definitions.js';
import { ratioCells } from './ratio.js';
import { suppressRow } from './suppression.js';

/**
 * The published tables: a fixed set, chosen by table and period, never free filters (a free
 * filter lets one table be subtracted from another to reveal a small cell).
 */
export const TABLES = ['country-quarter', 'region-quarter', 'organisation-year', 'centre-year'] as const;
export type TableId = (typeof TABLES)[number];
/** The coordinator's unsuppressed view of its own region groups by organisation, per quarter. */
type Grouping = TableId | 'organisation-quarter';

export type Period = { label: string; from: string; to: string };

/** The tables by year (period `2026`); the others are by quarter (`2026-Q1`). */
export const isYearTable = (table: TableId) => table === 'organisation-year' || table === 'centre-year';

export function parsePeriod(table: TableId, label: string): Period | null {
  if (isYearTable(table)) {
    const match = /^(\d{4})$/.exec(label);
    if (!match) return null;
    const year = Number(match[1]);
    return { label, from: `${year}-01-01`, to: `${year + 1}-01-01` };
  }
  const match = /^(\d{4})-Q([1-4])$/.exec(label);
  if (!match) return null;
  const year = Number(match[1]);
  const quarter = Number(match[2]);
  const start = `${year}-${String((quarter - 1) * 3 + 1).padStart(2, '0')}-01`;
  const end = quarter === 4 ? `${year + 1}-01-01` : `${year}-${String(quarter * 3 + 1).padStart(2, '0')}-01`;
  return { label, from: start, to: end };
}

export function currentPeriod(table: TableId, now: Date): string {
  const year = now.getUTCFullYear();
  return isYearTable(table) ? String(year) : `${year}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

type Group = { code: string; name: string };
export type Raw = { org: string; numerator: number; denominator: number | null; median: number | null; person?: string | null; unit?: string | null };

/** A cell; a ratio's cell also names the unit (currency) of its amount. */
export type Cell = { numerator: number | null; denominator: number | null; value: number | null; suppressed: boolean; unit?: string | null };
export type IndicatorTable = {
  id: string;
  kind: IndicatorDefinition['kind'];
  title: IndicatorDefinition['title'];
  rows: (Cell & { group: string })[];
  total: Cell;
};
export type PublishedTable = { table: Grouping; period: string; threshold: number | null; groups: Group[]; indicators: IndicatorTable[] };

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const rate = (numerator: number | null, denominator: number | null) =>
  numerator === null || denominator === null || denominator === 0 ? null : Math.round((numerator / denominator) * 1000) / 1000;

/**
 * Computes one published table. With `threshold`, small cells are suppressed (and rates or
 * medians resting on them); without it (a coordinator's own region) every cell is shown.
 * `region` restricts the organisations to one region (the coordinator's detail view).
 */
export async function computeTable(db: Executor, table: Grouping, period: Period, options: { threshold: number | null; region?: string }): Promise<PublishedTable> {
  const orgs = await db
    .select({ id: organisations.id, name: organisations.name, country: organisations.country, region: organisations.region, kind: organisations.kind })
    .from(organisations);
  const byCentre = table === 'centre-year';
  const scoped = orgs.filter((org) => (byCentre ? org.kind === 'treatment_provider' : org.kind !== 'coordinator') && (!options.region || org.region === options.region));
  const groupOf = new Map<string, string>();
  const groups = new Map<string, Group>();
  for (const org of scoped) {
    const group: Group =
      table === 'country-quarter'
        ? { code: org.country, name: org.country }
        : table === 'region-quarter'
          ? { code: org.region, name: org.region }
          : { code: org.id, name: org.name };
    groupOf.set(org.id, group.code);
    groups.set(group.code, group);
  }
  const codes = [...groups.keys()].sort((a, b) => groups.get(a)!.name.localeCompare(groups.get(b)!.name));

  const indicators: IndicatorTable[] = [];
  for (const definition of INDICATORS.filter((indicator) => (indicator.byCentre ?? false) === byCentre)) {
    const raw = rowsOf<Raw>(await db.execute(definition.query(period.from, period.to)));
    if (definition.kind === 'ratio') {
      indicators.push({ id: definition.id, kind: definition.kind, title: definition.title, ...ratioCells(raw, codes, groupOf, options.threshold) });
      continue;
    }
    const numerators = new Map<string, number>();
    const denominators = new Map<string, number>();
    const values = new Map<string, number[]>();
    for (const row of raw) {
      const code = groupOf.get(String(row.org));
      if (!code) continue;
      numerators.set(code, (numerators.get(code) ?? 0) + Number(row.numerator));
      if (row.denominator !== null) denominators.set(code, (denominators.get(code) ?? 0) + Number(row.denominator));
      if (row.median !== null && row.median !== undefined) values.set(code, [...(values.get(code) ?? []), Number(row.median)]);
    }
    const numeratorCells = codes.map((code) => numerators.get(code) ?? 0);
    const denominatorCells = codes.map((code) => denominators.get(code) ?? 0);
    // Occupancy's denominator is capacity (beds × nights), not a count of people: it is not suppressed.
    const capacity = definition.id === 'halfway_house_occupancy';
    const shownNumerators =
      options.threshold === null ? { cells: numeratorCells, total: numeratorCells.reduce((a, b) => a + b, 0) } : suppressRow(numeratorCells, options.threshold);
    const shownDenominators =
      definition.kind !== 'rate' || capacity || options.threshold === null
        ? { cells: denominatorCells, total: denominatorCells.reduce((a, b) => a + b, 0) }
        : suppressRow(denominatorCells, options.threshold);
    const cell = (numerator: number | null, denominator: number | null, allValues: number[]): Cell => {
      const suppressed = numerator === null || (definition.kind === 'rate' && denominator === null);
      const value = suppressed ? null : definition.kind === 'count' ? numerator : definition.kind === 'rate' ? rate(numerator, denominator) : median(allValues);
      return { numerator, denominator: definition.kind === 'rate' ? denominator : null, value, suppressed };
    };
    indicators.push({
      id: definition.id,
      kind: definition.kind,
      title: definition.title,
      rows: codes.map((code, index) => ({ group: code, ...cell(shownNumerators.cells[index] ?? null, shownDenominators.cells[index] ?? null, values.get(code) ?? []) })),
      total: cell(shownNumerators.total, shownDenominators.total, [...values.values()].flat()),
    });
  }
  return { table, period: period.label, threshold: options.threshold, groups: codes.map((code) => groups.get(code)!), indicators };
}

/**
 * The wide CSV: a header row, one row per group and a total row; UTF-8 with a byte-order mark so spreadsheets keep Cyrillic intact.
 * A ratio's column is followed by `<id>_unit`, the currency of its amount.
 */
export function toCsv(published: PublishedTable): string {
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const show = (cell: Cell) => (cell.suppressed ? 'suppressed' : cell.value === null ? '' : String(cell.value));
  const columns = (indicator: IndicatorTable, cell: (indicator: IndicatorTable) => Cell) =>
    indicator.kind === 'ratio' ? [show(cell(indicator)), cell(indicator).unit ?? ''] : [show(cell(indicator))];
  const header = [
    'table',
    'period',
    'group_code',
    'group_name',
    ...published.indicators.flatMap((indicator) => (indicator.kind === 'ratio' ? [indicator.id, `${indicator.id}_unit`] : [indicator.id])),
  ];
  const lines = [header.join(',')];
  published.groups.forEach((group, index) => {
    lines.push(
      [published.table, published.period, group.code, group.name, ...published.indicators.flatMap((indicator) => columns(indicator, (each) => each.rows[index]!))]
        .map(quote)
        .join(','),
    );
  });
  lines.push([published.table, published.period, 'TOTAL', 'Total', ...published.indicators.flatMap((indicator) => columns(indicator, (each) => each.total))].map(quote).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export function definitionsOf() {
  return INDICATORS.map((definition) => ({
    id: definition.id,
    kind: definition.kind,
    title: definition.title,
    numerator: definition.numerator,
    denominator: definition.denominator ?? null,
    period: definition.period,
    attributedTo: definition.attributedTo,
    tables: TABLES.filter((table) => (table === 'centre-year') === (definition.byCentre ?? false)),
  }));
}
