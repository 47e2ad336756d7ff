import { validationFailed } from './errors.js';

/** Cursors are opaque to clients: base64url JSON of the sort key of the last item returned. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === arity && parsed.every((part) => typeof part === 'string' || typeof part === 'number')) {
      return parsed as (string | number)[];
    }
  } catch {
    // fall through
  }
  throw validationFailed('The cursor is not valid.', [{ path: 'query.cursor', message: 'Not a cursor returned by this list.' }]);
}

/** Takes one row more than the page to know whether another page follows. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => readonly (string | number)[]) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
