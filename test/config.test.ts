import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config";
import { problemsOf, VALID_ENV as valid } from "./helpers/config";


describe("config", () => {
  it("parses a minimal env with defaults: ES256, 30-day rotation, 1 h tokens, the Durable Object store", () => {
    const config = parseConfig(valid);
    expect(config).toMatchObject({
      issuer: "https://id.example.com",
      defaultIdTokenAlg: "ES256",
      keyRotationIntervalMs: 30 * 86_400_000,
      tokenMaxLifetimeS: 3600,
      upstash: undefined,
      logLevel: "info",
      serverTiming: false,
    });
    expect(config.encryptionKey).toHaveLength(32);
  });

  it("names every missing secret and says what it should look like", () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^ISSUER is missing: expected an absolute https URL/);
    expect(problems[1]).toMatch(/^FEDGATE_ENCRYPTION_KEY is missing: expected a secret of 32 random bytes in base64url/);
    expect(problems[2]).toMatch(/^ADMIN_BOOTSTRAP_TOKEN is missing: expected a secret of at least 32/);
  });

  it.each([
    ["ISSUER", "http://id.example.com"],
    ["ISSUER", "https://id.example.com/"],
    ["ISSUER", "https://id.example.com?tenant=a"],
    ["ISSUER", "not a url"],
    ["FEDGATE_ENCRYPTION_KEY", "c2hvcnQ"],
    ["ADMIN_BOOTSTRAP_TOKEN", "short"],
    ["ADMIN_BOOTSTRAP_TOKEN", "has spaces has spaces has spaces has spaces"],
    ["SIGNING_ALG", "HS256"],
    ["SIGNING_KEY_ROTATION_DAYS", "0"],
    ["SIGNING_KEY_ROTATION_DAYS", "thirty"],
    ["TOKEN_MAX_LIFETIME_SECONDS", "999999"],
    ["LOG_LEVEL", "loud"],
    ["UPSTASH_REDIS_REST_URL", "redis://127.0.0.1:6379"],
  ])("refuses a malformed %s (%s) and names it", (name, value) => {
    const problems = problemsOf({ ...valid, UPSTASH_REDIS_REST_TOKEN: "t", UPSTASH_REDIS_REST_URL: "https://x.upstash.io", [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name} is malformed: expected `));
    // Values may be secrets: the message describes them, never repeats them.
    if (value.length >= 5) expect(problems[0]).not.toContain(value);
  });

  it("allows http issuers only on loopback, for local development", () => {
    expect(parseConfig({ ...valid, ISSUER: "http://127.0.0.1:8787" }).issuer).toBe("http://127.0.0.1:8787");
    expect(parseConfig({ ...valid, ISSUER: "http://localhost:8787" }).issuer).toBe("http://localhost:8787");
  });

  it("selects Upstash only when both of its settings are present", () => {
    expect(problemsOf({ ...valid, UPSTASH_REDIS_REST_URL: "https://eu1.upstash.io" })).toEqual([
      "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together (or neither, for the Durable Object store)",
    ]);
    const config = parseConfig({ ...valid, UPSTASH_REDIS_REST_URL: "https://eu1.upstash.io", UPSTASH_REDIS_REST_TOKEN: "tok" });
    expect(config.upstash).toEqual({ url: "https://eu1.upstash.io", token: "tok" });
    // Empty strings count as unset (wrangler vars cannot be deleted per environment).
    expect(parseConfig({ ...valid, UPSTASH_REDIS_REST_URL: "", UPSTASH_REDIS_REST_TOKEN: "" }).upstash).toBeUndefined();
  });

  it("resolves domain proofs through Cloudflare's DNS-over-HTTPS by default, or the resolver DOH_RESOLVER_URL names", () => {
    expect(parseConfig(valid).dohResolverUrl).toBe("https://cloudflare-dns.com/dns-query");
    expect(parseConfig({ ...valid, DOH_RESOLVER_URL: "https://dns.google/resolve" }).dohResolverUrl).toBe("https://dns.google/resolve");
    expect(parseConfig({ ...valid, DOH_RESOLVER_URL: "http://127.0.0.1:8788/dns/dns-query" }).dohResolverUrl).toBe("http://127.0.0.1:8788/dns/dns-query");
    for (const bad of ["http://dns.example/dns-query", "https://dns.example/dns-query?ct=x", "https://user:pw@dns.example/", "dns.example", "https://dns.example/#x"]) {
      const problems = problemsOf({ ...valid, DOH_RESOLVER_URL: bad });
      expect(problems, bad).toHaveLength(1);
      expect(problems[0]).toMatch(/^DOH_RESOLVER_URL is malformed: expected the https URL of a DNS-over-HTTPS resolver/);
    }
  });
});
