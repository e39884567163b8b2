import { SMTPServer } from 'smtp-server';
import type { Logger } from '../logger.js';
import type { Bounces } from '../suppressions/bounces.js';
import { DSN_MAX_BYTES } from './dsn.js';
import type { Verp } from './verp.js';

/**
 * The inbound SMTP listener for bounce reports (BOUNCE_SMTP_PORT): it takes mail only for the
 * VERP addresses Herald sends from (anything else is refused at RCPT), reads at most 1 MiB, and
 * never lets a hostile report take the process down.
 */
export async function startBounceServer(o: {
  port: number;
  host: string;
  verp: Verp;
  bounces: Bounces;
  logger: Logger;
}) {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: DSN_MAX_BYTES,
    banner: 'Herald bounce processor',
    onRcptTo(address, _session, callback) {
      if (o.verp.parse(address.address)) return callback();
      callback(Object.assign(new Error('No such mailbox here'), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= DSN_MAX_BYTES) chunks.push(c);
      });
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded || size > DSN_MAX_BYTES) {
          return callback(Object.assign(new Error('Report too large'), { responseCode: 552 }));
        }
        const to = session.envelope.rcptTo.map((r) => r.address);
        o.bounces
          .handle(Buffer.concat(chunks), to)
          .then(() => callback())
          .catch((err: Error) => {
            o.logger.warn({ err: err.message }, 'bounce report could not be applied');
            callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          });
      });
      stream.on('error', () => callback(new Error('read failed')));
    },
  });
  server.on('error', (err) => o.logger.warn({ err: err.message }, 'bounce listener'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return { close: () => new Promise<void>((r) => server.close(() => r())) };
}
