/**
 * A per-process cache of values read from Redis for `ms`: a change made by any process reaches
 * every other within `ms`, and a hot path pays one read per key per `ms` rather than per call.
 */
export function ttlCache<T>(ms: number, load: (key: string) => Promise<T>) {
  const held = new Map<string, { at: number; value: T }>();
  return {
    async get(key: string): Promise<T> {
      const hit = held.get(key);
      if (hit && Date.now() - hit.at < ms) return hit.value;
      const value = await load(key);
      held.set(key, { at: Date.now(), value });
      return value;
    },
    /** What this process just wrote: seen at once here, elsewhere within `ms`. */
    set(key: string, value: T) {
      held.set(key, { at: Date.now(), value });
    },
    delete(key: string) {
      held.delete(key);
    },
  };
}
