import type { MiddlewareHandler } from 'hono';
import { summariseError, type Logger } from '../logger.js';

/**
 * Signed checkpoints every N audit rows, besides the timer, so a role that can bypass the
 * trail's triggers can delete at most the last N rows unseen. The rows are counted where they
 * are appended (in whatever transaction); the checkpoint is written after the request that
 * crossed the count, when its rows are committed, before its answer goes out. Each instance
 * counts the rows written through its database (a request's, the scheduler's, retention's).
 */
export type RowCheckpointer = { note(rows: number): void; settle(): Promise<void> };

/**
 * The checkpointers counting the rows appended through a database, by the database: drizzle's
 * session options, the one object a database and each of its transactions share (as
 * db/prepared.ts relies on), so an append inside a transaction counts too. Registered by the
 * app; no per-request context is needed (an AsyncLocalStorage here put promise hooks on every
 * await of every request: a sixth of the service's CPU on an event).
 */
const byDatabase = new WeakMap<object, Set<RowCheckpointer>>();
const keyOf = (db: object): object => (db as { session?: { options?: object } }).session?.options ?? db;

/** Counts the rows appended through `db` (or a transaction of it) towards `checkpointer`'s next checkpoint. */
export function countRowsOf(db: object, checkpointer: RowCheckpointer): void {
  const key = keyOf(db);
  const registered = byDatabase.get(key) ?? new Set<RowCheckpointer>();
  registered.add(checkpointer);
  byDatabase.set(key, registered);
}

/** Called by the audit trail for every append: counts towards the checkpoint of each app on that database. */
export function noteAuditRows(db: object, rows: number): void {
  const registered = byDatabase.get(keyOf(db));
  if (registered) for (const checkpointer of registered) checkpointer.note(rows);
}

export function createRowCheckpointer(everyRows: number, write: () => Promise<unknown>, logger: Logger): RowCheckpointer {
  let rows = 0;
  let due = false;
  let running: Promise<void> | undefined;
  return {
    note(count) {
      rows += count;
      if (rows >= everyRows) due = true;
    },
    settle() {
      if (running) return running;
      if (!due) return Promise.resolve();
      due = false;
      rows = 0;
      running = write()
        .then(() => undefined)
        .catch((error: unknown) => logger.warn('audit checkpoint failed', { error: summariseError(error) }))
        .finally(() => {
          running = undefined;
        });
      return running;
    },
  };
}

/** Runs the request, then writes a checkpoint if one is due. */
export function checkpointByRows(checkpointer: RowCheckpointer): MiddlewareHandler {
  return async (_c, next) => {
    await next();
    await checkpointer.settle();
  };
}
