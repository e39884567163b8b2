import { describe, expect, it } from 'vitest';
import { heraldWithTenant, waitFor } from '../helpers.js';

// Branding per tenant in both e-mail parts, the From and the landing page (DESIGN §16).
const suite = heraldWithTenant({ tenant: 'wonka', env: { SENDER_DOMAINS: 'brand.test' } });
const op = suite.op;
const W = 'wonka';
const hostile = {
  productName: 'Wonka <b>"&" Co</b>',
  logoUrl: 'https://cdn.brand.test/logo.png?a=1&b="2"',
  primaryColor: '#AA3300',
  fromName: 'Willy "W" <Wonka>',
  fromAddress: 'invites@brand.test',
  replyTo: 'help@brand.test',
  footer: 'Factory <script>alert(1)</script> & "sons"',
  supportUrl: 'https://help.brand.test/?q=<x>&r="y"',
};
const mailTo = (addr: string) =>
  waitFor(() => suite.sink.messages.find((m) => m.to.includes(addr)), 15_000, addr);

describe('branding', () => {
  it('refuses what it must: a sender outside SENDER_DOMAINS, http logos, bad colours', async () => {
    const put = (body: object) => op({ method: 'PUT', url: '/v1/branding', body, tenant: W });
    const sender = await put({ fromAddress: 'x@elsewhere.test' });
    expect([sender.statusCode, sender.json().error.code]).toEqual([422, 'sender_not_allowed']);
    for (const [field, value] of [
      ['logoUrl', 'http://cdn.brand.test/logo.png'],
      ['logoUrl', 'javascript:alert(1)'],
      ['primaryColor', 'red;background:url(x)'],
      ['supportUrl', 'javascript:alert(1)'],
    ]) {
      const r = await put({ [field]: value });
      expect([field, r.statusCode, JSON.stringify(r.json())]).toEqual([
        field,
        400,
        expect.stringContaining(field),
      ]);
    }
    expect((await op({ method: 'GET', url: '/v1/branding', tenant: W })).json().productName).toBeNull();
  });

  it('shows the tenant’s branding, escaped, in both parts, the From and the landing page; default keeps Herald’s', async () => {
    const put = await op({ method: 'PUT', url: '/v1/branding', body: hostile, tenant: W });
    expect([put.statusCode, put.json()]).toEqual([200, hostile]);
    expect((await op({ method: 'GET', url: '/v1/branding', tenant: W })).json()).toEqual(hostile);

    const inv = (
      await op({ method: 'POST', url: '/v1/invites', body: { email: 'kid@brand.test' }, tenant: W })
    ).json();
    const m = (await mailTo('kid@brand.test'))!.mail;
    const html = m.html ?? '';
    expect(html).toContain('Wonka &lt;b&gt;&quot;&amp;&quot; Co&lt;/b&gt;');
    expect(html).not.toContain('<b>"&" Co');
    expect(html).toContain('Factory &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;sons&quot;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('src="https://cdn.brand.test/logo.png?a=1&amp;b=&quot;2&quot;"');
    expect(html).toContain('href="https://help.brand.test/?q=&lt;x&gt;&amp;r=&quot;y&quot;"');
    expect(html.toLowerCase()).toContain('#aa3300');
    expect(html.toLowerCase()).not.toContain('#4338ca');
    expect(m.text).toContain('Wonka <b>"&" Co</b>');
    expect(m.text).toContain('Factory <script>alert(1)</script> & "sons"');
    expect(m.from).toEqual({ name: 'Willy "W" <Wonka>', address: 'invites@brand.test' });
    expect(m.replyTo?.[0]?.address).toBe('help@brand.test');

    const landing = await suite.h.inject({ method: 'GET', url: `/i/${inv.code}` });
    expect(landing.body).toContain('Wonka &lt;b&gt;&quot;&amp;&quot; Co&lt;/b&gt;');
    expect(landing.body).toContain(
      '<img class="logo" src="https://cdn.brand.test/logo.png?a=1&amp;b=&quot;2&quot;"',
    );
    expect(landing.body).toContain('href="https://help.brand.test/?q=&lt;x&gt;&amp;r=&quot;y&quot;"');
    const nonce = /<style nonce="([^"]+)">:root\{--brand:#aa3300\}<\/style>/.exec(landing.body)?.[1];
    expect(nonce).toBeDefined();
    const csp = String(landing.headers['content-security-policy']);
    expect(csp).toContain(`style-src 'self' 'nonce-${nonce}'`);
    expect(csp).toContain('img-src ' + "'self' data: https://cdn.brand.test");

    // The unsubscribe page of its message wears the same branding, under the same CSP rules.
    const link = m.headers.find((x) => x.key === 'list-unsubscribe')?.value as string;
    const unsub = await suite.h.inject({ method: 'GET', url: new URL(link.slice(1, -1)).pathname });
    expect(unsub.statusCode).toBe(200);
    expect(unsub.body).toContain('Wonka &lt;b&gt;&quot;&amp;&quot; Co&lt;/b&gt;');
    expect(unsub.body).toContain('Factory &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(unsub.body).not.toContain('<script>');
    const unsubNonce = /<style nonce="([^"]+)">:root\{--brand:#aa3300\}<\/style>/.exec(unsub.body)?.[1];
    expect(unsubNonce).toBeDefined();
    const unsubCsp = String(unsub.headers['content-security-policy']);
    expect(unsubCsp).toContain(`style-src 'self' 'nonce-${unsubNonce}'`);
    expect(unsubCsp).toContain("form-action 'self'");

    // The default tenant is untouched.
    const mine = (
      await op({ method: 'POST', url: '/v1/invites', body: { email: 'plain@brand.test' } })
    ).json();
    const plain = (await mailTo('plain@brand.test'))!.mail;
    expect(plain.html).toContain('Herald');
    expect(plain.html).not.toContain('Wonka');
    expect(plain.from?.address).toBe('invites@localhost');
    const home = await suite.h.inject({ method: 'GET', url: `/i/${mine.code}` });
    expect(home.body).not.toContain('Wonka');
    expect(home.body).not.toContain('<style');
    const plainLink = plain.headers.find((x) => x.key === 'list-unsubscribe')?.value as string;
    const plainUnsub = await suite.h.inject({ method: 'GET', url: new URL(plainLink.slice(1, -1)).pathname });
    expect(plainUnsub.body).toContain('Herald');
    expect(plainUnsub.body).not.toContain('Wonka');
  });
});
