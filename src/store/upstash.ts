/**
 * The production store: Redis over Upstash's REST protocol (`@upstash/redis`). Each port operation
 * is a single command or Lua script, so it is one HTTP round trip and atomic in Redis.
 *
 * The scripts touch keys derived from the declared ones (a record's index set, the record an index
 * points at): fine on Upstash and single-node Redis, and hash tags keep them in one slot elsewhere.
 */
import { Redis } from "@upstash/redis/cloudflare";
import {
  StoreError,
  assertSamePartition,
  checkScanCursor,
  pageSize,
  partitionOf,
  rateDecision,
  scanPartition,
  type ListPage,
  type RateDecision,
  type RatePolicy,
  type SetOptions,
  type Store,
  type Versioned,
  type Window,
  type WriteOptions,
  type WriteResult,
} from "./store";

/** Bound on one HTTP round trip to Upstash; one quick retry on network errors. */
const REQUEST_TIMEOUT_MS = 2_000;

/** The set of index keys a record owns lives beside it (same hash tag). */
const indexSetOf = (key: string) => `${key}\u001Findexes`;
/** Each partition keeps a sorted set of its record keys, for scans (store.ts `scan`). */
const keySetOf = (key: string) => {
  const partition = partitionOf(key);
  return partition === undefined ? undefined : `{${partition}}\u001Fkeys`;
};

/**
 * KEYS: record, its index set, its partition's key set, new index keys. ARGV: value, ttl ms or "",
 * condition ("any" | "absent" | "version"), expected version, "1" when the index set is replaced,
 * "1" when the record is in a partition (and so in the key set).
 * Returns nil on success, else the key (record or index) that stood in the way.
 */
const WRITE = `
local key, indexSet = KEYS[1], KEYS[2]
local current = redis.call('GET', key)
if ARGV[3] == 'absent' and current then return key end
if ARGV[3] == 'version' and current ~= ARGV[4] then return key end
for i = 4, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  if owner and owner ~= key and redis.call('EXISTS', owner) == 1 then return KEYS[i] end
end
local replace = ARGV[5] == '1'
if replace or not current then
  for _, old in ipairs(redis.call('SMEMBERS', indexSet)) do
    if redis.call('GET', old) == key then redis.call('DEL', old) end
  end
  redis.call('DEL', indexSet)
end
local indexes = {}
if replace then
  for i = 4, #KEYS do indexes[#indexes + 1] = KEYS[i] end
elseif current then
  indexes = redis.call('SMEMBERS', indexSet)
end
local ttl = tonumber(ARGV[2])
local function put(k, v)
  if ttl then redis.call('SET', k, v, 'PX', ttl) else redis.call('SET', k, v) end
end
put(key, ARGV[1])
if ARGV[6] == '1' then redis.call('ZADD', KEYS[3], 0, key) end
for _, index in ipairs(indexes) do put(index, key) end
if #indexes > 0 then
  if replace then redis.call('SADD', indexSet, unpack(indexes)) end
  if ttl then redis.call('PEXPIRE', indexSet, ttl) else redis.call('PERSIST', indexSet) end
end
return nil
`;

/** KEYS: record, its index set, its key set. ARGV: "1" if in a partition. Deletes; returns the old value. */
const TAKE = `
local value = redis.call('GET', KEYS[1])
for _, index in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('GET', index) == KEYS[1] then redis.call('DEL', index) end
end
redis.call('DEL', KEYS[1], KEYS[2])
if ARGV[1] == '1' then redis.call('ZREM', KEYS[3], KEYS[1]) end
return value
`;

/**
 * KEYS: a partition's key set. ARGV: lex start ("[prefix" or "(cursor"), prefix, limit.
 * Returns {key, value, …} for up to `limit` live records; forgets keys whose records expired.
 */
const SCAN = `
local out, start, want = {}, ARGV[1], tonumber(ARGV[3])
local upper = '(' .. ARGV[2] .. '\\255'
while #out < want * 2 do
  local batch = redis.call('ZRANGEBYLEX', KEYS[1], start, upper, 'LIMIT', 0, want)
  for _, k in ipairs(batch) do
    local v = redis.call('GET', k)
    if not v then redis.call('ZREM', KEYS[1], k)
    elseif #out < want * 2 then out[#out + 1] = k; out[#out + 1] = v end
  end
  if #batch < want then break end
  start = '(' .. batch[#batch]
end
return out
`;

