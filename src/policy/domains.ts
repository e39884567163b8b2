import { createRequire } from 'node:module';
import { domainToASCII } from 'node:url';

const require = createRequire(import.meta.url);
// Maintained lists from packages (DESIGN §17), read once: free-mail providers from
// `email-providers` (all.json), disposable domains from `mailchecker`. They change when the
// packages are updated (`npm update email-providers mailchecker` and a redeploy).
const FREE = new Set<string>(require('email-providers/all.json') as string[]);
const DISPOSABLE: Set<string> = (
  require('mailchecker/platform/node') as { blacklist(): Set<string> }
).blacklist();

/** A domain in its lowercase ASCII (punycode) form, without a trailing dot; '' when not a domain. */
export function asciiDomain(domain: string): string {
  return domainToASCII(domain.trim().replace(/\.$/, '')).toLowerCase();
}

/** The ASCII domain of an address (after its last @). */
export const domainOf = (email: string) => asciiDomain(email.slice(email.lastIndexOf('@') + 1));

/** The domain itself and each parent it is a subdomain of: a.b.c → a.b.c, b.c, c. */
export function withParents(domain: string): string[] {
  const labels = domain.split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/** Whether one of `domains` is `domain` or a parent of it (label by label: evil-acme.test is not acme.test). */
export const covered = (domains: Set<string>, domain: string) =>
  withParents(domain).some((d) => domains.has(d));

export const isFreeMail = (domain: string) => covered(FREE, domain);
export const isDisposable = (domain: string) => covered(DISPOSABLE, domain);
