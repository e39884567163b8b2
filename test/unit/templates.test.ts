import { describe, expect, it } from 'vitest';
import { loadTemplates } from '../../src/mail/templates.js';

const t = await loadTemplates('templates');
const base = {
  inviterName: 'Grace',
  scope: { type: 'org', id: 'acme' },
  role: 'admin',
  url: 'http://h/i/abcdefghijkl',
  expiresAt: Date.parse('2030-01-02T03:04:00Z'),
  locale: 'en',
};

describe('templates', () => {
  it('ships English and French, and falls back to English', () => {
    expect(t.locales).toEqual(expect.arrayContaining(['en', 'fr']));
    expect(t.render('invite', { ...base, locale: 'fr-CA' }).subject).toBe(
      'Grace vous invite à rejoindre org acme',
    );
    expect(t.render('invite', { ...base, locale: 'de' }).subject).toBe('Grace invited you to org acme');
  });

  it('fills link, inviter, scope, role and expiry into both parts', () => {
    const m = t.render('invite', base);
    for (const part of [m.html, m.text]) {
      expect(part).toContain('http://h/i/abcdefghijkl');
      expect(part).toContain('Grace');
      expect(part).toContain('org acme');
      expect(part).toContain('admin');
      expect(part).toContain('2030');
    }
    expect(Buffer.byteLength(m.html)).toBeLessThan(100 * 1024);
    expect(t.render('invite', { ...base, expiresAt: null }).text).toContain('does not expire');
  });

  it('escapes every value in the HTML and never expands placeholders found in values', () => {
    const m = t.render('invite', {
      ...base,
      inviterName: '<img src=x onerror=alert(1)>',
      role: '{{url}}"\'&',
      scope: { type: '<script>', id: '</a>' },
    });
    expect(m.html).not.toMatch(/<img src=x|<script>|<\/a>&/);
    expect(m.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(m.html).toContain('{{url}}&quot;&#39;&amp;');
    expect(m.text).toContain('{{url}}"\'&');
  });

  it('renders with a language tag Intl refuses, in English dates', () => {
    expect(() => t.render('invite', { ...base, locale: 'en-a1' })).not.toThrow();
    expect(t.render('invite', { ...base, locale: 'en-a1' }).text).toContain('January 2, 2030');
  });
});
