import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './client.js';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Inserts many rows as one JSON parameter (`json_to_recordset`): one statement and one value
 * whatever the batch size. Building a multi-row insert with a parameter per value cost more
 * CPU than the insert itself for the audit trail and the scheduler's batches. Every row must
 * set the same properties (the first row's decide the columns); Dates travel as ISO strings,
 * so timestamps keep their millisecond precision exactly.
 */
export async function insertRecords<T extends PgTable>(
  db: Executor,
  table: T,
  rows: ReadonlyArray<T['$inferInsert']>,
  options: { onConflictDoNothing?: PgColumn } = {},
): Promise<void> {
  if (rows.length === 0) return;
  await db.execute(recordsInsert(table, rows, options));
}

/** `insertRecords`' statement, to run within another (a data-modifying `with`); `rows` is not empty. */
export function recordsInsert<T extends PgTable>(table: T, rows: ReadonlyArray<T['$inferInsert']>, options: { onConflictDoNothing?: PgColumn } = {}): SQL {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const keys = Object.keys(rows[0]!).filter((key) => columns[key]);
  const names = keys.map((key) => columns[key]!.name);
  const records = rows.map((row) =>
    Object.fromEntries(
      keys.map((key) => {
        const value = (row as Record<string, unknown>)[key];
        return [columns[key]!.name, value instanceof Date ? value.toISOString() : (value ?? null)];
      }),
    ),
  );
  const list = sql.raw(names.map(quote).join(', '));
  const shape = sql.raw(keys.map((key) => `${quote(columns[key]!.name)} ${columns[key]!.getSQLType()}`).join(', '));
  const conflict: SQL = options.onConflictDoNothing ? sql` on conflict (${sql.raw(quote(options.onConflictDoNothing.name))}) do nothing` : sql``;
  return sql`insert into ${table} (${list}) select ${list} from json_to_recordset(${JSON.stringify(records)}::json) as r(${shape})${conflict}`;
}
