import { z } from '@hono/zod-openapi';
import { validationFailed } from './errors.js';

/** `limit` (default 50, max 200) and an opaque `cursor`, as API.md fixes for every list. */
export const paginationQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: 'Page size (1–200, default 50).' }),
  cursor: z.string().max(512).optional().openapi({ description: 'Opaque cursor from the previous page’s `nextCursor`.' }),
};

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

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
