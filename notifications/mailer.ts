import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';

/** One e-mail, as the outbox hands it over. */
export type OutgoingMail = { messageId: string; from: string; to: string[]; subject: string; text: string; html: string };

export interface Mailer {
  readonly kind: 'smtp' | 'file';
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

/**
 * SMTP through a nodemailer pool. Its own requeueing is off (`maxRequeues: 0`): a failed send
 * fails back to the outbox, the one place that retries.
 */
export function createSmtpMailer(url: string, options: { maxConnections?: number; socketTimeoutMs?: number } = {}): Mailer {
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: 1000,
    maxRequeues: 0,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    kind: 'smtp',
    async send(mail) {
      await transport.sendMail({ ...mail, messageId: mail.messageId, headers: { 'Auto-Submitted': 'auto-generated' } });
    },
    async close() {
      transport.close();
    },
  };
}

/** The file a message is written to in the mail folder (no SMTP_URL), named by its Message-ID. */
export function emlFileName(messageId: string): string {
  return `${messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`;
}

/**
 * The embedded default with no SMTP_URL: each message is written to DATA_DIR/mail as an .eml
 * file a newcomer can open.
 */
export function createFileMailer(dir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'file',
    async send(mail) {
      fs.mkdirSync(dir, { recursive: true });
      const info = (await transport.sendMail({ ...mail, headers: { 'Auto-Submitted': 'auto-generated' } })) as { message: Buffer };
      const file = path.join(dir, emlFileName(mail.messageId));
      fs.writeFileSync(`${file}.tmp`, info.message);
      fs.renameSync(`${file}.tmp`, file);
    },
    async close() {},
  };
}

/** Whether an SMTP failure is permanent (a 5xx reply): then retrying cannot help. */
export function isPermanentFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
