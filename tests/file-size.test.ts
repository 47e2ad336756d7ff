import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A file that does several jobs is several files (CONVENTIONS.md): no file under src/,
 * protocols/, db/ or notifications/ passes 400 lines. Generated and data files are aside, and
 * named in the README (Architecture, after the map of the code): the migrations and their drizzle-kit snapshots,
 * the generated protocols/README.md, and JSON data.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const LIMIT = 400;
const FOLDERS = ['src', 'protocols', 'db', 'notifications'];
const EXEMPT = [/^db\/migrations\//, /^protocols\/README\.md$/, /\.json$/];

function* files(folder: string): Generator<string> {
  for (const entry of fs.readdirSync(path.join(ROOT, folder), { withFileTypes: true })) {
    const relative = `${folder}/${entry.name}`;
    if (entry.isDirectory()) yield* files(relative);
    else yield relative;
  }
}

describe('file size', () => {
  it(`no file under ${FOLDERS.join('/, ')}/ passes ${LIMIT} lines, generated and data files aside`, () => {
    const tooLong = FOLDERS.flatMap((folder) => [...files(folder)])
      .filter((file) => !EXEMPT.some((pattern) => pattern.test(file)))
      .map((file) => ({ file, lines: fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > LIMIT);
    expect(tooLong, 'split these by job (or, for a generated or data file, name it in the README and here)').toEqual([]);
  });
});
