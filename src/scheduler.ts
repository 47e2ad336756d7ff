import cron from 'node-cron';
import type { Database } from '../db/client.js';
import type { Mailer } from '../notifications/mailer.js';
import { drainOutbox, materialiseDue } from '../notifications/outbox.js';
import { sendDueTimeouts } from './cases/timeouts.js';
import type { Clock } from './clock.js';
import { summariseError, type Logger } from './logger.js';
import { runDailyRetention, type RetentionSettings } from './retention/run.js';

export type SchedulerDeps = {
  db: Database;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  from: string;
  cron: string;
  /** Retention's daily run (RETENTION=on), with the folder of the .eml files; absent: never from the tick. */
  retention?: { settings: RetentionSettings; mailDir: string | undefined };
};

/**
 * node-cron is only the tick: each tick sends the events of due protocol timeouts (the service
 * acting on its own, src/cases/timeouts.ts), turns due deadline rows (and the notices those
 * events raised) into messages, sends what is due from the outbox, and once a day runs retention
 * (src/retention/run.ts: one instance claims the day's run). All state is in the database, so a
 * missed tick loses nothing and several instances ticking together are harmless.
 */
export function createScheduler(deps: SchedulerDeps) {
  const tick = async () => {
    const now = deps.clock.now();
    // Each step on its own: one that fails is logged, and the others still run (a failing timeout
    // must not stop every reminder and e-mail).
    const step = async <T>(name: string, run: () => Promise<T>, fallback: T): Promise<T> => {
      try {
        return await run();
      } catch (error) {
        deps.logger.warn(`scheduler step failed: ${name}`, { error: summariseError(error) });
        return fallback;
      }
    };
    const timeouts = await step('timeouts', () => sendDueTimeouts(deps.db, now, { logger: deps.logger }), { sent: 0, skipped: 0 });
    const materialised = await step('deadlines', () => materialiseDue(deps.db, { now, publicUrl: deps.publicUrl }), 0);
    // Drain what is due within most of a tick's minute; the rest waits for the next tick.
    const { sent } = await step('outbox', () => drainOutbox(deps.db, deps.mailer, { now: () => deps.clock.now(), from: deps.from, budgetMs: 50_000 }, deps.logger), {
      claimed: 0,
      sent: 0,
      retried: 0,
      dead: 0,
    });
    if (timeouts.sent > 0 || timeouts.skipped > 0 || materialised > 0 || sent > 0)
      deps.logger.info('scheduler tick', { timeoutsSent: timeouts.sent, timeoutsSkipped: timeouts.skipped, materialised, sent });
    const retention = deps.retention;
    if (retention) {
      const report = await step('retention', () => runDailyRetention(deps.db, retention.settings, { now, mailDir: retention.mailDir, logger: deps.logger }), undefined);
      if (report) deps.logger.info('retention run', { messagesRemoved: report.messages, filesRemoved: report.files, noticesRemoved: report.notices, peopleErased: report.people });
    }
  };
  let task: ReturnType<typeof cron.schedule> | undefined;
  return {
    tick,
    start() {
      task = cron.schedule(
        deps.cron,
        () =>
          tick().catch((error: unknown) => {
            deps.logger.warn('scheduler tick failed', { error: summariseError(error) });
          }),
        { noOverlap: true },
      );
    },
    async stop() {
      await task?.stop();
    },
  };
}
