/** Rate limits (SECURITY.md AB-1) at the token endpoint, configured tiny through env overrides. */
import { env as bindings } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/env";
import { rateLimit } from "../../src/security/rate-limit";
import { call } from "../helpers/worker";

const octet = () => 1 + Math.floor(Math.random() * 250);
/** A fresh address per test, so that runs and tests never share a window. */
const freshIp = () => `198.51.${octet()}.${octet()}`;

function post(ip: string | undefined, env: Record<string, unknown>) {
  return call("/oauth2/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(ip ? { "CF-Connecting-IP": ip } : {}) },
    body: "grant_type=authorization_code",
    env,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("rate limits", () => {
  it("AB-1: answers 429 with Retry-After once an IP is over the limit, in the OAuth error format", async () => {
    const env = { RATE_LIMIT_TOKEN: "3/30s" };
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect((await post(ip, env)).status).toBe(401); // counted, then refused for no client auth
    const limited = await post(ip, env);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get("Retry-After"))).toBeLessThanOrEqual(30);
    expect(limited.headers.get("Cache-Control")).toBe("no-store");
    expect(await limited.json()).toEqual({ error: "temporarily_unavailable", error_description: expect.stringMatching(/^Too many requests; try again in \d+ s\.$/) });
  });

  it("AB-1: answers 429 with Retry-After on the Upstash store too (@upstash/ratelimit)", async () => {
    // Hour-long windows: @upstash/ratelimit aligns them to the clock, so a short one could roll over mid-test.
    const env = { RATE_LIMIT_TOKEN: "2/3600s", UPSTASH_REDIS_REST_URL: bindings.TEST_UPSTASH_URL, UPSTASH_REDIS_REST_TOKEN: bindings.TEST_UPSTASH_TOKEN };
    const [ip, other] = [freshIp(), freshIp()];
    for (let i = 0; i < 2; i++) expect((await post(ip, env)).status).toBe(401);
    const limited = await post(ip, env);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(((await limited.json()) as { error: string }).error).toBe("temporarily_unavailable");
    expect((await post(other, env)).status).toBe(401);
  });

  it("AB-1: counts each IP apart; an IPv6 client per /64", async () => {
    const env = { RATE_LIMIT_TOKEN: "1/30s" };
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

  it("AB-1: lets requests through again once the window has passed", async () => {
    const env = { RATE_LIMIT_TOKEN: "2/1s" };
    const ip = freshIp();
    await post(ip, env);
    await post(ip, env);
    const limited = await post(ip, env);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("1");
    await sleep(1_100);
    expect((await post(ip, env)).status).toBe(401);
  });

  it("does not limit when configured off, and names a malformed setting", async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await post(ip, { RATE_LIMIT_TOKEN: "off" })).status).toBe(401);
    const bad = await call("/.well-known/openid-configuration", { env: { RATE_LIMIT_TOKEN: "fast", RATE_LIMIT_SIGN_IN: "0/60s" } });
    expect(bad.status).toBe(500);
    const { detail } = (await bad.json()) as { detail: string };
    expect(detail).toContain("RATE_LIMIT_TOKEN is malformed");
    expect(detail).toContain("RATE_LIMIT_SIGN_IN is malformed");
  });

  it("AB-4: fails closed with 503 when the store is unreachable", async () => {
    const response = await post(freshIp(), { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "unused" });
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
