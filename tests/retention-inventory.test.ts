import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import * as schema from '../db/schema.js';
import { PERSON_TABLES } from '../src/retention/erasure.js';
import { PERSONAL_DATA_INVENTORY } from '../src/retention/inventory.js';

/**
 * The inventory of personal data (src/retention/inventory.ts) decides, for every text and JSON
 * column of every table, what retention does with it. A column added later without a decision
 * fails here, so nothing that can hold a name or a note escapes erasure unnoticed.
 */
const tables = (Object.values(schema) as unknown[]).filter((value) => is(value, PgTable)) as PgTable[];
const textual = (type: string) => /^(text|varchar|char|jsonb?)/.test(type);

describe('the retention inventory', () => {
  it('lists every text and JSON column of every table in db/schema/', () => {
    const missing = tables.flatMap((table) => {
      const config = getTableConfig(table);
      return config.columns
        .filter((column) => textual(column.getSQLType()) && !PERSONAL_DATA_INVENTORY[config.name]?.[column.name])
        .map((column) => `${config.name}.${column.name}`);
    });
    expect(missing, 'columns without a retention decision: add each to src/retention/inventory.ts').toEqual([]);
    expect(tables.length).toBeGreaterThan(15);
  });

  it('names only columns that exist, each a text or JSON column, each with a reason', () => {
    const byName = new Map(tables.map((table) => [getTableConfig(table).name, getTableConfig(table)]));
    for (const [tableName, columns] of Object.entries(PERSONAL_DATA_INVENTORY)) {
      const config = byName.get(tableName);
      expect(config, tableName).toBeDefined();
      for (const [columnName, decision] of Object.entries(columns)) {
        const column = config!.columns.find((candidate) => candidate.name === columnName);
        expect(column, `${tableName}.${columnName}`).toBeDefined();
        expect(textual(column!.getSQLType()), `${tableName}.${columnName}`).toBe(true);
        expect(decision.why.length, `${tableName}.${columnName}`).toBeGreaterThan(5);
      }
    }
  });

  it('erases only in the tables erasure rewrites, rewrites only case and event data, and expires only messages and notices', () => {
    const erasedTables = new Set(PERSON_TABLES.map(({ table }) => getTableConfig(table).name));
    const where = (action: string) =>
      Object.entries(PERSONAL_DATA_INVENTORY).flatMap(([table, columns]) =>
        Object.entries(columns)
          .filter(([, decision]) => decision.action === action)
          .map(([column]) => `${table}.${column}`),
      );
    for (const column of [...where('empty'), ...where('null')]) expect(erasedTables.has(column.split('.')[0]!), column).toBe(true);
    expect(where('free-text').sort()).toEqual(['case_events.data', 'cases.data']);
    expect(new Set(where('expires').map((column) => column.split('.')[0]))).toEqual(new Set(['outbox', 'notifications']));
    // Every table erasure rewrites holds something it erases, and names the person in the column it is found by.
    for (const { table, person } of PERSON_TABLES) {
      const config = getTableConfig(table);
      expect(config.columns.some((column) => column.name === person)).toBe(true);
      expect(
        where('empty')
          .concat(where('null'))
          .some((column) => column.startsWith(`${config.name}.`)),
        config.name,
      ).toBe(true);
    }
  });
});
