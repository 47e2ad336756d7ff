import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareHandler } from 'hono';
import { summariseError, type Logger } from '../logger.js';

/**
 * Signed checkpoints every N audit rows, besides the timer, so a role that can bypass the
 * trail's triggers can delete at most the last N rows unseen. The rows are counted where they
 * are appended (in whatever transaction); the checkpoint is written after the request that
 * crossed the count, when its rows are committed, before its answer goes out. Each instance
 * counts the rows it writes.
 */
export type RowCheckpointer = { note(rows: number): void; settle(): Promise<void> };

const current = new AsyncLocalStorage<RowCheckpointer>();

/** Called by the audit trail for every append: counts towards the checkpoint of the request's app. */
export function noteAuditRows(rows: number): void {
  current.getStore()?.note(rows);
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

/** Runs the request with this app's checkpointer in scope, then writes a checkpoint if one is due. */
export function checkpointByRows(checkpointer: RowCheckpointer): MiddlewareHandler {
  return async (_c, next) => {
    await current.run(checkpointer, next);
    await checkpointer.settle();
  };
}
