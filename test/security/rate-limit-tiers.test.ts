/**
 * The request limits' tiers (security/rate-tiers.ts) against wrangler.toml's `[[ratelimits]]`, and
 * the real bindings Miniflare builds from it: each allows its limit per minute and no more.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TIER_LIMITS, TIER_PERIOD_S, tierBinding, tierFor, type RateLimiterBinding } from "../../src/security/rate-tiers";
import wranglerToml from "../../wrangler.toml?raw";

/** wrangler.toml's rate-limit bindings: name, namespace id, limit and period. */
function declaredTiers() {
  const blocks = wranglerToml.split("[[ratelimits]]").slice(1);
  return blocks.map((block) => ({
    name: /^name = "([^"]+)"/m.exec(block)?.[1],
    namespaceId: /^namespace_id = "(\d+)"/m.exec(block)?.[1],
    limit: Number(/limit = (\d+)/.exec(block)?.[1]),
    period: Number(/period = (\d+)/.exec(block)?.[1]),
  }));
}

describe("rate-limit tiers", () => {
  it("wrangler.toml declares exactly the tiers the code picks from, each with its own namespace", () => {
    const declared = declaredTiers();
    expect(declared.map(({ name, limit, period }) => ({ name, limit, period }))).toEqual(TIER_LIMITS.map((limit) => ({ name: tierBinding(limit), limit, period: TIER_PERIOD_S })));
    expect(new Set(declared.map((tier) => tier.namespaceId)).size).toBe(declared.length);
  });

  it("picks the largest tier not above the configured rate per minute, within (1/2, 1] of it", () => {
    expect(tierFor({ limit: 300, windowS: 60 })).toEqual({ binding: "RATE_LIMITER_300", limit: 300 });
    expect(tierFor({ limit: 599, windowS: 60 }).limit).toBe(300);
    expect(tierFor({ limit: 10, windowS: 1 }).limit).toBe(600);
    expect(tierFor({ limit: 1_000_000, windowS: 60 }).limit).toBe(1_000_000);
    for (let rate = 1; rate <= 100_000; rate = Math.ceil(rate * 1.07)) {
      const { limit } = tierFor({ limit: rate, windowS: 60 });
      expect(limit).toBeLessThanOrEqual(rate);
      expect(limit * 2).toBeGreaterThan(rate);
    }
  });

  it("each small tier's binding (Miniflare, from wrangler.toml) allows its limit, then refuses", async () => {
    // The local limiter's windows are clock minutes: start well inside one, so none ends mid-loop.
    const leftMs = 60_000 - (Date.now() % 60_000);
    if (leftMs < 5_000) await new Promise((resolve) => setTimeout(resolve, leftMs + 100));
    for (const limit of TIER_LIMITS.filter((limit) => limit <= 60)) {
      const binding = (env as unknown as Record<string, RateLimiterBinding>)[tierBinding(limit)]!;
      const key = `tier-test:${crypto.randomUUID()}`;
      const outcomes: boolean[] = [];
      for (let i = 0; i <= limit; i++) outcomes.push((await binding.limit({ key })).success);
      expect(outcomes.indexOf(false), `tier ${limit}`).toBe(limit);
    }
  });
});
