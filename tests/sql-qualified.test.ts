import path from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { qualified } from '../db/qualified.js';
import { organisations, participants } from '../db/schema.js';

/**
 * The trap behind "the region's coordinator is any coordinator": drizzle strips the table
 * from `${table.column}` in the select list of a single-table query. `qualified()` keeps it,
 * and the lint rule refuses the bare form wherever a `sql` template holds a subquery.
 */
const db = drizzle.mock();

describe('qualified(column)', () => {
  it('renders "table"."column" in the select list of a single-table query, where a bare column loses its table', () => {
    const bare = db
      .select({ id: sql`(select c.id from ${organisations} c where c.region = ${participants.region})` })
      .from(participants)
      .toSQL();
    expect(bare.sql).toContain('c.region = "region"');
    const safe = db
      .select({ id: sql`(select c.id from ${organisations} c where c.region = ${qualified(participants.region)})` })
      .from(participants)
      .toSQL();
    expect(safe.sql).toBe('select (select c.id from "organisations" c where c.region = "participants"."region") from "participants"');
  });

  it('renders the same in a where clause and a returning clause', () => {
    expect(
      db
        .select({ id: participants.id })
        .from(participants)
        .where(sql`${qualified(participants.region)} = 'KZ-PAV'`)
        .toSQL().sql,
    ).toContain(`where "participants"."region" = 'KZ-PAV'`);
    const returning = db
      .update(participants)
      .set({ version: 2 })
      .returning({ region: sql`${qualified(participants.region)}` })
      .toSQL().sql;
    expect(returning).toContain('returning "participants"."region"');
  });
});

describe('the lint rule against bare columns in sql subqueries', () => {
  const eslint = new ESLint({ cwd: path.resolve(import.meta.dirname, '..') });
  const messagesOf = async (code: string) => {
    const [result] = await eslint.lintText(code, { filePath: 'src/cases/lint-sample.ts' });
    return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-syntax').map((message) => message.message);
  };
  const header = `import { sql } from 'drizzle-orm';\nimport { qualified } from '../../db/qualified.js';\nimport { organisations, participants } from '../../db/schema.js';\n`;

  it('fires on the fragment of the defect, naming the helper', async () => {
    const messages = await messagesOf(
      `${header}export const coordinator = sql<string | null>\`(select c.id from \${organisations} c where c.kind = 'coordinator' and c.region = \${participants.region} limit 1)\`;\n`,
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('qualified(table.column)');
  });

  it('fires on a subquery written in capitals and on every bare column of it', async () => {
    const messages = await messagesOf(
      `${header}export const any = sql\`EXISTS (SELECT 1 FROM \${organisations} WHERE \${organisations.id} = \${participants.ownerOrganisationId})\`;\n`,
    );
    expect(messages).toHaveLength(2);
  });

  it('accepts the qualified form, and bare columns in a template without a subquery', async () => {
    expect(await messagesOf(`${header}export const coordinator = sql\`(select c.id from \${organisations} c where c.region = \${qualified(participants.region)})\`;\n`)).toEqual(
      [],
    );
    expect(await messagesOf(`${header}export const bump = sql\`\${participants.version} + 1\`;\n`)).toEqual([]);
  });
});
