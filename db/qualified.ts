import { getTableName, sql, type Column, type SQL } from 'drizzle-orm';

/**
 * A column as `"table"."column"`, always. drizzle renders `${table.column}` inside a `sql`
 * template *unqualified* when it sits in the select list of a single-table query, so in a
 * correlated subquery it binds to the subquery's own table if that has a column of the same
 * name: `(select c.id from organisations c where c.region = ${participants.region})` became
 * `c.region = "region"`, always true. Identifiers (`sql.identifier`) are never rewritten, so
 * this renders the same in a select list, a where clause, a join or a returning clause.
 * eslint.config.js refuses a bare `${table.column}` in a `sql` template that holds a subquery.
 */
export function qualified(column: Column): SQL {
  return sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;
}
