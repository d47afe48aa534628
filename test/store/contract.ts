/**
 * The store contract: every adapter of the Store port must pass it against its real backend
 * (durable-object.test.ts, upstash.test.ts). Keys are unique per test so runs never collide.
 */
import { describe, expect, it } from "vitest";
import { StoreError, type RateDecision, type Store } from "../../src/store/store";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let counter = 0;
/** A fresh partition for one test: `{tag}` keys share it, untagged keys spread over shards. */
function scope() {
  const tag = `t${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return { key: (name: string) => `{${tag}}${name}`, untagged: (name: string) => `${tag}:${name}` };
}

export function storeContract(name: string, open: () => Store, unreachable: () => Store): void {
  describe(`${name} store contract`, () => {
    const store = open();

    describe("values", () => {
      it("round-trips JSON values and answers null for absent keys", async () => {
        const s = scope();
        const value = { a: 1, nested: { list: [1, "two", null], unicode: "é✓" } };
        expect(await store.set(s.key("v"), value)).toMatchObject({ ok: true });
        expect(await store.get(s.key("v"))).toEqual(value);
        expect(await store.get(s.key("absent"))).toBeNull();
      });

      it("expires a value after its TTL", async () => {
        const s = scope();
        await store.set(s.untagged("short"), 1, { ttlMs: 150 });
        await store.set(s.untagged("long"), 2, { ttlMs: 60_000 });
        expect(await store.get(s.untagged("short"))).toBe(1);
        await sleep(400);
        expect(await store.get(s.untagged("short"))).toBeNull();
        expect(await store.get(s.untagged("long"))).toBe(2);
      });

      it("writes if absent only when the key holds nothing (or only an expired value)", async () => {
        const s = scope();
        expect(await store.set(s.untagged("k"), "first", { ifAbsent: true })).toMatchObject({ ok: true });
        expect(await store.set(s.untagged("k"), "second", { ifAbsent: true })).toEqual({ ok: false, conflict: s.untagged("k") });
        expect(await store.get(s.untagged("k"))).toBe("first");

        await store.set(s.untagged("e"), "old", { ttlMs: 100 });
        await sleep(300);
        expect(await store.set(s.untagged("e"), "new", { ifAbsent: true })).toMatchObject({ ok: true });
        expect(await store.get(s.untagged("e"))).toBe("new");
      });

      it("deletes, saying whether there was a value", async () => {
        const s = scope();
        await store.set(s.untagged("d"), 1);
        expect(await store.delete(s.untagged("d"))).toBe(true);
        expect(await store.delete(s.untagged("d"))).toBe(false);
        expect(await store.get(s.untagged("d"))).toBeNull();
      });
    });

    describe("take", () => {
      it("gets and deletes in one step", async () => {
        const s = scope();
        await store.set(s.untagged("code"), { client: "c1" }, { ttlMs: 60_000 });
        expect(await store.take(s.untagged("code"))).toEqual({ client: "c1" });
        expect(await store.take(s.untagged("code"))).toBeNull();
        expect(await store.get(s.untagged("code"))).toBeNull();
      });

      it("gives the value to exactly one of 50 concurrent takes", async () => {
        const s = scope();
        await store.set(s.untagged("once"), "secret", { ttlMs: 60_000 });
        const results = await Promise.all(Array.from({ length: 50 }, () => store.take(s.untagged("once"))));
        expect(results.filter((r) => r === "secret")).toHaveLength(1);
        expect(results.filter((r) => r === null)).toHaveLength(49);
      });

      it("does not hand out an expired value", async () => {
        const s = scope();
        await store.set(s.untagged("stale"), "x", { ttlMs: 100 });
        await sleep(300);
        expect(await store.take(s.untagged("stale"))).toBeNull();
      });
    });

    describe("compare-and-set", () => {
      it("creates only when absent if the expected version is null", async () => {
        const s = scope();
        expect(await store.compareAndSet(s.key("f"), null, { gen: 1 })).toMatchObject({ ok: true });
        expect(await store.compareAndSet(s.key("f"), null, { gen: 99 })).toEqual({ ok: false, conflict: s.key("f") });
        expect(await store.get(s.key("f"))).toEqual({ gen: 1 });
      });

      it("writes only over the version that was read", async () => {
        const s = scope();
        await store.set(s.key("f"), { gen: 1 });
        const read = await store.getVersioned<{ gen: number }>(s.key("f"));
        expect(read?.value).toEqual({ gen: 1 });
        const written = await store.compareAndSet(s.key("f"), read!.version, { gen: 2 });
        expect(written).toMatchObject({ ok: true });
        // The version a write returns is the one a read sees.
        expect(written.ok && written.version).toBe((await store.getVersioned(s.key("f")))!.version);
        // The same (now stale) version loses.
        expect(await store.compareAndSet(s.key("f"), read!.version, { gen: 3 })).toEqual({ ok: false, conflict: s.key("f") });
        expect(await store.get(s.key("f"))).toEqual({ gen: 2 });
        expect(await store.getVersioned(s.key("absent"))).toBeNull();
      });

      it("reads several versions in one call, across partitions, usable for compare-and-set", async () => {
        const s = scope();
        const other = scope();
        await store.set(s.key("a"), { n: 1 });
        await store.set(other.untagged("b"), { n: 2 });
        const [a, missing, b] = await store.getManyVersioned<{ n: number }>([s.key("a"), s.key("none"), other.untagged("b")]);
        expect(a?.value).toEqual({ n: 1 });
        expect(missing).toBeNull();
        expect(b?.value).toEqual({ n: 2 });
        expect(await store.compareAndSet(other.untagged("b"), b!.version, { n: 3 })).toMatchObject({ ok: true });
        expect(await store.compareAndSet(s.key("a"), a!.version, { n: 4 })).toMatchObject({ ok: true });
        expect(await store.compareAndSet(s.key("a"), a!.version, { n: 5 })).toMatchObject({ ok: false });
        expect(await store.getManyVersioned([])).toEqual([]);
      });

      it("lets exactly one of concurrent writers of one version win", async () => {
        const s = scope();
        await store.set(s.key("family"), { current: "rt0" });
        const read = await store.getVersioned(s.key("family"));
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.compareAndSet(s.key("family"), read!.version, { current: `rt${i + 1}` })),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
      });

      it("honours a TTL", async () => {
        const s = scope();
        expect(await store.compareAndSet(s.key("t"), null, 1, { ttlMs: 100 })).toMatchObject({ ok: true });
        await sleep(300);
        expect(await store.get(s.key("t"))).toBeNull();
      });
    });

    describe("windowed counters", () => {
      it("counts within a window and starts over after it", async () => {
        const s = scope();
        const first = await store.increment(s.untagged("rate"), 300);
        expect(first.count).toBe(1);
        expect(first.resetInMs).toBeGreaterThan(0);
        expect(first.resetInMs).toBeLessThanOrEqual(300);
        expect((await store.increment(s.untagged("rate"), 300)).count).toBe(2);
        const third = await store.increment(s.untagged("rate"), 300);
        expect(third.count).toBe(3);
        expect(third.resetInMs).toBeLessThanOrEqual(first.resetInMs);
        await sleep(500);
        expect((await store.increment(s.untagged("rate"), 300)).count).toBe(1);
      });

      it("counts every one of concurrent increments", async () => {
        const s = scope();
        const windows = await Promise.all(Array.from({ length: 30 }, () => store.increment(s.untagged("burst"), 60_000)));
        expect(windows.map((w) => w.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      });
    });

    describe("rate limits", () => {
      const hour = { limit: 3, windowMs: 3_600_000 };

      it("allows `limit` requests in a window, then refuses, with the time until it resets", async () => {
        const s = scope();
        const decisions: RateDecision[] = [];
        for (let i = 0; i < 5; i++) decisions.push(await store.limit(s.untagged("rate:token:ip"), hour));
        expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([[true, 2], [true, 1], [true, 0], [false, 0], [false, 0]]);
        for (const d of decisions) {
          expect(d.resetInMs).toBeGreaterThan(0);
          expect(d.resetInMs).toBeLessThanOrEqual(hour.windowMs);
        }
        expect(decisions[4]!.resetInMs).toBeLessThanOrEqual(decisions[0]!.resetInMs);
      });

      it("starts over once the window has reset", async () => {
        const s = scope();
        const policy = { limit: 1, windowMs: 1_000 };
        // Wait out whatever window is running, so the checks below lie well inside a fresh one
        // (an adapter may align windows to multiples of windowMs).
        const first = await store.limit(s.untagged("rate:reset"), policy);
        await sleep(first.resetInMs + 20);
        const allowed = await store.limit(s.untagged("rate:reset"), policy);
        expect(allowed).toMatchObject({ allowed: true, remaining: 0 });
        const refused = await store.limit(s.untagged("rate:reset"), policy);
        expect(refused.allowed).toBe(false);
        expect(refused.resetInMs).toBeGreaterThan(0);
        expect(refused.resetInMs).toBeLessThanOrEqual(allowed.resetInMs);
        await sleep(refused.resetInMs + 50);
        expect(await store.limit(s.untagged("rate:reset"), policy)).toMatchObject({ allowed: true, remaining: 0 });
      });

      it("counts each key apart", async () => {
        const s = scope();
        const one = { limit: 1, windowMs: 3_600_000 };
        expect((await store.limit(s.untagged("rate:a"), one)).allowed).toBe(true);
        expect((await store.limit(s.untagged("rate:a"), one)).allowed).toBe(false);
        expect((await store.limit(s.untagged("rate:b"), one)).allowed).toBe(true);
        expect((await store.limit(s.untagged("rate:a:b"), one)).allowed).toBe(true);
      });

      it("allows exactly `limit` of concurrent requests", async () => {
        const s = scope();
        const decisions = await Promise.all(Array.from({ length: 20 }, () => store.limit(s.untagged("rate:burst"), { limit: 5, windowMs: 3_600_000 })));
        expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
        expect(decisions.map((d) => d.remaining).sort((a, b) => a - b)).toEqual([...Array<number>(15).fill(0), 0, 1, 2, 3, 4]);
      });
    });

    describe("index lookups", () => {
      it("finds a record by each of its index keys", async () => {
        const s = scope();
        const user = { id: "u1", email: "ada@example.com" };
        await store.set(s.key("user:u1"), user, { indexes: [s.key("email:ada@example.com"), s.key("ext:okta:00u1")] });
        expect(await store.getByIndex(s.key("email:ada@example.com"))).toEqual(user);
        expect(await store.getByIndex(s.key("ext:okta:00u1"))).toEqual(user);
        expect(await store.getByIndex(s.key("email:nobody@example.com"))).toBeNull();
      });

      it("refuses an index key owned by another record, naming it", async () => {
        const s = scope();
        await store.set(s.key("domain:1"), { domain: "example.com" }, { indexes: [s.key("by-domain:example.com")] });
        const result = await store.set(s.key("domain:2"), { domain: "example.com" }, { indexes: [s.key("by-domain:example.com")] });
        expect(result).toEqual({ ok: false, conflict: s.key("by-domain:example.com") });
        expect(await store.get(s.key("domain:2"))).toBeNull();
        expect(await store.getByIndex(s.key("by-domain:example.com"))).toEqual({ domain: "example.com" });
      });

      it("replaces a record's index keys when given, keeps them when not", async () => {
        const s = scope();
        await store.set(s.key("user:u2"), { v: 1 }, { indexes: [s.key("email:old@example.com")] });
        await store.set(s.key("user:u2"), { v: 2 }, { indexes: [s.key("email:new@example.com")] });
        expect(await store.getByIndex(s.key("email:old@example.com"))).toBeNull();
        expect(await store.getByIndex(s.key("email:new@example.com"))).toEqual({ v: 2 });

        await store.set(s.key("user:u2"), { v: 3 });
        expect(await store.getByIndex(s.key("email:new@example.com"))).toEqual({ v: 3 });
        const read = await store.getVersioned(s.key("user:u2"));
        await store.compareAndSet(s.key("user:u2"), read!.version, { v: 4 });
        expect(await store.getByIndex(s.key("email:new@example.com"))).toEqual({ v: 4 });

        // The freed index key can be taken by another record.
        expect(await store.set(s.key("user:u3"), { v: 1 }, { indexes: [s.key("email:old@example.com")] })).toMatchObject({ ok: true });
      });

      it("drops index keys with their record, on delete, take and expiry", async () => {
        const s = scope();
        await store.set(s.key("r1"), 1, { indexes: [s.key("i1")] });
        await store.delete(s.key("r1"));
        expect(await store.getByIndex(s.key("i1"))).toBeNull();
        expect(await store.set(s.key("r2"), 2, { indexes: [s.key("i1")] })).toMatchObject({ ok: true });

        await store.take(s.key("r2"));
        expect(await store.getByIndex(s.key("i1"))).toBeNull();

        await store.set(s.key("r3"), 3, { indexes: [s.key("i3")], ttlMs: 100 });
        expect(await store.getByIndex(s.key("i3"))).toBe(3);
        await sleep(300);
        expect(await store.getByIndex(s.key("i3"))).toBeNull();
        expect(await store.set(s.key("r4"), 4, { indexes: [s.key("i3")] })).toMatchObject({ ok: true });
      });

      it("lets one of two concurrent claims of an index key win", async () => {
        const s = scope();
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.set(s.key(`claim:${i}`), i, { indexes: [s.key("unique")] })),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
      });

      it("refuses index keys outside the record's partition", async () => {
        const s = scope();
        const other = scope();
        await expect(store.set(s.key("r"), 1, { indexes: [other.key("i")] })).rejects.toMatchObject({ code: "cross_partition" });
        await expect(store.set(s.untagged("r"), 1, { indexes: [s.untagged("i")] })).rejects.toBeInstanceOf(StoreError);
      });
    });

    describe("append-only lists", () => {
      it("reads newest first, a page at a time, until the cursor runs out", async () => {
        const s = scope();
        for (let i = 1; i <= 7; i++) await store.append(s.key("audit"), { n: i });
        const first = await store.list<{ n: number }>(s.key("audit"), { limit: 3 });
        expect(first.items.map((item) => item.value.n)).toEqual([7, 6, 5]);
        const second = await store.list<{ n: number }>(s.key("audit"), { limit: 3, cursor: first.cursor! });
        expect(second.items.map((item) => item.value.n)).toEqual([4, 3, 2]);
        const last = await store.list<{ n: number }>(s.key("audit"), { limit: 3, cursor: second.cursor! });
        expect(last.items.map((item) => item.value.n)).toEqual([1]);
        expect(last.cursor).toBeUndefined();
      });

      it("keeps paging stable while new items are appended", async () => {
        const s = scope();
        for (let i = 1; i <= 4; i++) await store.append(s.key("log"), i);
        const first = await store.list<number>(s.key("log"), { limit: 2 });
        await store.append(s.key("log"), 5);
        const second = await store.list<number>(s.key("log"), { limit: 2, cursor: first.cursor! });
        expect(second.items.map((item) => item.value)).toEqual([2, 1]);
      });

      it("keeps at most maxLength newest items", async () => {
        const s = scope();
        for (let i = 1; i <= 6; i++) await store.append(s.key("capped"), i, { maxLength: 4 });
        const page = await store.list<number>(s.key("capped"), { limit: 10 });
        expect(page.items.map((item) => item.value)).toEqual([6, 5, 4, 3]);
      });

      it("answers an empty list, and refuses a forged cursor", async () => {
        const s = scope();
        expect(await store.list(s.key("empty"))).toEqual({ items: [] });
        await expect(store.list(s.key("empty"), { cursor: "'; DROP TABLE kv" })).rejects.toMatchObject({ code: "bad_cursor" });
      });
    });

    describe("batched idempotent appends (appendMany)", () => {
      const items = (...ids: number[]) => ids.map((n) => ({ id: `e${String(n).padStart(3, "0")}`, value: { n } }));

      it("appends a batch in one call, read newest first under the items' own ids, a page at a time", async () => {
        const s = scope();
        expect(await store.appendMany(s.key("batch"), items(1, 2, 3))).toBe(3);
        expect(await store.appendMany(s.key("batch"), items(4, 5))).toBe(2);
        const first = await store.list<{ n: number }>(s.key("batch"), { limit: 3 });
        expect(first.items).toEqual([{ id: "e005", value: { n: 5 } }, { id: "e004", value: { n: 4 } }, { id: "e003", value: { n: 3 } }]);
        const last = await store.list<{ n: number }>(s.key("batch"), { limit: 3, cursor: first.cursor! });
        expect(last.items.map((item) => item.id)).toEqual(["e002", "e001"]);
        expect(last.cursor).toBeUndefined();
        expect(await store.appendMany(s.key("batch"), [])).toBe(0);
      });

      it("writes nothing twice when a batch is redelivered, whole or in part", async () => {
        const s = scope();
        await store.appendMany(s.key("redelivered"), items(1, 2, 3));
        expect(await store.appendMany(s.key("redelivered"), items(1, 2, 3))).toBe(0);
        expect(await store.appendMany(s.key("redelivered"), items(3, 4))).toBe(1);
        // Twice in one batch counts once.
        expect(await store.appendMany(s.key("redelivered"), items(5, 5))).toBe(1);
        const page = await store.list<{ n: number }>(s.key("redelivered"), { limit: 10 });
        expect(page.items.map((item) => item.value.n)).toEqual([5, 4, 3, 2, 1]);
      });

      it("writes each id once under concurrent writers of overlapping batches", async () => {
        const s = scope();
        const batches = Array.from({ length: 10 }, (_, i) => items(i, i + 1, i + 2, 100));
        const added = await Promise.all(batches.map((batch) => store.appendMany(s.key("racing"), batch)));
        expect(added.reduce((a, b) => a + b, 0)).toBe(13);
        const page = await store.list<{ n: number }>(s.key("racing"), { limit: 50 });
        expect(page.items.map((item) => item.value.n).toSorted((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 100]);
      });

      it("drops the whole list, ids included, after its TTL from the call that created it", async () => {
        const s = scope();
        await store.appendMany(s.key("bucket"), items(1), { ttlMs: 300 });
        await store.appendMany(s.key("bucket"), items(2), { ttlMs: 300 });
        expect((await store.list(s.key("bucket"))).items).toHaveLength(2);
        await sleep(450);
        expect(await store.list(s.key("bucket"))).toEqual({ items: [] });
        // Its ids went with it: the same id is new again.
        expect(await store.appendMany(s.key("bucket"), items(1), { ttlMs: 300 })).toBe(1);
      });
    });

    describe("scans", () => {
      it("pages through a partition's records under a prefix, in key order", async () => {
        const s = scope();
        for (const id of ["c", "a", "e", "b", "d"]) await store.set(s.key(`client:${id}`), { id });
        await store.set(s.key("provider:x"), { id: "x" }, { indexes: [s.key("client:zz-index-not-a-record")] });
        await store.increment(s.key("client:counter-not-a-record"), 60_000);
        const first = await store.scan<{ id: string }>(s.key("client:"), { limit: 2 });
        expect(first.items).toEqual([
          { id: s.key("client:a"), value: { id: "a" } },
          { id: s.key("client:b"), value: { id: "b" } },
        ]);
        const second = await store.scan<{ id: string }>(s.key("client:"), { limit: 2, cursor: first.cursor! });
        expect(second.items.map((i) => i.value.id)).toEqual(["c", "d"]);
        const last = await store.scan<{ id: string }>(s.key("client:"), { limit: 2, cursor: second.cursor! });
        expect(last.items.map((i) => i.value.id)).toEqual(["e"]);
        expect(last.cursor).toBeUndefined();
      });

      it("leaves out deleted and expired records, and finds nothing under an unused prefix", async () => {
        const s = scope();
        await store.set(s.key("u:1"), 1);
        await store.set(s.key("u:2"), 2, { ttlMs: 100 });
        await store.set(s.key("u:3"), 3);
        await store.set(s.key("u:4"), 4);
        await store.delete(s.key("u:3"));
        await store.take(s.key("u:4"));
        await sleep(300);
        expect((await store.scan(s.key("u:"))).items.map((i) => i.value)).toEqual([1]);
        expect(await store.scan(s.key("nothing:"))).toEqual({ items: [] });
      });

      it("refuses an unpartitioned prefix and a cursor from elsewhere", async () => {
        const s = scope();
        await expect(store.scan(s.untagged("x"))).rejects.toMatchObject({ code: "cross_partition" });
        await expect(store.scan(s.key("a:"), { cursor: s.key("b:1") })).rejects.toMatchObject({ code: "bad_cursor" });
      });
    });

    describe("an unreachable backend", () => {
      it("fails every operation with a typed StoreError, code unavailable", async () => {
        const down = unreachable();
        const operations: (() => Promise<unknown>)[] = [
          () => down.get("{x}k"),
          () => down.getManyVersioned(["{x}k", "y"]),
          () => down.set("k", 1),
          () => down.take("k"),
          () => down.compareAndSet("{x}k", null, 1),
          () => down.increment("k", 1000),
          () => down.limit("rate:k", { limit: 1, windowMs: 1000 }),
          () => down.getByIndex("{x}i"),
          () => down.append("{x}l", 1),
          () => down.appendMany("{x}l", [{ id: "a", value: 1 }]),
          () => down.list("{x}l"),
          () => down.scan("{x}p"),
        ];
        for (const operation of operations) {
          await expect(operation()).rejects.toMatchObject({ name: "StoreError", code: "unavailable" });
        }
      });
    });
  });
}
