import { createHash, randomInt } from 'node:crypto';

/*
 * Which partition holds an invite. An address always leads to the same partition, so the
 * one-pending-invite-per-(email, scope) rule and the suppression check stay inside one script;
 * an open invite gets a random one. The id and the code both carry their partition, so a read by
 * id or by code goes straight to it: the id in its random tail, the code in its first four
 * characters (placeCode), set when the code is derived, so one derivation always lands.
 */
export interface Partitioning {
  count: number;
  /** The partition of an address (lowercase), or a random one for an open invite. */
  ofEmail(emailKey: string | null): number;
  ofId(id: string): number;
  /** The partition a code names (its first four characters, placeCode). */
  ofCode(code: string): number;
}

// A code's first four characters, as the 24 bits they spell in base64url.
const HEAD = 2 ** 24;
const headOf = (code: string) => Buffer.from(code.slice(0, 4), 'base64url').readUIntBE(0, 3);

/**
 * A derived code made to name `partition` of `count`: its first 24 bits moved to the nearest value
 * below that is `partition` modulo `count`; the other characters stay as derived. Every head
 * value names some partition, so a guess is as likely to hit an invite as before (1 in 2^72 per
 * invite); a code is placed in one step where drawing salts until its digest landed took `count`
 * draws of two HMACs each (300 µs a draft at 48 partitions, BENCHMARKS.md).
 */
export function placeCode(code: string, partition: number, count: number): string {
  const head = headOf(code);
  let placed = head - (head % count) + partition;
  if (placed >= HEAD) placed -= count;
  const bytes = Buffer.alloc(3);
  bytes.writeUIntBE(placed, 0, 3);
  return bytes.toString('base64url') + code.slice(4);
}

export function partitioning(count: number): Partitioning {
  return {
    count,
    ofEmail: (emailKey) =>
      emailKey === null
        ? randomInt(0, count)
        : createHash('sha1').update(emailKey).digest().readUInt32BE(0) % count,
    ofId: (id) => parseInt(id.slice(-6), 36) % count,
    ofCode: (code) => headOf(code) % count,
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
