import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { UpstashStore } from "../../src/store/upstash";
import { storeContract } from "./contract";

// Real Redis behind the Upstash REST protocol (test/helpers/upstash-bridge.ts); port 9 is closed.
storeContract(
  "Upstash",
  () => new UpstashStore({ url: env.TEST_UPSTASH_URL, token: env.TEST_UPSTASH_TOKEN }),
  () => new UpstashStore({ url: "http://127.0.0.1:9", token: "unused", retry: false }),
);

it("keeps a rate limit's count under the port's key itself, with a TTL of one window, as the README says", async () => {
  const store = new UpstashStore({ url: env.TEST_UPSTASH_URL, token: env.TEST_UPSTASH_TOKEN });
  const key = `rate:shape:${crypto.randomUUID()}`;
  const policy = { limit: 5, windowMs: 3_600_000 };
  await store.limit(key, policy);
  const { remaining, resetInMs } = await store.limit(key, policy);
  expect(remaining).toBe(3);
  expect(resetInMs).toBeGreaterThan(3_500_000);
  expect(await store.get(key)).toBe(2);
});

it("counts a rate limit in one EVALSHA (the adapter's INCREMENT script)", async () => {
  const store = new UpstashStore({ url: env.TEST_UPSTASH_URL, token: env.TEST_UPSTASH_TOKEN, retry: false });
  const policy = { limit: 5, windowMs: 3_600_000 };
  await store.limit(`rate:sha:${crypto.randomUUID()}`, policy); // may load the script (EVALSHA, NOSCRIPT, EVAL)
  const sent: unknown[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    sent.push(JSON.parse(String(init?.body))[0]);
    return realFetch(input, init);
  };
  try {
    expect(await store.limit(`rate:sha:${crypto.randomUUID()}`, policy)).toMatchObject({ allowed: true, remaining: 4 });
  } finally {
    globalThis.fetch = realFetch;
  }
  expect(sent).toEqual(["evalsha"]);
});
