import fs from 'node:fs';
import path from 'node:path';
import { getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import * as barrel from '../db/schema.js';

/**
 * The schema lives in one file per area under db/schema/, which drizzle-kit reads for the
 * migrations (drizzle.config.ts); the code imports db/schema.ts. A table added to an area file
 * but not to the barrel would be migrated yet missing from `schema`, the object the database
 * client is opened with: every table of the folder must be exported by the barrel and in `schema`.
 */
const folder = path.resolve(import.meta.dirname, '../db/schema');

describe('db/schema.ts', () => {
  it('re-exports every table of db/schema/ and lists each in schema', async () => {
    const tables = new Map<string, unknown>();
    for (const file of fs.readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
      const module: Record<string, unknown> = await import(path.join(folder, file));
      for (const [name, value] of Object.entries(module)) if (is(value, PgTable)) tables.set(name, value);
    }
    expect(tables.size).toBeGreaterThanOrEqual(19);
    const exported = barrel as Record<string, unknown>;
    for (const [name, table] of tables) {
      expect(exported[name], `${name} re-exported by db/schema.ts`).toBe(table);
      expect(Object.values(barrel.schema), `${getTableName(table as PgTable)} in schema`).toContain(table);
    }
    expect(Object.keys(barrel.schema).sort()).toEqual([...tables.keys()].sort());
  });
});
