/**
 * The request limits' tiers: Workers Rate Limiting bindings (`[[ratelimits]]` in wrangler.toml), each
 * a fixed `limit` per 60 s, counted by Cloudflare in each location without a store round trip. A
 * binding's limit is fixed when the Worker is deployed, while limits are configured per deployment,
 * project and client: a configured limit is enforced by the tier nearest to it that is not above it.
 *
 * The ladder 1, 2, 3, 6 × 10^k (and 1,000,000) keeps the enforced limit within (½, 1] of the
 * configured one, exact for every value on the ladder, the defaults (60, 300, 600) among them.
 * wrangler.toml must declare exactly these bindings; test/security/rate-limit-tiers.test.ts checks it.
 */
import type { RateLimit } from "../config";

/** The binding's period: Cloudflare accepts 10 or 60 s; 60 keeps bursts within a minute's budget. */
export const TIER_PERIOD_S = 60;

/** The tiers' limits per TIER_PERIOD_S, ascending. */
export const TIER_LIMITS: readonly number[] = [
  ...[1, 10, 100, 1_000, 10_000, 100_000].flatMap((scale) => [1, 2, 3, 6].map((step) => step * scale)),
  1_000_000,
];

/** The Workers Rate Limiting binding's interface (`[[ratelimits]]`). */
export interface RateLimiterBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** A tier's binding name in the Worker's env. */
export type TierBinding = `RATE_LIMITER_${number}`;

/** A configured limit's tier: the binding that enforces it, and its limit per 60 s. */
export interface Tier {
  binding: TierBinding;
  limit: number;
}

/** The binding name of the tier with this limit per 60 s. */
export function tierBinding(limit: number): TierBinding {
  return `RATE_LIMITER_${limit}`;
}

/** A limit as a rate per 60 s, rounded down (the binding counts per minute). */
export function perMinute(policy: RateLimit): number {
  return Math.floor((policy.limit * TIER_PERIOD_S) / policy.windowS);
}

/** The tier enforcing `policy`: the largest at most its rate per minute (at least the smallest tier). */
export function tierFor(policy: RateLimit): Tier {
  const rate = perMinute(policy);
  let limit = TIER_LIMITS[0]!;
  for (const candidate of TIER_LIMITS) if (candidate <= rate) limit = candidate;
  return { binding: tierBinding(limit), limit };
}
