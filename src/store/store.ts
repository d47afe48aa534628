/**
 * The store port: a small, KV-shaped interface with the atomics Fedgate's flows need. Two real
 * adapters implement it (durable-object.ts, upstash.ts) and pass one contract suite
 * (test/store/contract.ts). Values are JSON; every method is one round trip to the backend.
 *
 * Keys are built only in keys.ts. A key may carry a partition in Redis hash-tag form, `{tag}rest`:
 * keys that are written together (a record and its index entries) must share it.
 */

/** A stored value together with its version, for compare-and-set. Versions are opaque. */
export interface Versioned<T> {
  value: T;
  version: string;
}

export interface WriteOptions {
  /** Time to live; the value (and its index entries) disappear after it. */
  ttlMs?: number;
  /**
   * Unique secondary index keys that point at this record, replacing the ones it had. Omitted:
   * the record keeps its index keys (their TTL follows the record's).
   */
  indexes?: readonly string[];
}

export interface SetOptions extends WriteOptions {
  /** Write only if the key holds no value. */
  ifAbsent?: boolean;
}

/**
 * A write's outcome: the new version (for a later compare-and-set, or an ETag), or why a
 * conditional write did not happen: the key itself, or the index key owned by another record.
 */
export type WriteResult = { ok: true; version: string } | { ok: false; conflict: string };

export interface Window {
  /** The count in the current window, this increment included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetInMs: number;
}

/** A rate limit: at most `limit` requests per window of `windowMs`. */
export interface RatePolicy {
  limit: number;
  windowMs: number;
}

/** The outcome of counting one request against a RatePolicy. */
export interface RateDecision {
  /** False once the window holds more than `limit` requests, this one included. */
  allowed: boolean;
  /** Requests the window still allows after this one (0 when refused). */
  remaining: number;
  /** Milliseconds until the window resets and the count starts over. */
  resetInMs: number;
}

export interface ListPage<T> {
  items: { id: string; value: T }[];
  /** Pass back as `cursor` to read the next (older) page; absent on the last page. */
  cursor?: string;
}

export interface Store {
  get<T>(key: string): Promise<T | null>;
  getVersioned<T>(key: string): Promise<Versioned<T> | null>;
  /** Several values with their versions, in one round trip (keys may be in different partitions). */
  getManyVersioned<T>(keys: readonly string[]): Promise<(Versioned<T> | null)[]>;
  set(key: string, value: unknown, options?: SetOptions): Promise<WriteResult>;
  /**
   * Writes `value` only if the key still holds `expectedVersion` (from getVersioned), or holds
   * nothing when `expectedVersion` is null.
   */
  compareAndSet(key: string, expectedVersion: string | null, value: unknown, options?: WriteOptions): Promise<WriteResult>;
  /** Removes the key and its index entries; true if it held a value. */
  delete(key: string): Promise<boolean>;
  /** Gets and deletes atomically: of concurrent takes of one key, exactly one gets the value. */
  take<T>(key: string): Promise<T | null>;
  /** The record an index key points at, resolved in the same round trip. */
  getByIndex<T>(indexKey: string): Promise<T | null>;
  /** Fixed-window counter: increments `key`, starting a window of `windowMs` if none is running. */
  increment(key: string, windowMs: number): Promise<Window>;
  /**
   * Counts one request under `key` against `policy`, in a fixed window, and says whether it is
   * allowed. Refused requests count too. Windows are `policy.windowMs` long; an adapter may start
   * them at the first request (Durable Object) or align them to multiples of the window (Upstash),
   * so the first window of a key may be shorter. Atomic, like `increment`.
   */
  limit(key: string, policy: RatePolicy): Promise<RateDecision>;
  /**
   * Appends to an append-only list; returns the item's id. Keeps the `maxLength` newest items; an
   * adapter may trim a long list (over 1,000) in batches, holding up to 64 more for a while.
   */
  append(key: string, value: unknown, options?: { maxLength?: number }): Promise<string>;
  /**
   * Appends items to an append-only list in one round trip, skipping any whose `id` the list already
   * holds (a redelivered batch writes nothing twice); returns how many were new. Items are appended in
   * the order given, so the last is read first; `list` answers them under their own ids. `ttlMs`: the
   * whole list (items and ids) expires that long after the call that created it.
   */
  appendMany(key: string, items: readonly { id: string; value: unknown }[], options?: { ttlMs?: number }): Promise<number>;
  /** Reads a list newest first, `limit` items a page. */
  list<T>(key: string, options?: { limit?: number; cursor?: string }): Promise<ListPage<T>>;
  /**
   * The records whose keys start with `prefix`, in key order, `limit` a page. The prefix must
   * name a partition (`{tag}…`): a scan reads one partition. Items' ids are their keys.
   */
  scan<T>(prefix: string, options?: { limit?: number; cursor?: string }): Promise<ListPage<T>>;
}

export type StoreErrorCode =
  /** The backend did not answer, answered with an error, or timed out: endpoints answer 503. */
  | "unavailable"
  /** A caller passed a malformed list cursor: endpoints answer 400. */
  | "bad_cursor"
  /** A write named index keys in another partition than its record: a bug in the caller. */
  | "cross_partition";

/** The only error a Store throws. */
export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

/** Clamps a requested page size to 1..MAX_PAGE_SIZE. */
export function pageSize(limit: number | undefined): number {
  return Math.min(Math.max(Math.trunc(limit ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE);
}

/** A RateDecision from a fixed-window count (for adapters that count with `increment`). */
export function rateDecision(window: Window, policy: RatePolicy): RateDecision {
  return {
    allowed: window.count <= policy.limit,
    remaining: Math.max(0, policy.limit - window.count),
    resetInMs: Math.max(0, window.resetInMs),
  };
}

/** The partition of a key: the text inside a leading `{…}` hash tag, or undefined. */
export function partitionOf(key: string): string | undefined {
  if (!key.startsWith("{")) return undefined;
  const end = key.indexOf("}");
  return end > 1 ? key.slice(1, end) : undefined;
}

/** The partition a scan reads; refuses an untagged prefix. */
export function scanPartition(prefix: string): string {
  const partition = partitionOf(prefix);
  if (partition === undefined) throw new StoreError("cross_partition", `scan prefix "${prefix}" names no partition`);
  return partition;
}

/** A scan cursor is the last key of the previous page and must lie under the prefix. */
export function checkScanCursor(prefix: string, cursor: string | undefined): void {
  if (cursor !== undefined && (!cursor.startsWith(prefix) || cursor.length > 1024)) {
    throw new StoreError("bad_cursor", "cursor is not one this scan handed out");
  }
}

/** A record and its index entries must live in one partition (one object, one Redis hash slot). */
export function assertSamePartition(key: string, indexes: readonly string[] | undefined): void {
  const partition = partitionOf(key);
  for (const index of indexes ?? []) {
    if (partition === undefined || partitionOf(index) !== partition) {
      throw new StoreError("cross_partition", `index "${index}" is not in the partition of "${key}"`);
    }
  }
}
