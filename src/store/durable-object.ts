/**
 * The embedded store: SQLite-backed Durable Objects. A key's partition (its `{tag}`) names the
 * object that holds it, so a project's records live together and load spreads across projects;
 * untagged keys (codes, counters) spread over SHARDS objects by a hash of the key. Every operation
 * is one RPC to one object and runs there as one synchronous SQLite transaction.
 */
import { DurableObject } from "cloudflare:workers";
import { fnv1a } from "../encoding";
import {
  StoreError,
  assertSamePartition,
  checkScanCursor,
  scanPartition,
  pageSize,
  partitionOf,
  rateDecision,
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

/** Untagged keys spread over this many objects. Changing it re-routes them: fix it per deployment. */
const SHARDS = 32;
/** Bound on one store call; a stuck object must become a 503, not a hung request. */
const CALL_TIMEOUT_MS = 5_000;
/** Expired rows are swept at most this often (reads already ignore them). */
const SWEEP_INTERVAL_MS = 60_000;

type Condition = { kind: "any" } | { kind: "absent" } | { kind: "version"; version: string | null };

interface WriteCommand {
  key: string;
  value: string;
  ttlMs: number | undefined;
  indexes: readonly string[] | undefined;
  condition: Condition;
}

/** The Durable Object class behind the embedded store; its methods are called over RPC. */
/** Lists capped at this length or less are trimmed on every append; longer ones every TRIM_EVERY appends. */
const TRIM_EXACT_BELOW = 1_000;
const TRIM_EVERY = 64;

export class StoreObject extends DurableObject {
  private readonly sql: SqlStorage;
  private sweepAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(`
        CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at) WHERE expires_at IS NOT NULL;
        CREATE TABLE IF NOT EXISTS idx (name TEXT PRIMARY KEY, owner TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS idx_owner ON idx (owner);
        CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS list (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, value TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS list_key ON list (key, id);
        CREATE TABLE IF NOT EXISTS list_expiry (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      `);
      // appendMany's item ids (added after v1: objects created before have the table without them).
      try {
        this.sql.exec("ALTER TABLE list ADD COLUMN item TEXT");
      } catch {
        // The column exists.
      }
      this.sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS list_item ON list (key, item) WHERE item IS NOT NULL");
      this.sweepAt = await ctx.storage.getAlarm();
    });
  }

  /** The live (unexpired) value of a key, or null. */
  private live(key: string, now: number): string | null {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)", key, now)
      .toArray()[0];
    return row?.value ?? null;
  }

  private remove(key: string): void {
    this.sql.exec("DELETE FROM idx WHERE owner = ?", key);
    this.sql.exec("DELETE FROM kv WHERE key = ?", key);
  }

  getMany(keys: string[]): (string | null)[] {
    const now = Date.now();
    return keys.map((key) => this.live(key, now));
  }

  async write(command: WriteCommand): Promise<string | null> {
    const { key, value, ttlMs, indexes, condition } = command;
    const now = Date.now();
    const expiresAt = ttlMs === undefined ? null : now + ttlMs;
    const conflict = this.ctx.storage.transactionSync((): string | null => {
      const current = this.live(key, now);
      if (condition.kind === "absent" && current !== null) return key;
      if (condition.kind === "version" && current !== condition.version) return key;
      for (const name of indexes ?? []) {
        const owner = this.sql.exec<{ owner: string }>("SELECT owner FROM idx WHERE name = ?", name).toArray()[0]?.owner;
        if (owner !== undefined && owner !== key && this.live(owner, now) !== null) return name;
      }
      // Index entries of an expired predecessor belong to a record that no longer exists.
      if (indexes !== undefined || current === null) this.sql.exec("DELETE FROM idx WHERE owner = ?", key);
      this.sql.exec("INSERT OR REPLACE INTO kv (key, value, expires_at) VALUES (?, ?, ?)", key, value, expiresAt);
      for (const name of indexes ?? []) this.sql.exec("INSERT OR REPLACE INTO idx (name, owner) VALUES (?, ?)", name, key);
      return null;
    });
    if (conflict === null && expiresAt !== null) await this.scheduleSweep(expiresAt);
    return conflict;
  }

  take(key: string): string | null {
    return this.ctx.storage.transactionSync(() => {
      const value = this.live(key, Date.now());
      this.remove(key);
      return value;
    });
  }

  getByIndex(name: string): string | null {
    const row = this.sql
      .exec<{ value: string }>(
        "SELECT kv.value FROM idx JOIN kv ON kv.key = idx.owner WHERE idx.name = ? AND (kv.expires_at IS NULL OR kv.expires_at > ?)",
        name,
        Date.now(),
      )
      .toArray()[0];
    return row?.value ?? null;
  }

  async increment(key: string, windowMs: number): Promise<Window> {
    const now = Date.now();
    // One statement on the hot path (every rate-limited request): a running window counts on, an
    // expired or absent one starts over at 1.
    const { count, expires_at: expiresAt } = this.sql
      .exec<{ count: number; expires_at: number }>(
        `INSERT INTO counter (key, count, expires_at) VALUES (?1, 1, ?2 + ?3)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN expires_at > ?2 THEN count + 1 ELSE 1 END,
           expires_at = CASE WHEN expires_at > ?2 THEN expires_at ELSE excluded.expires_at END
         RETURNING count, expires_at`,
        key, now, windowMs,
      )
      .one();
    if (count === 1) await this.scheduleSweep(expiresAt);
    return { count, resetInMs: expiresAt - now };
  }

  append(key: string, value: string, maxLength: number | undefined): string {
    return this.ctx.storage.transactionSync(() => {
      const id = this.sql.exec<{ id: number }>("INSERT INTO list (key, value) VALUES (?, ?) RETURNING id", key, value).one().id;
      // Finding the cut walks up to maxLength index entries: on a long list (the audit log keeps
      // 100,000) do it once every TRIM_EVERY appends, so a list holds at most TRIM_EVERY extra items.
      if (maxLength !== undefined && (maxLength <= TRIM_EXACT_BELOW || id % TRIM_EVERY === 0)) {
        this.sql.exec(
          "DELETE FROM list WHERE key = ? AND id <= (SELECT id FROM list WHERE key = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
          key,
          key,
          maxLength,
        );
      }
      return String(id);
    });
  }

  /** Appends the items whose ids the list lacks, in one transaction; a list with a TTL gets it once. */
  async appendMany(key: string, items: { id: string; value: string }[], ttlMs: number | undefined): Promise<number> {
    const now = Date.now();
    const { added, expiresAt } = this.ctx.storage.transactionSync(() => {
      const expiry = this.sql.exec<{ expires_at: number }>("SELECT expires_at FROM list_expiry WHERE key = ?", key).toArray()[0]?.expires_at;
      // An expired list not yet swept starts over.
      if (expiry !== undefined && expiry <= now) this.dropList(key);
      let added = 0;
      for (const item of items) {
        added += this.sql.exec("INSERT INTO list (key, value, item) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING id", key, item.value, item.id).toArray().length;
      }
      if (ttlMs === undefined || added === 0 || (expiry !== undefined && expiry > now)) return { added, expiresAt: null };
      this.sql.exec("INSERT OR REPLACE INTO list_expiry (key, expires_at) VALUES (?, ?)", key, now + ttlMs);
      return { added, expiresAt: now + ttlMs };
    });
    if (expiresAt !== null) await this.scheduleSweep(expiresAt);
    return added;
  }

  private dropList(key: string): void {
    this.sql.exec("DELETE FROM list WHERE key = ?", key);
    this.sql.exec("DELETE FROM list_expiry WHERE key = ?", key);
  }

  list(key: string, limit: number, before: number | null): { id: number; item: string | null; value: string }[] {
    const expiry = this.sql.exec<{ expires_at: number }>("SELECT expires_at FROM list_expiry WHERE key = ?", key).toArray()[0]?.expires_at;
    if (expiry !== undefined && expiry <= Date.now()) return [];
    return this.sql
      .exec<{ id: number; item: string | null; value: string }>(
        "SELECT id, item, value FROM list WHERE key = ? AND id < ? ORDER BY id DESC LIMIT ?",
        key,
        before ?? Number.MAX_SAFE_INTEGER,
        limit,
      )
      .toArray();
  }

  scan(prefix: string, after: string | null, limit: number): { key: string; value: string }[] {
    // Keys under the prefix sort between it and the prefix followed by U+FFFF.
    return this.sql
      .exec<{ key: string; value: string }>(
        "SELECT key, value FROM kv WHERE key >= ? AND key < ? AND key > ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?",
        prefix,
        `${prefix}\uffff`,
        after ?? "",
        Date.now(),
        limit,
      )
      .toArray();
  }

  /** Deletes expired rows and their index entries, then schedules the next sweep. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM idx WHERE owner IN (SELECT key FROM kv WHERE expires_at <= ?)", now);
      this.sql.exec("DELETE FROM kv WHERE expires_at <= ?", now);
      this.sql.exec("DELETE FROM counter WHERE expires_at <= ?", now);
      this.sql.exec("DELETE FROM list WHERE key IN (SELECT key FROM list_expiry WHERE expires_at <= ?)", now);
      this.sql.exec("DELETE FROM list_expiry WHERE expires_at <= ?", now);
    });
    this.sweepAt = null;
    const next = this.sql
      .exec<{ next: number | null }>("SELECT MIN(at) AS next FROM (SELECT MIN(expires_at) AS at FROM kv UNION ALL SELECT MIN(expires_at) FROM counter UNION ALL SELECT MIN(expires_at) FROM list_expiry)")
      .one().next;
    if (next !== null) await this.scheduleSweep(next);
  }

  private async scheduleSweep(expiresAt: number): Promise<void> {
    const at = Math.max(expiresAt, Date.now() + SWEEP_INTERVAL_MS);
    if (this.sweepAt !== null && this.sweepAt <= at) return;
    this.sweepAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}

/** Untagged keys are spread over the shards by FNV-1a: cheap and stable. */
function objectName(key: string): string {
  return partitionOf(key) ?? `shard-${fnv1a(key) % SHARDS}`;
}

