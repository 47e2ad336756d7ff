import { sql, type SQL } from 'drizzle-orm';

/** A PostgreSQL type an array of values can carry; a `jsonb` field travels as text and is cast back. */
export type FieldType = 'uuid' | 'text' | 'jsonb';

/**
 * Many rows as one select, `unnest` over one array parameter per field: one statement and one
 * value per field whatever the batch size, to read from in an insert (a data-modifying `with`).
 * PostgreSQL reads arrays of text in well under half the CPU it spends on the same rows as one
 * JSON document for `json_to_recordset` (21 against 55 ms for 1,000 of the scheduler's messages,
 * of 125 ms for their whole insert). `rows` is not empty; `types` names every field, in the
 * order of the select's columns.
 */
export function unnestRows<T extends Record<string, unknown>>(rows: ReadonlyArray<T>, types: Record<keyof T & string, FieldType>): SQL {
  const fields = Object.entries(types) as [keyof T & string, FieldType][];
  const arrays = fields.map(([field, type]) => {
    const values = rows.map((row) => (type === 'jsonb' && row[field] !== null ? JSON.stringify(row[field]) : row[field]));
    return sql`${sql.param(values)}::${sql.raw(type === 'jsonb' ? 'text' : type)}[]`;
  });
  const columns = fields.map(([field, type]) => (type === 'jsonb' ? sql`${sql.identifier(field)}::jsonb as ${sql.identifier(field)}` : sql.identifier(field)));
  const names = fields.map(([field]) => sql.identifier(field));
  return sql`select ${sql.join(columns, sql`, `)} from unnest(${sql.join(arrays, sql`, `)}) as m(${sql.join(names, sql`, `)})`;
}
