import nodemailer from 'nodemailer';
import { outbox } from '../../db/schema.js';
import { createSmtpMailer } from '../../notifications/mailer.js';
import { drainOutbox, materialiseDue } from '../../notifications/outbox.js';
import { htmlOf } from '../../notifications/templates.js';
import { seedDueDeadlines } from '../dataset.js';
import { withDatabase } from '../lib/databases.js';
import { log } from '../lib/options.js';
import { startSmtpSink } from '../lib/process.js';
import type { Bench } from './context.js';

/** 3. The scheduler: due deadlines to delivered mail, against nodemailer alone. */
export async function scheduler({ main, dataset, report, options }: Bench) {
  const sink = await startSmtpSink();
  try {
    const smtpUrl = `smtp://127.0.0.1:${sink.port}`;
    const timings = await withDatabase(main, async (database) => {
      await seedDueDeadlines(database.db, options.schedulerMessages, dataset.region0.prison!);
      const now = new Date();
      const t0 = performance.now();
      const materialised = await materialiseDue(database.db, { now, publicUrl: 'http://localhost:3000' });
      const materialiseMs = performance.now() - t0;
      const mailer = createSmtpMailer(smtpUrl);
      const t1 = performance.now();
      // What a scheduler tick does after materialising: drain the outbox (no time budget here).
      const { sent } = await drainOutbox(database.db, mailer, { now: () => new Date(), from: 'bench@cadap.invalid', budgetMs: 3_600_000 });
      await sink.waitFor(materialised, 120_000);
      const dispatchMs = performance.now() - t1;
      await mailer.close();
      const [row] = await database.db.select({ subject: outbox.subject, text: outbox.text, locale: outbox.locale }).from(outbox).limit(1);
      // The bare send carries the same parts the service sent: the HTML as the dispatcher lays it out.
      const sample = { subject: row!.subject, text: row!.text, html: htmlOf(row!.text, row!.locale) };
      return { materialised, materialiseMs, dispatchMs, sent, sample };
    });
    // The same number of the same messages through a bare pooled nodemailer transport, to the same sink.
    const bare = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 5, maxMessages: 1000 });
    const before = sink.received();
    const t2 = performance.now();
    let next = 0;
    const send = async () => {
      while (next < timings.materialised) {
        const index = next++;
        await bare.sendMail({ from: 'bench@cadap.invalid', to: 'desk@bench.invalid', ...timings.sample, messageId: `<bare-${index}@bench.invalid>` });
      }
    };
    await Promise.all(Array.from({ length: 50 }, send));
    await sink.waitFor(before + timings.materialised, 120_000);
    const bareMs = performance.now() - t2;
    bare.close();
    // Sending is compared with sending; materialising is timed on its own (its target is absolute).
    const serviceRate = timings.materialised / (timings.dispatchMs / 1000);
    const bareRate = timings.materialised / (bareMs / 1000);
    report.add({
      scenario: 'scheduler',
      rps: serviceRate,
      p50: null,
      p99: null,
      ratio: serviceRate / bareRate,
      note: `${timings.materialised.toLocaleString('en')} due deadlines materialised in ${(timings.materialiseMs / 1000).toFixed(1)} s, then delivered at ${serviceRate.toFixed(0)} msg/s; ratio is to a bare pooled nodemailer send of the same messages (${bareRate.toFixed(0)} msg/s)`,
      detail: { materialised: timings.materialised, materialiseMs: timings.materialiseMs, dispatchMs: timings.dispatchMs, sent: timings.sent, bareMs, bareRate },
    });
    log(`scheduler: ${serviceRate.toFixed(0)} msg/s end to end vs bare nodemailer ${bareRate.toFixed(0)} msg/s; materialise ${(timings.materialiseMs / 1000).toFixed(1)} s`);
  } finally {
    sink.stop();
  }
}
