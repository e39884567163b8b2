import { createVault } from '../vault.js';

/**
 * One-click unsubscribe tokens (RFC 8058): the recipient's address sealed with a key derived
 * from INVITE_SECRET. Nobody can read the address from a token or make one for another address,
 * and a token is not an invite code: it unsubscribes, nothing else.
 */
export function createUnsubscribeTokens(secret: string, publicUrl: string) {
  const vault = createVault(secret, 'herald unsubscribe v1');
  return {
    url: (emailKey: string) => `${publicUrl}/u/${vault.seal(emailKey)}`,
    /** The address a token names, or null for anything that is not a token of ours. */
    read(token: string): string | null {
      if (!/^[A-Za-z0-9_-]{30,600}$/.test(token)) return null;
      try {
        return vault.open(token);
      } catch {
        return null;
      }
    },
  };
}
export type UnsubscribeTokens = ReturnType<typeof createUnsubscribeTokens>;
