import { createHash, randomInt } from 'node:crypto';

/*
 * Which partition holds an invite. An address always leads to the same partition, so the
 * one-pending-invite-per-(email, scope) rule and the suppression check stay inside one script;
 * an open invite gets a random one. The id and the code both carry their partition, so a read by
 * id or by code goes straight to it: the id in its random tail, the code by drawing salts until
 * its lookup digest falls in the partition (N draws on average).
 */
export interface Partitioning {
  count: number;
  /** The partition of an address (lowercase), or a random one for an open invite. */
  ofEmail(emailKey: string | null): number;
  ofId(id: string): number;
  ofDigest(digest: string): number;
}

export function partitioning(count: number): Partitioning {
  return {
    count,
    ofEmail: (emailKey) =>
      emailKey === null
        ? randomInt(0, count)
        : createHash('sha1').update(emailKey).digest().readUInt32BE(0) % count,
    ofId: (id) => parseInt(id.slice(-6), 36) % count,
    ofDigest: (digest) => Buffer.from(digest.slice(0, 4), 'base64url').readUIntBE(0, 3) % count,
  };
}

/** Six base-36 characters of randomness that land in `partition` (see ofId). */
export function randomTail(partition: number, count: number): string {
  const r = randomInt(0, Math.floor(36 ** 6 / count)) * count + partition;
  return r.toString(36).padStart(6, '0');
}

/** Groups items by the partition of their invite id, keeping their order within each. */
export function byPartition<T>(p: Partitioning, items: T[], idOf: (t: T) => string): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const t of items) {
    const i = p.ofId(idOf(t));
    const group = groups.get(i);
    if (group) group.push(t);
    else groups.set(i, [t]);
  }
  return groups;
}
