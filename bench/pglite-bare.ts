import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/** A bare PGlite opened on the service's folder, with one read: the memory floor for the embedded row. */
const started = performance.now();
const client = await PGlite.create(path.join(process.argv[2]!, 'pgdata'));
await client.query('select count(*) from cases');
const openMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ openMs, rssBytes: process.memoryUsage().rss })}\n`);
await client.close();
