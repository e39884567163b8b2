import PostalMime from 'postal-mime';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { base64Part } from '../../src/mail/transport.js';

describe('ready-made body parts', () => {
  it('are base64 in lines of at most 76 characters that decode to the exact UTF-8 text', async () => {
    const html = `<p>Grüße, ${'é'.repeat(500)} — 你好</p>\n${'x'.repeat(3000)}`;
    const text = 'Hallo Zoë,\nline two';
    const { raw } = base64Part('text/html', html);
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toBe('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64');
    const lines = body.split('\r\n');
    expect(lines.every((l) => l.length <= 76 && /^[A-Za-z0-9+/=]+$/.test(l))).toBe(true);
    expect(lines.slice(0, -1).every((l) => l.length === 76)).toBe(true);

    // Inside a message nodemailer builds, a mail parser reads both bodies back unchanged.
    const t = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const info = await t.sendMail({
      from: 'a@b.test',
      to: 'c@d.test',
      subject: 'Ünïcode',
      text: base64Part('text/plain', text),
      html: base64Part('text/html', html),
    } as Parameters<typeof t.sendMail>[0]);
    const parsed = await PostalMime.parse(info.message as Buffer);
    expect(parsed.html).toBe(html);
    expect(parsed.text).toBe(text);
    expect(parsed.subject).toBe('Ünïcode');
  });
});