/** The Store port over a namespace of StoreObjects. */
export class DurableObjectStore implements Store {
  constructor(private readonly namespace: DurableObjectNamespace<StoreObject>) {}

  private async call<R>(key: string, op: (stub: DurableObjectStub<StoreObject>) => Promise<R>): Promise<R> {
    const stub = this.namespace.get(this.namespace.idFromName(objectName(key)));
    let timer: number | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreError("unavailable", `store object did not answer within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
    });
    try {
      return await Promise.race([op(stub), timeout]);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError("unavailable", `store object failed: ${String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async get<T>(key: string): Promise<T | null> {
    const [raw] = await this.raw([key]);
    return parse<T>(raw ?? null);
  }

  /** Raw stored strings for keys, one RPC per object involved, all in parallel. */
  private async raw(keys: readonly string[]): Promise<(string | null)[]> {
    const byObject = new Map<string, string[]>();
    for (const key of keys) byObject.set(objectName(key), [...(byObject.get(objectName(key)) ?? []), key]);
    const found = new Map<string, string | null>();
    await Promise.all(
      [...byObject.values()].map(async (group) => {
        const values = await this.call(group[0]!, (stub) => stub.getMany(group));
        group.forEach((key, i) => found.set(key, values[i] ?? null));
      }),
    );
    return keys.map((key) => found.get(key) ?? null);
  }

  async getVersioned<T>(key: string): Promise<Versioned<T> | null> {
    const [found] = await this.getManyVersioned<T>([key]);
    return found ?? null;
  }

  async getManyVersioned<T>(keys: readonly string[]): Promise<(Versioned<T> | null)[]> {
    return (await this.raw(keys)).map((raw) => (raw === null ? null : { value: JSON.parse(raw) as T, version: raw }));
  }

  set(key: string, value: unknown, options: SetOptions = {}): Promise<WriteResult> {
    return this.write(key, value, options, options.ifAbsent ? { kind: "absent" } : { kind: "any" });
  }

  compareAndSet(key: string, expectedVersion: string | null, value: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    return this.write(key, value, options, { kind: "version", version: expectedVersion });
  }

  private async write(key: string, value: unknown, options: WriteOptions, condition: Condition): Promise<WriteResult> {
    assertSamePartition(key, options.indexes);
    const json = JSON.stringify(value);
    const conflict = await this.call(key, (stub) => stub.write({ key, value: json, ttlMs: options.ttlMs, indexes: options.indexes, condition }));
    return conflict === null ? { ok: true, version: json } : { ok: false, conflict };
  }

  async delete(key: string): Promise<boolean> {
    return (await this.call(key, (stub) => stub.take(key))) !== null;
  }

  async take<T>(key: string): Promise<T | null> {
    return parse<T>(await this.call(key, (stub) => stub.take(key)));
  }

  async getByIndex<T>(indexKey: string): Promise<T | null> {
    return parse<T>(await this.call(indexKey, (stub) => stub.getByIndex(indexKey)));
  }

  increment(key: string, windowMs: number): Promise<Window> {
    return this.call(key, (stub) => stub.increment(key, windowMs));
  }

  /** The windowed counter (`increment`) against the policy: windows start at a key's first request. */
  async limit(key: string, policy: RatePolicy): Promise<RateDecision> {
    return rateDecision(await this.increment(key, policy.windowMs), policy);
  }

  append(key: string, value: unknown, options: { maxLength?: number } = {}): Promise<string> {
    return this.call(key, (stub) => stub.append(key, JSON.stringify(value), options.maxLength));
  }

  appendMany(key: string, items: readonly { id: string; value: unknown }[], options: { ttlMs?: number } = {}): Promise<number> {
    if (items.length === 0) return Promise.resolve(0);
    const rows = items.map((item) => ({ id: item.id, value: JSON.stringify(item.value) }));
    return this.call(key, (stub) => stub.appendMany(key, rows, options.ttlMs));
  }

  async list<T>(key: string, options: { limit?: number; cursor?: string } = {}): Promise<ListPage<T>> {
    if (options.cursor !== undefined && !/^[1-9]\d{0,15}$/.test(options.cursor)) {
      throw new StoreError("bad_cursor", "cursor is not one this list handed out");
    }
    const limit = pageSize(options.limit);
    const rows = await this.call(key, (stub) => stub.list(key, limit + 1, options.cursor === undefined ? null : Number(options.cursor)));
    const page = rows.slice(0, limit).map((row) => ({ id: row.item ?? String(row.id), value: JSON.parse(row.value) as T }));
    // The cursor is the position of the page's last item (its id is the caller's, for appendMany's items).
    return rows.length > limit ? { items: page, cursor: String(rows[limit - 1]!.id) } : { items: page };
  }

  async scan<T>(prefix: string, options: { limit?: number; cursor?: string } = {}): Promise<ListPage<T>> {
    scanPartition(prefix);
    checkScanCursor(prefix, options.cursor);
    const limit = pageSize(options.limit);
    const rows = await this.call(prefix, (stub) => stub.scan(prefix, options.cursor ?? null, limit + 1));
    const page = rows.slice(0, limit).map((row) => ({ id: row.key, value: JSON.parse(row.value) as T }));
    return rows.length > limit ? { items: page, cursor: page.at(-1)!.id } : { items: page };
  }
}

function parse<T>(raw: string | null): T | null {
  return raw === null ? null : (JSON.parse(raw) as T);
}
