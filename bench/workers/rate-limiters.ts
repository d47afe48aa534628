/**
 * Benchmark fixture, not product code: stand-ins for the Workers Rate Limiting tier bindings
 * (wrangler.toml `[[ratelimits]]`, src/security/rate-tiers.ts), which `workerd serve`'s config has
 * no binding type for (Miniflare builds them from an internal module and a Durable Object). Each
 * counts in isolate memory, per key, in clock-aligned 60 s windows, as Miniflare's local limiter
 * does; like the platform's, it makes no store call. What it does not reproduce is the cost of
 * the platform's call to its limiter service in the location.
 */
import { TIER_LIMITS, TIER_PERIOD_S, tierBinding, type RateLimiterBinding } from "../../src/security/rate-tiers";

/** One tier: a fixed-window counter per key; all keys roll over together at the window's end. */
function localLimiter(limit: number): RateLimiterBinding {
  let window = -1;
  const counts = new Map<string, number>();
  return {
    async limit({ key }) {
      const now = Math.floor(Date.now() / (TIER_PERIOD_S * 1000));
      if (now !== window) {
        window = now;
        counts.clear();
      }
      const count = counts.get(key) ?? 0;
      if (count >= limit) return { success: false };
      counts.set(key, count + 1);
      return { success: true };
    },
  };
}

/** A local limiter for every tier binding `env` lacks (stand-ins.ts adds them to the env it hands the product). */
export function localRateLimiters(env: object): Record<string, RateLimiterBinding> {
  return Object.fromEntries(TIER_LIMITS.filter((limit) => !(tierBinding(limit) in env)).map((limit) => [tierBinding(limit), localLimiter(limit)]));
}
