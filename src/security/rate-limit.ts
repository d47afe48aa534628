/**
 * Rate limits (SECURITY.md AB-1): a fixed window per limit and bucket, counted by the store's
 * `limit` (one round trip, atomic): `@upstash/ratelimit`'s fixed window on the Upstash store, the
 * windowed counter on the Durable Object store. A sliding window would smooth the boundary but
 * keeps refusing after its reset, so `Retry-After` could not say when to come back. The fixed
 * window's weakness, up to twice the limit across a window boundary, is acceptable for limits
 * meant to stop floods and guessing, not to meter.
 *
 * Over the limit: 429 with `Retry-After` (seconds until the window resets), in the endpoint's error
 * format (error-response.ts: `temporarily_unavailable` under /oauth2/, problem+json elsewhere).
 *
 * A store failure fails closed: the StoreError propagates and the endpoint answers 503 (AB-4).
 * Failing open would buy nothing: every limited endpoint needs the store for its own work anyway.
 */
import type { Context, MiddlewareHandler } from "hono";
import ipaddr from "ipaddr.js";
import type { Config, RateLimit } from "../config";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import type { Client } from "../registry/clients";
import type { Project } from "../registry/projects";
import * as keys from "../store/keys";

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
    const policy = typeof limits === "function" ? limits(c.var.config) : limits;
    if (policy) await countRequest(c, options.name, key(c), policy);
    await next();
  };
}

/** Counts one request against `bucket` under `name`; 429 with `Retry-After` once over `policy`. */
export async function countRequest(c: Context<AppEnv>, name: string, bucket: string, policy: RateLimit): Promise<void> {
  const decision = await c.var.store.limit(keys.rateWindow(name, bucket), { limit: policy.limit, windowMs: policy.windowS * 1000 });
  if (!decision.allowed) {
    const retryAfterS = Math.max(1, Math.ceil(decision.resetInMs / 1000));
    throw new Problem(429, "Too Many Requests", {
      description: `Too many requests; try again in ${retryAfterS} s.`,
      detail: `rate limit ${name}: over ${policy.limit} per ${policy.windowS} s`,
      headers: { "Retry-After": String(retryAfterS) },
    });
  }
}

/**
 * The token rate of an authenticated client (issue 6 item 4): its own `tokenPerMinute`, else its
 * project's, else the deployment's RATE_LIMIT_CLIENT_TOKEN (null: off).
 */
export function clientTokenPolicy(config: Config, client: Client, project: Project | null): RateLimit | null {
  const perMinute = client.rateLimits?.tokenPerMinute ?? project?.rateLimits?.tokenPerMinute;
  return perMinute === undefined ? config.rateLimits.clientToken : { limit: perMinute, windowS: 60 };
}