/**
 * KEYS: a list (stream), the set of its item ids. ARGV: ttl ms or "", then id, value pairs.
 * Appends each item whose id is new (its id in field `i`); a new list and its id set get the TTL.
 */
const APPEND_MANY = `
local added = 0
for i = 2, #ARGV, 2 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    redis.call('XADD', KEYS[1], '*', 'v', ARGV[i + 1], 'i', ARGV[i])
    added = added + 1
  end
end
local ttl = tonumber(ARGV[1])
if ttl and added > 0 and redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return added
`;

/** KEYS: index key. Returns the value of the record it points at. */
const GET_BY_INDEX = `
local owner = redis.call('GET', KEYS[1])
if not owner then return nil end
return redis.call('GET', owner)
`;

/** KEYS: counter. ARGV: window ms. Returns {count, ms until reset}. */
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return {count, ttl}
`;

/** The Store port over Upstash Redis. */
export class UpstashStore implements Store {
  private readonly redis: Redis;
  private readonly scripts;

  constructor(options: { url: string; token: string; retry?: boolean }) {
    this.redis = new Redis({
      url: options.url,
      token: options.token,
      automaticDeserialization: false,
      enableTelemetry: false,
      // One port call is one HTTP request: predictable ordering and round-trip counts.
      enableAutoPipelining: false,
      // A function, so every request gets a fresh timeout (and aborts are not retried).
      signal: () => AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      retry: options.retry === false ? false : { retries: 1, backoff: () => 50 },
    });
    this.scripts = {
      write: this.redis.createScript<string | null>(WRITE),
      take: this.redis.createScript<string | null>(TAKE),
      getByIndex: this.redis.createScript<string | null, true>(GET_BY_INDEX, { readonly: true }),
      increment: this.redis.createScript<[number, number]>(INCREMENT),
      scan: this.redis.createScript<string[]>(SCAN),
      appendMany: this.redis.createScript<number>(APPEND_MANY),
    };
  }

  /** Runs one backend call, turning every failure into a StoreError. */
  private async run<R>(what: string, call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      throw new StoreError("unavailable", `upstash ${what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  async get<T>(key: string): Promise<T | null> {
    return parse<T>(await this.run("GET", () => this.redis.get<string>(key)));
  }

  async getVersioned<T>(key: string): Promise<Versioned<T> | null> {
    const raw = await this.run("GET", () => this.redis.get<string>(key));
    return raw === null ? null : { value: JSON.parse(raw) as T, version: raw };
  }

  async getManyVersioned<T>(keys: readonly string[]): Promise<(Versioned<T> | null)[]> {
    if (keys.length === 0) return [];
    const values = await this.run("MGET", () => this.redis.mget<(string | null)[]>(...keys));
    return values.map((raw) => (raw === null ? null : { value: JSON.parse(raw) as T, version: raw }));
  }

  async set(key: string, value: unknown, options: SetOptions = {}): Promise<WriteResult> {
    if (options.indexes === undefined && partitionOf(key) === undefined) {
      // Untagged keys cannot own index entries, so a plain SET (PX, NX) does: no script needed.
      const json = JSON.stringify(value);
      const px = options.ttlMs === undefined ? {} : { px: options.ttlMs };
      const reply = await this.run("SET", () =>
        options.ifAbsent ? this.redis.set(key, json, { ...px, nx: true }) : this.redis.set(key, json, px),
      );
      return reply === "OK" ? { ok: true, version: json } : { ok: false, conflict: key };
    }
    return this.write(key, value, options, options.ifAbsent ? ["absent", ""] : ["any", ""]);
  }

  compareAndSet(key: string, expectedVersion: string | null, value: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    return this.write(key, value, options, expectedVersion === null ? ["absent", ""] : ["version", expectedVersion]);
  }

  private async write(key: string, value: unknown, options: WriteOptions, condition: [string, string]): Promise<WriteResult> {
    assertSamePartition(key, options.indexes);
    const keySet = keySetOf(key);
    const json = JSON.stringify(value);
    const args = [json, options.ttlMs === undefined ? "" : String(options.ttlMs), ...condition, options.indexes ? "1" : "0", keySet ? "1" : "0"];
    const keys = [key, indexSetOf(key), keySet ?? indexSetOf(key), ...(options.indexes ?? [])];
    const conflict = await this.run("write", () => this.scripts.write.exec(keys, args));
    return conflict === null ? { ok: true, version: json } : { ok: false, conflict };
  }

  async delete(key: string): Promise<boolean> {
    return (await this.take(key)) !== null;
  }

  async take<T>(key: string): Promise<T | null> {
    const keySet = keySetOf(key);
    return parse<T>(await this.run("take", () => this.scripts.take.exec([key, indexSetOf(key), keySet ?? indexSetOf(key)], [keySet ? "1" : "0"])));
  }

  async getByIndex<T>(indexKey: string): Promise<T | null> {
    return parse<T>(await this.run("getByIndex", () => this.scripts.getByIndex.exec([indexKey], [])));
  }

  async increment(key: string, windowMs: number): Promise<Window> {
    const [count, resetInMs] = await this.run("increment", () => this.scripts.increment.exec([key], [String(windowMs)]));
    return { count: Number(count), resetInMs: Number(resetInMs) };
  }

  /**
   * A fixed window from the key's first request, counted by the INCREMENT script under the port's
   * key itself (as on the Durable Object store): one EVALSHA, atomic, and no client library.
   */
  async limit(key: string, policy: RatePolicy): Promise<RateDecision> {
    return rateDecision(await this.increment(key, policy.windowMs), policy);
  }

  async append(key: string, value: unknown, options: { maxLength?: number } = {}): Promise<string> {
    const trim = options.maxLength === undefined ? undefined : { type: "MAXLEN" as const, comparison: "=" as const, threshold: options.maxLength };
    const id = await this.run("XADD", () => this.redis.xadd(key, "*", { v: JSON.stringify(value) }, trim ? { trim } : undefined));
    return id;
  }

  async appendMany(key: string, items: readonly { id: string; value: unknown }[], options: { ttlMs?: number } = {}): Promise<number> {
    if (items.length === 0) return 0;
    const args = [options.ttlMs === undefined ? "" : String(options.ttlMs), ...items.flatMap((item) => [item.id, JSON.stringify(item.value)])];
    return Number(await this.run("appendMany", () => this.scripts.appendMany.exec([key, `${key}\u001Fids`], args)));
  }

  async list<T>(key: string, options: { limit?: number; cursor?: string } = {}): Promise<ListPage<T>> {
    if (options.cursor !== undefined && !/^\d{1,20}-\d{1,20}$/.test(options.cursor)) {
      throw new StoreError("bad_cursor", "cursor is not one this list handed out");
    }
    const limit = pageSize(options.limit);
    const end = options.cursor === undefined ? "+" : `(${options.cursor}`;
    // Without automatic deserialisation XREVRANGE answers [[id, [field, value]], …].
    const rows = (await this.run("XREVRANGE", () => this.redis.xrevrange(key, end, "-", limit + 1))) as unknown as [string, string[]][];
    // Fields [v, value] from append, [v, value, i, id] from appendMany: its items keep their own ids.
    const items = rows.slice(0, limit).map(([id, fields]) => ({ id: fields[3] ?? id, value: JSON.parse(fields[1] ?? "null") as T }));
    return rows.length > limit ? { items, cursor: rows[limit - 1]![0] } : { items };
  }

  async scan<T>(prefix: string, options: { limit?: number; cursor?: string } = {}): Promise<ListPage<T>> {
    scanPartition(prefix);
    checkScanCursor(prefix, options.cursor);
    const limit = pageSize(options.limit);
    const start = options.cursor === undefined ? `[${prefix}` : `(${options.cursor}`;
    const flat = await this.run("scan", () => this.scripts.scan.exec([keySetOf(prefix)!], [start, prefix, String(limit + 1)]));
    const rows: { id: string; value: T }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) rows.push({ id: flat[i]!, value: JSON.parse(flat[i + 1]!) as T });
    const items = rows.slice(0, limit);
    return rows.length > limit ? { items, cursor: items.at(-1)!.id } : { items };
  }
}

function parse<T>(raw: string | null | undefined): T | null {
  return raw === null || raw === undefined ? null : (JSON.parse(raw) as T);
}
