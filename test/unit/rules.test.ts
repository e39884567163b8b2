import { describe, expect, it } from 'vitest';
import { HeraldError } from '../../src/errors.js';
import { codeDigest, deriveCode, looksLikeCode, newId, newSalt } from '../../src/invites/codes.js';
import { partitioning, randomTail } from '../../src/invites/partitions.js';
import { checkRedirect, resolveExpiry } from '../../src/invites/rules.js';

const allow = ['https://app.example.com', 'http://localhost:3000'];

describe('redirect allowlist', () => {
  it('allows allowed origins, normalising case', () => {
    expect(checkRedirect('https://app.example.com/welcome?x=1', allow)).toBe(
      'https://app.example.com/welcome?x=1',
    );
    expect(checkRedirect('HTTPS://APP.EXAMPLE.COM/a', allow)).toBe('https://app.example.com/a');
    expect(checkRedirect(null, allow)).toBeNull();
  });

  it.each([
    '//evil.example/x',
    'https://app.example.com@evil.example/',
    'https://user:pw@app.example.com/',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,hi',
    'https://app.example.com.evil.example/',
    'https://аpp.example.com/',
    'https:\\\\evil.example',
    'http://app.example.com/',
    'https://app.example.com:8443/',
    '/relative',
    '',
    'ftp://app.example.com',
  ])('refuses %s', (url) => {
    expect(() => checkRedirect(url, allow)).toThrow(HeraldError);
  });
});

describe('expiry', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  it('resolves maxAge, expiresAt and the default', () => {
    expect(resolveExpiry({ maxAge: 60 }, now, 100)).toBe(now + 60_000);
    expect(resolveExpiry({ maxAge: 0 }, now, 100)).toBeNull();
    expect(resolveExpiry({}, now, 100)).toBe(now + 100_000);
    expect(resolveExpiry({}, now, 0)).toBeNull();
    expect(resolveExpiry({}, now)).toBeUndefined();
    expect(resolveExpiry({ expiresAt: '2030-01-02T00:00:00+02:00' }, now, 0)).toBe(
      Date.parse('2030-01-01T22:00:00Z'),
    );
  });
  it.each(['2029-12-31T23:59:59Z', 'soon', '1e12', '2030-13-01T00:00:00Z', '2045-01-01T00:00:00Z'])(
    'refuses %s with invalid_date',
    (expiresAt) => {
      expect(() => resolveExpiry({ expiresAt }, now, 0)).toThrow(
        expect.objectContaining({ code: 'invalid_date' }),
      );
    },
  );
});

describe('codes', () => {
  it('derives URL-safe 12-character codes that differ per salt and secret', () => {
    const id = newId('inv');
    const [s1, s2] = [newSalt(), newSalt()];
    const one = partitioning(1);
    const c = deriveCode('secret-one-0123456789', id, s1, one);
    expect(looksLikeCode(c)).toBe(true);
    expect(deriveCode('secret-one-0123456789', id, s1, one)).toBe(c);
    expect(deriveCode('secret-one-0123456789', id, s2, one)).not.toBe(c);
    expect(deriveCode('secret-two-0123456789', id, s1, one)).not.toBe(c);
    expect(codeDigest('secret-one-0123456789', c)).not.toContain(c);
  });
  it('places a code in its invite’s partition at once, its head spread over every value', () => {
    const parts = partitioning(48);
    const heads = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = newId('inv', Date.now(), randomTail(i % 48, 48));
      const c = deriveCode('secret-one-0123456789', id, newSalt(), parts);
      expect(looksLikeCode(c)).toBe(true);
      expect(parts.ofCode(c)).toBe(i % 48);
      heads.add(c.slice(0, 2));
    }
    // 2,000 codes over 4,096 two-character heads: a placement that pinned them would show few.
    expect(heads.size).toBeGreaterThan(1000);
    // With one partition a code is the HMAC as it was (nothing to place).
    const id = newId('inv');
    const salt = newSalt();
    const one = deriveCode('secret-one-0123456789', id, salt, partitioning(1));
    expect(partitioning(1).ofCode(one)).toBe(0);
    expect(deriveCode('secret-one-0123456789', id, salt, partitioning(2)).slice(4)).toBe(one.slice(4));
  });
  it('makes ids whose order is creation order', () => {
    const ids = Array.from({ length: 1000 }, () => newId('inv', 1_900_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });
});
