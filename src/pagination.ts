import { and, eq, gt, lt, or, SQL, type Column } from 'drizzle-orm';
import { validationFailed } from './errors.js';
import { isUuid } from './uuid.js';

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
  throw invalidCursor();
}

const invalidCursor = () => validationFailed('The cursor is not valid.', [{ path: 'query.cursor', message: 'Not a cursor returned by this list.' }]);

/**
 * The key of a list sorted by a time, then an id (`uuid`) or a sequence number (`int`), as the
 * column types take it. A cursor of the right shape but not from the list (a time that is no
 * time, an id that is no UUID) is the same 422, never a database error.
 */
export function decodeTimeCursor(cursor: string | undefined, tie: 'uuid'): [Date, string] | undefined;
export function decodeTimeCursor(cursor: string | undefined, tie: 'int'): [Date, number] | undefined;
export function decodeTimeCursor(cursor: string | undefined, tie: 'uuid' | 'int'): [Date, string | number] | undefined {
  const key = decodeCursor(cursor, 2);
  if (key === undefined) return undefined;
  const [at, next] = key;
  const time = typeof at === 'string' ? new Date(at) : undefined;
  const tieValid = tie === 'uuid' ? typeof next === 'string' && isUuid(next) : Number.isSafeInteger(next);
  if (!time || Number.isNaN(time.getTime()) || !tieValid) throw invalidCursor();
  return [time, next as string | number];
}

/** Takes one row more than the page to know whether another page follows. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => readonly (string | number)[]) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/**
 * The keyset condition for the rows after a cursor's key in a list sorted by `columns`, all in
 * one `order` (the last column breaks ties): `a > k0 or (a = k0 and b > k1)`, with `<` for
 * 'desc'. No key (the first page): no condition. The key's values are the column's type
 * (a timestamp column takes a Date).
 */
export function afterKey(order: 'asc' | 'desc', columns: readonly [Column | SQL, ...(Column | SQL)[]], key: readonly unknown[] | undefined): SQL | undefined {
  if (key === undefined) return undefined;
  const [column, ...rest] = columns;
  const [value, ...restKey] = key;
  // drizzle's comparisons are overloaded per kind of operand, so each kind is called on its own.
  const past = column instanceof SQL ? (order === 'asc' ? gt(column, value) : lt(column, value)) : order === 'asc' ? gt(column, value) : lt(column, value);
  if (rest.length === 0) return past;
  const same = column instanceof SQL ? eq(column, value) : eq(column, value);
  return or(past, and(same, afterKey(order, rest as [Column | SQL, ...(Column | SQL)[]], restKey)));
}
