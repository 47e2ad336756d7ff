import { serve } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { openDatabase } from '../db/client.js';
import { cases } from '../db/schema.js';

/**
 * The floor: a bare Hono route that reads one case row by primary key through the same client
 * factory the service uses (drizzle over postgres.js, or PGlite), with no authentication,
 * scoping, redaction or audit. BENCH_TARGET is a postgres:// URL or an embedded data folder.
 */
const target = process.env.BENCH_TARGET!;
const database = await openDatabase(
  target.startsWith('postgres') ? { kind: 'postgres', url: target, poolMax: Number(process.env.DATABASE_POOL_MAX ?? 10) } : { kind: 'pglite', dataDir: target },
);
const app = new Hono();
app.get('/cases/:id', async (c) => {
  const [row] = await database.db
    .select()
    .from(cases)
    .where(eq(cases.id, c.req.param('id')));
  return row ? c.json(row) : c.json({ status: 404 }, 404);
});
app.get('/health/live', (c) => c.json({ status: 'live' }));
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT) });
const stop = () => server.close(() => void database.close().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
