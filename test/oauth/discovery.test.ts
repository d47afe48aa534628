import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { call, ISSUER } from "../helpers/worker";

describe("discovery", () => {
  it("serves the provider metadata with the configured issuer", async () => {
    const response = await call("/.well-known/openid-configuration");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=3600");
    expect(await response.json()).toEqual({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      authorization_endpoint: `${ISSUER}/oauth2/authorize`,
      token_endpoint: `${ISSUER}/oauth2/token`,
      userinfo_endpoint: `${ISSUER}/oauth2/userinfo`,
      revocation_endpoint: `${ISSUER}/oauth2/revoke`,
      revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
      introspection_endpoint: `${ISSUER}/oauth2/introspect`,
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
      end_session_endpoint: `${ISSUER}/oauth2/logout`,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      subject_types_supported: ["public"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      grant_types_supported: ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
      token_endpoint_auth_signing_alg_values_supported: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"],
      id_token_signing_alg_values_supported: ["ES256", "RS256"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "sid", "email", "email_verified", "name", "roles"],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      prompt_values_supported: ["none", "login", "consent", "select_account"],
      acr_values_supported: ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"],
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    });
  });

  it("serves the same document as RFC 8414 authorization server metadata", async () => {
    const oidc = await (await call("/.well-known/openid-configuration")).json();
    const oauth = await (await call("/.well-known/oauth-authorization-server")).json();
    expect(oauth).toEqual(oidc);
  });

  it("AS-13: never derives the issuer from Host or X-Forwarded-Host", async () => {
    const response = await call("/.well-known/openid-configuration", {
      headers: { Host: "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http" },
    });
    const metadata = (await response.json()) as Record<string, string>;
    expect(metadata.issuer).toBe(ISSUER);
    expect(JSON.stringify(metadata)).not.toContain("evil.example");
  });

  it("AS-14: allows cross-origin reads of discovery and JWKS", async () => {
    for (const path of ["/.well-known/openid-configuration", "/.well-known/jwks.json"]) {
      const response = await call(path, { headers: { Origin: "https://app.example" } });
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
      const preflight = await call(path, { method: "OPTIONS", headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" } });
      expect(preflight.status).toBe(204);
    }
  });

  it("answers a conditional request with 304", async () => {
    const first = await call("/.well-known/openid-configuration");
    const again = await call("/.well-known/openid-configuration", { headers: { "If-None-Match": first.headers.get("ETag")! } });
    expect(again.status).toBe(304);
  });
});

describe("JWKS", () => {
  it("AS-8: publishes the active ES256 key and the next one, public halves only, cacheable", async () => {
    const response = await call("/.well-known/jwks.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/jwk-set+json");
    expect(response.headers.get("Cache-Control")).toMatch(/^public, max-age=300\b/);
    const { keys } = (await response.json()) as { keys: JWK[] };
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
      expect(key.kid).toMatch(/^[\w-]{43}$/);
      expect(key).not.toHaveProperty("d");
    }
  });

  it("AS-8: rejects a token signed by a key that is not in the JWKS", async () => {
    const { keys } = (await (await call("/.well-known/jwks.json")).json()) as { keys: JWK[] };
    const { generateKeyPair } = await import("jose");
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ sub: "x" }).setProtectedHeader({ alg: "ES256", kid: keys[0]!.kid }).setIssuer(ISSUER).sign(privateKey);
    expect(decodeProtectedHeader(forged).kid).toBe(keys[0]!.kid);
    await expect(jwtVerify(forged, createLocalJWKSet({ keys }))).rejects.toThrow();
  });
});

describe("errors and hygiene", () => {
  it("gives every response a request id and a health route that touches nothing", async () => {
    const response = await call("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(response.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("Server-Timing")).toContain('desc="0 round trips"');
  });

  it("answers unknown routes with a JSON 404: problem+json, or RFC 6749 JSON under /oauth2/", async () => {
    const page = await call("/no/such/page");
    expect(page.status).toBe(404);
    expect(page.headers.get("Content-Type")).toBe("application/problem+json");
    expect(page.headers.get("Cache-Control")).toBe("no-store");
    expect(await page.json()).toMatchObject({ type: "about:blank", title: "Not Found", status: 404 });

    const oauth = await call("/oauth2/nothing", { method: "POST" });
    expect(oauth.status).toBe(404);
    expect(oauth.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(oauth.headers.get("Cache-Control")).toBe("no-store");
    expect(await oauth.json()).toEqual({ error: "invalid_request", error_description: "No endpoint POST /oauth2/nothing" });
    expect(oauth.headers.get("X-Request-Id")).toBeTruthy();
  });

  it("AB-4: answers 503 when the store is unreachable, with Retry-After and no internals", async () => {
    const response = await call("/.well-known/jwks.json", {
      env: { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "unused" },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(response.headers.get("Retry-After")).toBe("5");
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ status: 503, title: "Service Unavailable" });
    expect(body).not.toMatch(/127\.0\.0\.1|upstash|stack/i);
  });

  it("names the misconfigured variable instead of failing obscurely", async () => {
    const response = await call("/.well-known/openid-configuration", { env: { FEDGATE_ENCRYPTION_KEY: "too-short", ISSUER: "http://id.example.com" } });
    expect(response.status).toBe(500);
    const problem = (await response.json()) as { title: string; detail: string };
    expect(problem.title).toBe("Fedgate is not configured");
    expect(problem.detail).toContain("ISSUER is malformed");
    expect(problem.detail).toContain("FEDGATE_ENCRYPTION_KEY is malformed");
    expect(problem.detail).not.toContain("too-short");
  });
});
