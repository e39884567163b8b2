import { createVault } from '../vault.js';

/**
 * One-click unsubscribe tokens (RFC 8058): the recipient's address sealed with a key derived
 * from INVITE_SECRET, after `TENANT|` outside tenant default (an unsubscribe is the tenant's,
 * DESIGN §15; addresses hold no `|`). Nobody can read the address from a token or make one for
 * another address, and a token is not an invite code: it unsubscribes, nothing else.
 */
export function createUnsubscribeTokens(secret: string, publicUrl: string) {
  const vault = createVault(secret, 'herald unsubscribe v1');
  return {
    url: (tenant: string, emailKey: string) =>
      `${publicUrl}/u/${vault.seal(tenant === 'default' ? emailKey : `${tenant}|${emailKey}`)}`,
    /** The tenant and address a token names, or null for anything that is not a token of ours. */
    read(token: string): { tenant: string; address: string } | null {
      if (!/^[A-Za-z0-9_-]{30,600}$/.test(token)) return null;
      try {
        const sealed = vault.open(token);
        const bar = sealed.indexOf('|');
        return bar < 0
          ? { tenant: 'default', address: sealed }
          : { tenant: sealed.slice(0, bar), address: sealed.slice(bar + 1) };
      } catch {
        return null;
      }
    },
  };
}
export type UnsubscribeTokens = ReturnType<typeof createUnsubscribeTokens>;
