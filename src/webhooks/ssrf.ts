import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promises as dns } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { HeraldError } from '../errors.js';

/**
 * Webhook URLs must not reach into the network Herald runs in (SSRF). WHATWG URL parsing already
 * turns odd IPv4 spellings (2130706433, 0x7f.1, 017700000001) into dotted quads; ipaddr.js then
 * names the range, and only plain public unicast is allowed. IPv4-mapped IPv6 is judged as IPv4.
 */
export function addressAllowed(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  }
  return ip.range() === 'unicast';
}

const refuse = (message: string) =>
  new HeraldError('webhook_url_not_allowed', 400, message, [{ field: 'url' }]);

/** Parses and checks a webhook URL's form; returns the URL and its host as an address or name. */
export function parseWebhookUrl(raw: string): { url: URL; host: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('The webhook URL is not a valid URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw refuse('Webhook URLs must be http or https.');
  if (url.username || url.password) throw refuse('Webhook URLs must not carry credentials.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { url, host };
}

/**
 * Refuses a URL whose host is, or resolves to, an internal address (unless private ones are
 * allowed). A name that does not resolve here is accepted: delivery checks again, since DNS can
 * change between registration and delivery.
 */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<string> {
  const { url, host } = parseWebhookUrl(raw);
  if (allowPrivate) return url.toString();
  if (ipaddr.isValid(host)) {
    if (!addressAllowed(host)) throw refuse(`Webhook URLs may not point to ${host} (an internal address).`);
    return url.toString();
  }
  if (host === 'localhost' || host.endsWith('.localhost'))
    throw refuse('Webhook URLs may not point to localhost.');
  let addresses: LookupAddress[];
  try {
    // A resolver that does not answer must not hold the request: unanswered counts as unresolved.
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('timeout')), 2000).unref(),
    );
    addresses = await Promise.race([dns.lookup(host, { all: true, verbatim: true }), timeout]);
  } catch {
    return url.toString();
  }
  const bad = addresses.find((a) => !addressAllowed(a.address));
  if (bad) throw refuse(`Webhook URL host ${host} resolves to ${bad.address} (an internal address).`);
  return url.toString();
}

/**
 * A `lookup` for http.request that connects only to allowed addresses, so the address checked is
 * the address used (no gap for DNS rebinding between a check and the connection).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (
    hostname: string,
    options: object,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, []);
      const usable = allowPrivate ? addresses : addresses.filter((a) => addressAllowed(a.address));
      if (usable.length === 0) {
        return callback(
          Object.assign(new Error(`${hostname} resolves only to internal addresses`), { code: 'EBLOCKED' }),
          [],
        );
      }
      if ((options as { all?: boolean }).all) return callback(null, usable);
      callback(null, usable[0].address, usable[0].family);
    });
  };
}
