import net from 'node:net';
import type { Database } from '../../db/client.js';

/**
 * Counts the statements the service sends through drizzle, on PGlite and PostgreSQL alike, by
 * giving the database's session a logger (drizzle hands it to every transaction's session and to
 * every query prepared after this). BEGIN and COMMIT go through the driver, not drizzle, so they
 * are not counted. Install it before the first request, so the prepared case load is counted too.
 */
export function statementCounter(db: Database) {
  const seen: string[] = [];
  let armed = false;
  const logger = {
    logQuery(query: string) {
      if (armed) seen.push(query);
    },
  };
  const session = (db as unknown as { _: { session: { logger: unknown; options: { logger?: unknown } } } })._.session;
  session.logger = logger;
  session.options.logger = logger;
  return {
    /** The statements sent while `run` ran. */
    async during<T>(run: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
      seen.length = 0;
      armed = true;
      try {
        const result = await run();
        return { result, statements: [...seen] };
      } finally {
        armed = false;
      }
    },
  };
}

/**
 * Counts the writes the process makes to PostgreSQL's sockets while `run` runs: postgres.js sends
 * the statements a connection has queued in one tick as one write, and waits for the answers before
 * it sends the next, so on a request whose statements each wait for the one before, the writes are
 * its round trips. PostgreSQL only (PGlite has no socket).
 */
export async function databaseWrites<T>(port: number, run: () => Promise<T>): Promise<{ result: T; writes: number }> {
  const original = net.Socket.prototype.write;
  let writes = 0;
  net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
    if (this.remotePort === port) writes += 1;
    return (original as (...rest: unknown[]) => boolean).apply(this, args);
  } as typeof original;
  try {
    return { result: await run(), writes };
  } finally {
    net.Socket.prototype.write = original;
  }
}
