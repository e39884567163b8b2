import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('uses the compiled files the build wrote while their sources are unchanged, else compiles', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'herald-tpl-')), 'templates.compiled.json');
    await loadTemplates('templates', { precompiled: file, save: true });
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(saved)).toEqual(
      expect.arrayContaining(['templates/en/invite', 'templates/fr/invite']),
    );
    // A marker in the saved HTML shows which one rendered.
    saved['templates/en/invite'].compiled.html[0] =
      `<!-- precompiled -->${saved['templates/en/invite'].compiled.html[0]}`;
    writeFileSync(file, JSON.stringify(saved));
    const pre = await loadTemplates('templates', { precompiled: file });
    expect(pre.render('invite', base).html).toContain('<!-- precompiled -->');
    expect(pre.render('invite', base).html).toBe(
      t.render('invite', base).html.replace(/^/, '<!-- precompiled -->'),
    );
    saved['templates/en/invite'].digest = 'a source edited since the build';
    writeFileSync(file, JSON.stringify(saved));
    const fresh = await loadTemplates('templates', { precompiled: file });
    expect(fresh.render('invite', base).html).toBe(t.render('invite', base).html);
  });
});
