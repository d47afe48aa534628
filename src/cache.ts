/**
 * A small per-isolate cache for hot configuration (clients, domain mappings, upstream discovery):
 * TTL and bounded size. Writes in this isolate invalidate; other isolates see a change within the TTL.
 *
 * Only settled values are shared. A pending promise must never be handed from one request to
 * another in Workers: the waiting request would resume in the loading request's I/O context and
 * fail ("Cannot perform I/O on behalf of a different request"). Concurrent misses each load.
 */
export class IsolateCache<V> {
  private readonly entries = new Map<string, { at: number; value: V }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.at < this.ttlMs) return entry.value;
    const value = await load();
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { at: this.now(), value });
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** A value computed once per isolate from a key object, cached only once settled (see IsolateCache). */
export function memoSettled<K extends object, V>(compute: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const settled = new WeakMap<K, V>();
  return async (key) => {
    if (settled.has(key)) return settled.get(key)!;
    const value = await compute(key);
    settled.set(key, value);
    return value;
  };
}
