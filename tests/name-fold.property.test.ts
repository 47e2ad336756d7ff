import fs from 'node:fs';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/migrate.js';
import { nameWords } from '../src/participants/name-fold.js';
import { createTestContext, type TestContext } from './helpers/context.js';

/**
 * The name search folds a name in Node (src/participants/name-fold.ts) whenever Node can fold it
 * exactly as the database's `cadap_name_words` (migration 0010) does, and sends the words; the
 * index holds the database's fold. A word folded differently on the two sides would make a
 * person unfindable by their own name. So: for any name built of the letters the migration
 * names (read from the migration itself, not from name-fold.ts), ASCII and white space, both give
 * the same words; a name with any other character is left to the database.
 */
let t: TestContext;

beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

/** Every character the migration's fold names in a literal (its SQL string literals, `''` an apostrophe). */
const migrationLetters = (() => {
  const text = fs.readFileSync(new URL('../db/migrations/0010_participant_search.sql', import.meta.url), 'utf8');
  const body = text.slice(text.indexOf('SELECT btrim('), text.indexOf('$$;'));
  const literals = [...body.matchAll(/'((?:[^']|'')*)'/g)].map((match) => match[1]!.replaceAll("''", "'"));
  expect(literals.length).toBeGreaterThan(40);
  return [...new Set(literals.slice(0, -3).flatMap((literal) => [...literal]))];
})();
const ascii = Array.from({ length: 0x7f - 0x20 }, (_, index) => String.fromCharCode(0x20 + index));
const foldable = [...migrationLetters, ...ascii, '\t', '\n', '\v', '\f', '\r'];
/** Characters only the database may fold: other scripts and capitals, a non-breaking space, a control character, an emoji. */
const others = ['Σ', 'ω', 'Ω', 'ي', '中', '\u00a0', '\u2003', '\u0001', '😀', 'Ǆ', 'ﬁ', 'Ⅻ'];

async function databaseWords(names: readonly string[]): Promise<string[][]> {
  const rows = rowsOf<{ words: string[] }>(
    await t.db.execute(
      sql`select "public"."cadap_name_words"(name) as words from unnest(array[${sql.join(
        names.map((name) => sql`${name}::text`),
        sql`, `,
      )}]) with ordinality as n(name, i) order by i`,
    ),
  );
  return rows.map((row) => row.words);
}

describe('the name fold in Node', () => {
  it('gives the database’s words for any name of the letters the migration names, ASCII and white space', async () => {
    // Names as typed: mostly the migration's letters, with spaces, punctuation and ASCII among them.
    const name = fc.string({
      unit: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...migrationLetters) }, fc.constantFrom(' ', ',', '-', "'"), fc.constantFrom(...foldable)),
      maxLength: 30,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(name, { minLength: 1, maxLength: 60 }), async (names) => {
        const expected = await databaseWords(names);
        expect(names.map((value) => nameWords(value))).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('folds the register’s own spellings alike, Cyrillic and Latin', async () => {
    const names = [
      'Жанар Қайратқызы',
      'Janar Kairatkyzy',
      'ZHANAR',
      'Хуршид',
      'Xurshid',
      "O'Brien-Smith",
      'Şükürov İlham',
      'Ёлкин Ғабит',
      'Seitkali  ,  Séitkali',
      '{a}\\b"c',
      '...',
    ];
    expect(names.map((value) => nameWords(value))).toEqual(await databaseWords(names));
    expect(nameWords('Жанар')).toEqual(['zhanar']);
    expect(nameWords('...')).toEqual([]);
  });

  it('leaves a name with any other character to the database', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...foldable), maxLength: 10 }),
        fc.constantFrom(...others),
        fc.string({ unit: fc.constantFrom(...foldable), maxLength: 10 }),
        (before, other, after) => {
          expect(nameWords(before + other + after)).toBeUndefined();
        },
      ),
    );
  });
});
