import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytesPooled } from '../random.js';
import nodemailer from 'nodemailer';
import type { Dkim } from './settings.js';

export interface OutgoingMail {
  from: string | { name: string; address: string };
  replyTo?: string;
  to: string | { name: string; address: string };
  subject: string;
  html: string;
  text: string;
  messageId: string;
  /** The SMTP envelope, when it differs from the headers (VERP sender). */
  envelope?: { from: string; to: string };
  headers?: Record<string, string>;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<{ messageId: string; response: string }>;
  close(): void;
}

/** An error from the SMTP server, with its reply code where there was one. */
export function smtpCode(err: unknown): number | null {
  const code = (err as { responseCode?: number })?.responseCode;
  return typeof code === 'number' ? code : null;
}

/** SMTP with a connection pool and bounded timeouts, so a silent server cannot hang a worker. */
export function smtpTransport(url: string, pool: number, dkim: Dkim | null = null): MailTransport {
  const t = nodemailer.createTransport({
    url,
    ...(dkim ? { dkim } : {}),
    pool: true,
    maxConnections: pool,
    maxMessages: 1000,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    async send(mail) {
      // The two bodies go in as ready parts (nodemailer's `raw` node option): base64 from Node's
      // native encoder costs a fraction of nodemailer's streaming encoder, which was a third of a
      // message's CPU (BENCHMARKS.md); nodemailer still writes every header and the structure.
      // The boundary base from the pool too: nodemailer would draw it with randomBytes per part.
      const info = await t.sendMail({
        ...mail,
        text: base64Part('text/plain', mail.text),
        html: base64Part('text/html', mail.html),
        baseBoundary: randomBytesPooled(8).toString('hex'),
      } as Parameters<typeof t.sendMail>[0]);
      return { messageId: info.messageId, response: String(info.response ?? '') };
    },
    close: () => t.close(),
  };
}

/** A MIME body part in UTF-8, base64 in lines of 76 characters (RFC 2045 §6.8). */
export function base64Part(type: 'text/plain' | 'text/html', body: string) {
  const b64 = Buffer.from(body, 'utf8').toString('base64');
  const rows: string[] = [];
  for (let i = 0; i < b64.length; i += 76) rows.push(b64.slice(i, i + 76));
  const lines = rows.join('\r\n');
  return { raw: `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${lines}` };
}

/** The embedded default with no SMTP_URL: each message becomes an .eml file in `dir`. */
export function outboxTransport(dir: string, dkim: Dkim | null = null): MailTransport {
  const t = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
    ...(dkim ? { dkim } : {}),
  });
  let ready: Promise<unknown> | null = null;
  return {
    async send(mail) {
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      const info = await t.sendMail(mail);
      const name = mail.messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9._@-]/g, '_');
      await writeFile(join(dir, `${name}.eml`), info.message as Buffer);
      return { messageId: info.messageId, response: `written to ${dir}` };
    },
    close: () => t.close(),
  };
}
