import { z } from '@hono/zod-openapi';

/** `limit` (default 50, max 200) and an opaque `cursor`, as API.md fixes for every list. */
export const paginationQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: 'Page size (1–200, default 50).' }),
  cursor: z.string().max(512).optional().openapi({ description: 'Opaque cursor from the previous page’s `nextCursor`.' }),
};

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
