import os from 'node:os';
import path from 'node:path';
import { createFileMailer } from '../../notifications/mailer.js';
import { createScheduler } from '../../src/scheduler.js';
import type { TestContext } from './context.js';

/** The service's scheduler over a test context (its clock and database), mail to a temporary folder: call `tick()` to run it. */
export const testScheduler = (t: TestContext) =>
  createScheduler({
    db: t.db,
    mailer: createFileMailer(path.join(os.tmpdir(), 'cadap-test-mail')),
    clock: t.clock,
    logger: t.logger,
    publicUrl: 'https://cadap.test',
    from: 'CADAP <no-reply@cadap.test>',
    cron: '* * * * *',
  });
