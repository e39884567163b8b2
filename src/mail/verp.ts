import { createHmac } from 'node:crypto';

/**
 * VERP (variable envelope return path): each message's envelope sender is BOUNCE_ADDRESS with a
 * token naming the invite and the send, `local+inv_….SEQ.MAC@domain`, so a bounce report tells
 * which message bounced. Lowercase only, since some servers fold the case of local parts.
 */
export function createVerp(secret: string, bounceAddress: string) {
  const at = bounceAddress.lastIndexOf('@');
  const local = bounceAddress.slice(0, at).split('+')[0];
  const domain = bounceAddress.slice(at + 1).toLowerCase();
  const mac = (id: string, seq: number) =>
    createHmac('sha256', secret).update(`verp:${id}.${seq}`).digest('hex').slice(0, 16);
  const source = `${escape(local)}\\+(inv_[0-9a-z]{19})\\.(\\d{1,6})\\.([0-9a-f]{16})@${escape(domain)}`;
  // Two patterns, neither shared state: a global RegExp keeps `lastIndex` between calls, and
  // matchAll starts from it, so a find() after a parse() skipped a token before that position.
  const whole = new RegExp(`^${source}$`, 'i');

  /** The invite and send a token names, when its MAC holds. */
  function check(m: RegExpExecArray): { inviteId: string; seq: number } | null {
    const [id, seq, given] = [m[1].toLowerCase(), Number(m[2]), m[3].toLowerCase()];
    return mac(id, seq) === given ? { inviteId: id, seq } : null;
  }

  return {
    /** The envelope sender of one message. */
    address: (inviteId: string, seq: number) => `${local}+${inviteId}.${seq}.${mac(inviteId, seq)}@${domain}`,
    /** Reads an envelope address: the invite and send it names, or null for anything else. */
    parse(address: string) {
      const m = whole.exec(address.trim());
      return m ? check(m) : null;
    },
    /** Finds the first valid VERP address anywhere in a text (a report forwarded over HTTP). */
    find(text: string) {
      for (const m of text.matchAll(new RegExp(source, 'gi'))) {
        const hit = check(m);
        if (hit) return hit;
      }
      return null;
    },
  };
}
export type Verp = ReturnType<typeof createVerp>;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
