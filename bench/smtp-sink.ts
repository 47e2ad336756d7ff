import { SMTPServer } from 'smtp-server';

/** A local SMTP sink in its own process: accepts everything, reports its count to the parent over IPC. */
let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      received += 1;
      callback();
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
});
setInterval(() => process.send!({ received }), 50);
process.on('disconnect', () => process.exit(0));
