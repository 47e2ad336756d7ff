import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server in the test process. `reject` decides, per message, whether to refuse it
 * with a temporary (451) or permanent (550) reply; accepted messages are parsed and kept.
 */
export type Received = { messageId: string; to: string[]; mail: ParsedMail };

export async function startSmtpServer(options: { reject?: (count: number) => 451 | 550 | null; storeWithoutReply?: (count: number) => boolean } = {}) {
  const received: Received[] = [];
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        count += 1;
        if (options.storeWithoutReply?.(count)) {
          // SMTP's ambiguous case: the message is stored, but the reply never reaches the client.
          void simpleParser(Buffer.concat(chunks)).then((mail) =>
            received.push({ messageId: mail.messageId ?? '', to: session.envelope.rcptTo.map((rcpt) => rcpt.address), mail }),
          );
          return;
        }
        const verdict = options.reject?.(count) ?? null;
        if (verdict) {
          callback(Object.assign(new Error(verdict === 451 ? 'Try again later' : 'Mailbox unavailable'), { responseCode: verdict }));
          return;
        }
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            received.push({ messageId: mail.messageId ?? '', to: session.envelope.rcptTo.map((rcpt) => rcpt.address), mail });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
