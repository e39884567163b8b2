import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

/** DOMAIN_RATES `gmail.com=20,outlook.com=10,*=50` → messages per second per recipient domain. */
export function parseDomainRates(text: string, problems: string[]): Record<string, number> {
  const rates: Record<string, number> = {};
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\*|[a-z0-9.-]+)=(\d+(?:\.\d+)?)$/i.exec(item);
    if (!m || Number(m[2]) <= 0) problems.push(`DOMAIN_RATES: "${item}" is not domain=messages-per-second`);
    else rates[m[1].toLowerCase()] = Number(m[2]);
  }
  return rates;
}

/** The address inside `Name <local@domain>` or a bare address. */
export const addressOf = (mailbox: string) => (/<([^>]+)>/.exec(mailbox)?.[1] ?? mailbox).trim();

export interface Dkim {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** DKIM from its three settings (all or none); the key is PEM text or a path to a PEM file. */
export function resolveDkim(
  domain: string | undefined,
  selector: string | undefined,
  key: string | undefined,
  problems: string[],
): Dkim | null {
  const given = [domain, selector, key].filter((v) => v !== undefined).length;
  if (given === 0) return null;
  if (given < 3) {
    problems.push('DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY: set all three to sign, or none');
    return null;
  }
  let pem = key!.replace(/\\n/g, '\n');
  if (!pem.includes('-----BEGIN')) {
    if (!existsSync(pem)) {
      problems.push(`DKIM_PRIVATE_KEY: neither PEM text nor a readable file (${pem.slice(0, 80)})`);
      return null;
    }
    pem = readFileSync(pem, 'utf8');
  }
  try {
    const k = createPrivateKey(pem);
    if (k.asymmetricKeyType !== 'rsa' && k.asymmetricKeyType !== 'ed25519')
      throw new Error('not RSA or Ed25519');
  } catch (err) {
    problems.push(`DKIM_PRIVATE_KEY: not a usable private key (${(err as Error).message})`);
    return null;
  }
  return { domainName: domain!, keySelector: selector!, privateKey: pem };
}
