/**
 * The row count of every table of a database (every schema but PostgreSQL's own), counted on a
 * backup's snapshot and again on the restored copy: the two must be equal, table by table.
 */
export type RawQuery = (text: string) => Promise<readonly Record<string, unknown>[]>;

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

const TABLES = `select n.nspname as schema_name, c.relname as table_name from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
 order by 1, 2`;

export async function countTableRows(query: RawQuery): Promise<Record<string, number>> {
  const tables = (await query(TABLES)).map((row) => ({ schema: String(row.schema_name), table: String(row.table_name) }));
  if (tables.length === 0) return {};
  const counts = await query(
    tables.map(({ schema, table }) => `select ${literal(`${schema}.${table}`)} as name, count(*)::text as n from ${quote(schema)}.${quote(table)}`).join(' union all '),
  );
  return Object.fromEntries(counts.map((row) => [String(row.name), Number(row.n)]));
}

/** Tables whose counts differ (or that only one side has), as `schema.table: backup → restored` lines. */
export function countDifferences(expected: Record<string, number>, actual: Record<string, number>): string[] {
  const names = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return names.filter((name) => expected[name] !== actual[name]).map((name) => `${name}: ${expected[name] ?? 'absent'} in the backup, ${actual[name] ?? 'absent'} restored`);
}

export function totalRows(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, rows) => sum + rows, 0);
}
