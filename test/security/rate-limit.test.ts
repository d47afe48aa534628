/**
 * Rate limits (SECURITY.md AB-1) at the token endpoint, configured tiny through env overrides and
 * counted by the real Workers Rate Limiting bindings (wrangler.toml's tiers, run by Miniflare).
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/env";
import { newClientId, newProjectId } from "../../src/ids";
import { rateLimit } from "../../src/security/rate-limit";
import { call } from "../helpers/worker";

const octet = () => 1 + Math.floor(Math.random() * 250);
/** A fresh address per test, so that runs and tests never share a window. */
const freshIp = () => `198.51.${octet()}.${octet()}`;

function post(ip: string | undefined, env: Record<string, unknown>, body = "grant_type=authorization_code") {
  return call("/oauth2/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(ip ? { "CF-Connecting-IP": ip } : {}) },
    body,
    env,
  });
}

/** A request whose client id is well formed, so that the endpoint looks it up in the store. */
const storeBound = () => `grant_type=client_credentials&client_id=${newClientId(newProjectId())}&client_secret=wrong`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const roundTrips = (response: Response) => Number(/store;[^,]*desc="(\d+) round trips"/.exec(response.headers.get("Server-Timing") ?? "")?.[1]);
/** Seconds to the next clock minute, where the binding's windows end. */
const toNextMinute = () => 60 - (Math.floor(Date.now() / 1000) % 60);

describe("rate limits", () => {
  it("AB-1: answers 429 with Retry-After once an IP is over the limit, in the OAuth error format, without a store call", async () => {
    const env = { RATE_LIMIT_TOKEN: "3/60s" };
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect((await post(ip, env)).status).toBe(401); // counted, then refused for no client auth
    const limited = await post(ip, env);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(Math.abs(retryAfter - toNextMinute())).toBeLessThanOrEqual(1);
    expect(limited.headers.get("Cache-Control")).toBe("no-store");
    expect(roundTrips(limited)).toBe(0);
    expect(await limited.json()).toEqual({ error: "temporarily_unavailable", error_description: expect.stringMatching(/^Too many requests; try again in \d+ s\.$/) });
  });

  it("AB-1: the limit needs no store: over it, the answer is 429 even while the (Upstash) store is unreachable", async () => {
    const env = { RATE_LIMIT_TOKEN: "2/60s", UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "unused" };
    const ip = freshIp();
    for (let i = 0; i < 2; i++) expect((await post(ip, env, storeBound())).status).toBe(503); // within the limit: finding the client needs the store
    const limited = await post(ip, env, storeBound());
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: string }).error).toBe("temporarily_unavailable");
  });

  it("AB-1: enforces a configured limit with the largest tier not above it (5 a minute: the tier of 3)", async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect((await post(ip, { RATE_LIMIT_TOKEN: "5/60s" })).status).toBe(401);
    expect((await post(ip, { RATE_LIMIT_TOKEN: "5/60s" })).status).toBe(429);
    // A window of other than 60 s is its rate per minute: 1 per 20 s is 3 a minute, the same tier and counter.
    expect((await post(ip, { RATE_LIMIT_TOKEN: "1/20s" })).status).toBe(429);
  });

  it("AB-1: counts each IP apart; an IPv6 client per /64", async () => {
    const env = { RATE_LIMIT_TOKEN: "1/60s" };
    const [a, b] = [freshIp(), freshIp()];
    expect((await post(a, env)).status).toBe(401);
    expect((await post(a, env)).status).toBe(429);
    expect((await post(b, env)).status).toBe(401);
    const [g3, g4] = [octet(), octet()];
    const prefix = `2001:db8:${g3.toString(16)}:${g4.toString(16)}`;
    expect((await post(`${prefix}::1`, env)).status).toBe(401);
    expect((await post(`${prefix}:ffff::2`, env)).status).toBe(429); // same /64
    expect((await post(`2001:db8:${g3.toString(16)}:${(g4 + 1).toString(16)}::1`, env)).status).toBe(401); // the next /64
  });

  it("AB-1: lets requests through again once the window has passed (Retry-After: the next clock minute)", { timeout: 75_000 }, async () => {
    const env = { RATE_LIMIT_TOKEN: "1/60s" };
    const ip = freshIp();
    await post(ip, env);
    const limited = await post(ip, env);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("Retry-After"));
    await sleep(retryAfter * 1000 + 300);
    expect((await post(ip, env)).status).toBe(401);
  });

  it("without its tier's binding, counts exactly in the store (one round trip)", async () => {
    const env = { RATE_LIMIT_TOKEN: "5/60s", RATE_LIMITER_3: undefined };
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await post(ip, env)).status).toBe(401);
    const limited = await post(ip, env);
    expect(limited.status).toBe(429);
    expect(roundTrips(limited)).toBe(1);
    expect(Number(limited.headers.get("Retry-After"))).toBeLessThanOrEqual(60);
  });

  it("does not limit when configured off, and names a malformed setting", async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await post(ip, { RATE_LIMIT_TOKEN: "off" })).status).toBe(401);
    const bad = await call("/.well-known/openid-configuration", { env: { RATE_LIMIT_TOKEN: "fast", RATE_LIMIT_SIGN_IN: "0/60s", RATE_LIMIT_CLIENT_TOKEN: "1/61s" } });
    expect(bad.status).toBe(500);
    const { detail } = (await bad.json()) as { detail: string };
    expect(detail).toContain("RATE_LIMIT_TOKEN is malformed");
    expect(detail).toContain("RATE_LIMIT_SIGN_IN is malformed");
    expect(detail).toContain("RATE_LIMIT_CLIENT_TOKEN is malformed"); // under 1 a minute: no tier can enforce it
    // Failed client authentications are exact store counters: any window.
    expect((await call("/.well-known/openid-configuration", { env: { RATE_LIMIT_CLIENT_AUTH_FAILURES: "1/3600s" } })).status).toBe(200);
  });

  it("AB-4: fails closed with 503 when the store is unreachable", async () => {
    const response = await post(freshIp(), { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "unused" }, storeBound());
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("5");
    expect(((await response.json()) as { error: string }).error).toBe("temporarily_unavailable");
  });

  it("checks its options up front", () => {
    expect(() => rateLimit({ name: "Bad Name", limits: null })).toThrow(TypeError);
    expect(() => rateLimit({ name: "ok", limits: { limit: 0, windowS: 60 } })).toThrow(TypeError);
    expect(new Hono<AppEnv>().use(rateLimit({ name: "sign-in", limits: (config) => config.rateLimits.signIn }))).toBeTruthy();
  });
});
