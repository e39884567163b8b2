import { describe, expect, it } from 'vitest';
import { createVerp } from '../../src/mail/verp.js';

const verp = createVerp('secret-0123456789', 'bounces@herald.test');
const a = verp.address('inv_0123456789abcdefghi', 1);
const b = verp.address('inv_abcdefghi0123456789', 2);

describe('VERP tokens', () => {
  it('parse and find answer alike in any order (no state kept between calls)', () => {
    const report = `To: ${b}\r\nSubject: failed\r\n\r\n${'x'.repeat(200)}`;
    // parse() of a long address used to leave a shared global RegExp's lastIndex past the
    // position where find() then had to look, so the report forwarded over HTTP matched nothing.
    for (let i = 0; i < 3; i++) {
      expect(verp.parse(a)).toEqual({ inviteId: 'inv_0123456789abcdefghi', seq: 1 });
      expect(verp.find(report)).toEqual({ inviteId: 'inv_abcdefghi0123456789', seq: 2 });
    }
  });

  it('refuses a forged MAC, a foreign domain and an address with text around it', () => {
    expect(verp.parse(a.replace(/\.[0-9a-f]{16}@/, '.0000000000000000@'))).toBeNull();
    expect(verp.parse(a.replace('herald.test', 'evil.test'))).toBeNull();
    expect(verp.parse(`x${a}`)).toBeNull();
    expect(verp.parse(a.toUpperCase())).toEqual({ inviteId: 'inv_0123456789abcdefghi', seq: 1 });
  });
});
