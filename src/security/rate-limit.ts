/**
 * Request limits (SECURITY.md AB-1): per IP at the token endpoint, sign-in and the upstream callback,
 * per client for tokens and `/auth/verify`, counted by Cloudflare's own limiter, the Workers Rate
 * Limiting binding, so a limited request makes no store round trip. Each configured limit is enforced
 * by a tier binding (rate-tiers.ts): a fixed limit per 60 s, counted per Cloudflare location and
 * eventually consistent, so the limits are approximate (README "Limits and IP rules" gives the bound).
 * Exact counts are kept in the store only for rare events (client-auth-failures.ts).
 *
 * Over the limit: 429 with `Retry-After` in the endpoint's error format (error-response.ts:
 * `temporarily_unavailable` under /oauth2/, problem+json elsewhere). The binding does not say when
 * its window ends; `Retry-After` is the time to the next clock minute, where the local limiter's
 * windows end, so at most 60 s.
 *
 * A deployment without the tier's binding counts in the store (`limit`, exact, one round trip),
 * and logs that once per isolate: a misconfiguration costs speed, never the limit.
 */
import type { Context, MiddlewareHandler } from "hono";
import ipaddr from "ipaddr.js";
import type { Config, RateLimit } from "../config";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import type { Client } from "../registry/clients";
import type { Project } from "../registry/projects";
import * as keys from "../store/keys";
import { TIER_PERIOD_S, tierFor } from "./rate-tiers";

export interface RateLimitOptions {
  /** Names the counter; requests limited under one name share its windows. */
  name: string;
  /** The limit, usually from config; null turns the limiter off. */
  limits: RateLimit | null | ((config: Config) => RateLimit | null);
  /** The bucket a request counts against; default: its client IP (`clientIpBucket`). */
  key?: (c: Context<AppEnv>) => string;
}

/**
 * The client's address as Cloudflare reports it. Without `CF-Connecting-IP` (local `wrangler dev`,
 * tests) every request shares the bucket "unknown". An IPv6 client is counted per /64, the block
 * one subscriber typically holds, so rotating addresses within it does not escape the limit.
 */
export function clientIpBucket(c: Context<AppEnv>): string {
  const ip = c.req.header("CF-Connecting-IP")?.trim();
  if (!ip || !ipaddr.isValid(ip)) return "unknown";
  const address = ipaddr.process(ip);
  if (address.kind() === "ipv4") return address.toString();
  const bytes = address.toByteArray().slice(0, 8);
  return `${ipaddr.fromByteArray([...bytes, 0, 0, 0, 0, 0, 0, 0, 0]).toString()}/64`;
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** Middleware that counts each request and refuses it with 429 once its bucket is over the limit. */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  if (!NAME.test(options.name)) throw new TypeError(`rate limit name "${options.name}" must match ${NAME}`);
  const { limits } = options;
  if (limits !== null && typeof limits === "object" && !(limits.limit >= 1 && limits.windowS >= 1)) {
    throw new TypeError(`rate limit "${options.name}" needs a limit and a window of at least 1`);
  }
  const key = options.key ?? clientIpBucket;
  return async (c, next) => {
    const policy = typeof limits === "function" ? limits(c.get("config")) : limits;
    if (policy) await countRequest(c, options.name, key(c), policy);
    await next();
  };
}

/** Tier bindings found missing in this isolate: each is logged once. */
const missingBindings = new Set<string>();

/** Counts one request against `bucket` under `name`; 429 with `Retry-After` once over `policy`. */
export async function countRequest(c: Context<AppEnv>, name: string, bucket: string, policy: RateLimit): Promise<void> {
  const tier = tierFor(policy);
  const limiter = c.env[tier.binding];
  if (!limiter) return countInStore(c, name, bucket, policy, tier.binding);
  let allowed: boolean;
  try {
    allowed = (await limiter.limit({ key: `${name}:${bucket}` })).success;
  } catch (cause) {
    throw new Problem(503, "Service Unavailable", { description: "The rate limiter is unavailable. Try again shortly.", detail: `rate limit ${name}: ${tier.binding} failed`, headers: { "Retry-After": "5" }, cause });
  }
  if (!allowed) {
    const untilNextMinuteS = TIER_PERIOD_S - (Math.floor(Date.now() / 1000) % TIER_PERIOD_S);
    throw tooManyRequests(untilNextMinuteS, `rate limit ${name}: over ${tier.limit} per ${TIER_PERIOD_S} s (configured ${policy.limit} per ${policy.windowS} s)`);
  }
}

/** The exact fallback without the tier's binding: the store's fixed-window counter. */
async function countInStore(c: Context<AppEnv>, name: string, bucket: string, policy: RateLimit, binding: string): Promise<void> {
  if (!missingBindings.has(binding)) {
    missingBindings.add(binding);
    c.get("log").warn("rate-limit binding missing: counting in the store", { binding, limit: name });
  }
  const decision = await c.get("store").limit(keys.rateWindow(name, bucket), { limit: policy.limit, windowMs: policy.windowS * 1000 });
  if (!decision.allowed) throw tooManyRequests(Math.ceil(decision.resetInMs / 1000), `rate limit ${name}: over ${policy.limit} per ${policy.windowS} s (store)`);
}

function tooManyRequests(retryAfterS: number, detail: string): Problem {
  const seconds = Math.max(1, retryAfterS);
  return new Problem(429, "Too Many Requests", {
    description: `Too many requests; try again in ${seconds} s.`,
    detail,
    headers: { "Retry-After": String(seconds) },
  });
}

/**
 * The token rate of an authenticated client (issue 6 item 4): its own `tokenPerMinute`, else its
 * project's, else the deployment's RATE_LIMIT_CLIENT_TOKEN (null: off).
 */
export function clientTokenPolicy(config: Config, client: Client, project: Project | null): RateLimit | null {
  const perMinute = client.rateLimits?.tokenPerMinute ?? project?.rateLimits?.tokenPerMinute;
  return perMinute === undefined ? config.rateLimits.clientToken : { limit: perMinute, windowS: 60 };
}
