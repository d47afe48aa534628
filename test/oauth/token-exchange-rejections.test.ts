/**
 * Token exchange refusals (RFC 8693 §2.2.2, SECURITY.md RP-6, RP-7, RP-9, AD-4, issue 6 item 6): every
 * unacceptable subject token is `invalid_request`, a person who may not sign in `invalid_grant`, an
 * unknown target `invalid_target`, an unreachable provider 503; the opaque-token cache.
 */
import { SignJWT, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { api, emulatorSwitch } from "../helpers/admin";
import { AUTH0_API, EXCHANGE, exchangeClient, exchangeProvider, exchangeToken, newProject, TOKEN_TYPE, type ExchangeProvider } from "../helpers/exchange";
import { newClient, store, tokenRequest, type ClientAuth } from "../helpers/oauth";
import { registerUpstreamClient, upstreamTokens } from "../helpers/upstream";
import * as keys from "../../src/store/keys";
import { sha256 } from "../../src/encoding";

let project: { id: string; token: string };
const providers: Record<string, ExchangeProvider> = {};
const clients: Record<string, ClientAuth> = {};

beforeAll(async () => {
  project = await newProject("token exchange refusals");
  providers.auth0 = await exchangeProvider(project, "auth0", { exchange: { acceptOpaqueTokens: true } });
  providers.okta = await exchangeProvider(project, "okta");
  providers.oktaOrg = await exchangeProvider(project, "okta-org", { id: "okta-org" });
  providers.google = await exchangeProvider(project, "google", { exchange: { acceptOpaqueTokens: true } });
  providers.cognito = await exchangeProvider(project, "cognito", { exchange: { maxTokenAgeSeconds: 3600 } });
  for (const [name, provider] of Object.entries(providers)) clients[name] = await exchangeClient(project, { providerId: provider.id });
}, 30_000);

const tokensOf = (name: string, extra: { audience?: string; clientId?: string; login?: { email: string; password: string } } = {}) =>
  upstreamTokens(providers[name]!.upstream, { clientId: providers[name]!.upstreamClient.clientId, nonce: crypto.randomUUID(), ...extra });
/** A misbehaviour switch for one provider's upstream client only. */
const bend = (name: string, switches: Record<string, unknown>) => emulatorSwitch(providers[name]!.upstream, { clientId: providers[name]!.upstreamClient.clientId, ...switches });

async function refused(response: Promise<{ status: number; body: any }>, error: string, description?: RegExp) {
  const { status, body } = await response;
  expect({ status, error: body.error }).toEqual({ status: error === "temporarily_unavailable" ? 503 : 400, error });
  if (description) expect(body.error_description).toMatch(description);
}

async function auditReasons(): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const items: { action: string; outcome: string; reason?: string }[] = (await api(project.token, "GET", `/projects/${project.id}/audit?limit=200`)).body.items;
  return items.filter((e) => e.action === "token.exchange" && e.outcome === "failure").map((e) => e.reason ?? "");
}

describe("RP-6: subject tokens the provider's policy refuses", () => {
  it("an Auth0 access token for an API not configured for exchange, even validly signed", async () => {
    const other = await tokensOf("auth0", { audience: "https://other.api" });
    await refused(exchangeToken(clients.auth0!, other.access_token), "invalid_request", /not acceptable|audience/);
    expect((await auditReasons()).some((r) => r.includes("audience_not_allowed"))).toBe(true);
  });

  it("a Cognito ID token presented as an access token (wrong token_use)", async () => {
    await refused(exchangeToken(clients.cognito!, (await tokensOf("cognito")).id_token!), "invalid_request");
    expect((await auditReasons()).some((r) => r.includes("wrong_token_use"))).toBe(true);
  });

  it("an ID token whose aud is not a client configured for exchange", async () => {
    const stranger = await registerUpstreamClient("google");
    const idToken = (await upstreamTokens("google", { clientId: stranger.clientId, nonce: "n" })).id_token!;
    await refused(exchangeToken(clients.google!, idToken, "id"), "invalid_request", /audience/);
  });

  it("a Google access token issued to another app (tokeninfo's aud/azp)", async () => {
    const stranger = await registerUpstreamClient("google");
    const accessToken = (await upstreamTokens("google", { clientId: stranger.clientId })).access_token;
    await refused(exchangeToken(clients.google!, accessToken), "invalid_request");
    expect((await auditReasons()).some((r) => r.includes("tokeninfo: client_not_allowed"))).toBe(true);
  });

  it("an Okta org-AS token where the provider does not accept tokens it cannot verify locally", async () => {
    await refused(exchangeToken(clients.oktaOrg!, (await tokensOf("oktaOrg")).access_token), "invalid_request", /only be checked with it/);
  });

  it("opaque tokens where no provider accepts them", async () => {
    await refused(exchangeToken(clients.okta!, "an-opaque-token"), "invalid_request", /Opaque access tokens are not accepted/);
  });
});

describe("RP-2/RP-9: tokens that fail verification", () => {
  it("expired", async () => {
    await bend("cognito", { expired: true, tokens: ["access_token"] });
    try {
      await refused(exchangeToken(clients.cognito!, (await tokensOf("cognito")).access_token), "invalid_request", /expired/);
    } finally {
      await bend("cognito", { expired: null, tokens: null });
    }
  });

  it("older than the provider's maximum token age", async () => {
    const now = Math.floor(Date.now() / 1000);
    await bend("cognito", { claims: { iat: now - 7200 }, tokens: ["id_token"] });
    try {
      await refused(exchangeToken(clients.cognito!, (await tokensOf("cognito")).id_token!, "id"), "invalid_request", /too old/);
    } finally {
      await bend("cognito", { claims: null, tokens: null });
    }
  });

  it("a bad signature, and a key the issuer does not publish", async () => {
    await bend("okta", { signing: "wrong-key-same-kid" });
    try {
      await refused(exchangeToken(clients.okta!, (await tokensOf("okta")).access_token), "invalid_request", /signature/);
    } finally {
      await bend("okta", { signing: null });
    }
    await bend("okta", { signing: "unknown-key" });
    try {
      await refused(exchangeToken(clients.okta!, (await tokensOf("okta")).access_token), "invalid_request", /key its issuer does not publish/);
    } finally {
      await bend("okta", { signing: null });
    }
  });

  it("an unknown issuer, and alg none", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ sub: "someone", aud: AUTH0_API }).setProtectedHeader({ alg: "ES256" }).setIssuer("https://evil.example/").setIssuedAt().setExpirationTime("5m").sign(privateKey);
    await refused(exchangeToken(clients.auth0!, forged), "invalid_request", /issuer is not an identity provider configured/);
    await bend("okta", { signing: "alg-none" });
    try {
      await refused(exchangeToken(clients.okta!, (await tokensOf("okta")).access_token), "invalid_request", /algorithm/);
    } finally {
      await bend("okta", { signing: null });
    }
  });

  it("RP-9: an ID token is single use", async () => {
    const idToken = (await tokensOf("okta")).id_token!;
    expect((await exchangeToken(clients.okta!, idToken, "id")).status).toBe(200);
    await refused(exchangeToken(clients.okta!, idToken, "id"), "invalid_request", /already exchanged/);
  });

  it("a token revoked upstream (opaque, judged at userinfo)", async () => {
    const accessToken = (await tokensOf("auth0")).access_token;
    await bend("auth0", { revokeTokens: true });
    await refused(exchangeToken(clients.auth0!, accessToken), "invalid_request", /does not accept/);
  });
});

describe("RP-7: linking as at sign-in", () => {
  it("an unverified email does not link to the account holding that address, and no user is created", async () => {
    const strict = await newProject("exchange, pre-provisioned users only");
    const auth0 = await exchangeProvider(strict, "auth0", { domains: ["auth0.example"], provider: { createUsers: false } });
    const client = await exchangeClient(strict, { providerId: auth0.id });
    const ulrich = await api(strict.token, "POST", `/projects/${strict.id}/users`, { email: "ulrich@auth0.example", emailVerified: true });
    const alice = await api(strict.token, "POST", `/projects/${strict.id}/users`, { email: "alice@auth0.example", emailVerified: true });
    const tokenOf = async (email: string, password: string) =>
      (await upstreamTokens("auth0", { clientId: auth0.upstreamClient.clientId, audience: AUTH0_API, login: { email, password } })).access_token;

    await refused(exchangeToken(client, await tokenOf("ulrich@auth0.example", "ulrich-password")), "invalid_grant");
    expect((await api(strict.token, "GET", `/projects/${strict.id}/users/${ulrich.body.id}`)).body.externalIds).toEqual([]);
    // The verified address links (the positive control).
    expect((await exchangeToken(client, await tokenOf("alice@auth0.example", "alice-password"))).status).toBe(200);
    expect((await api(strict.token, "GET", `/projects/${strict.id}/users/${alice.body.id}`)).body.externalIds).toHaveLength(1);
  });

  it("a disabled user gets invalid_grant", async () => {
    const first = await exchangeToken(clients.okta!, (await tokensOf("okta")).access_token);
    const userId = JSON.parse(atob(first.body.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).sub;
    const user = await api(project.token, "GET", `/projects/${project.id}/users/${userId}`);
    await api(project.token, "PATCH", `/projects/${project.id}/users/${userId}`, { disabled: true }, { "If-Match": user.headers.get("ETag")! });
    await refused(exchangeToken(clients.okta!, (await tokensOf("okta")).access_token), "invalid_grant");
    const again = await api(project.token, "GET", `/projects/${project.id}/users/${userId}`);
    await api(project.token, "PATCH", `/projects/${project.id}/users/${userId}`, { disabled: false }, { "If-Match": again.headers.get("ETag")! });
  });
});

describe("the opaque-token cache", () => {
  it("a warm token is not sent upstream again; an outage is answered 503 and not cached", async () => {
    const warm = (await tokensOf("google")).access_token;
    expect((await exchangeToken(clients.google!, warm)).status).toBe(200);
    await bend("google", { fail: { status: 503, endpoints: ["tokeninfo", "userinfo"] } });
    try {
      // From the cache: tokeninfo is down, yet the warm token is accepted.
      expect((await exchangeToken(clients.google!, warm)).status).toBe(200);
      const cold = (await tokensOf("google")).access_token;
      const outage = await exchangeToken(clients.google!, cold);
      expect(outage.status).toBe(503);
      expect(outage.body.error).toBe("temporarily_unavailable");
      expect(outage.headers.get("Retry-After")).toBe("5");
      await bend("google", { fail: null });
      expect((await exchangeToken(clients.google!, cold)).status).toBe(200);
    } finally {
      await bend("google", { fail: null });
    }
  });

  it("a refusal is cached under the token's hash, never the token", async () => {
    const bogus = `ya29.${crypto.randomUUID()}`;
    await refused(exchangeToken(clients.google!, bogus), "invalid_request");
    const record = await store.get<{ verdict: { accepted: boolean } }>(keys.exchangeVerdict(project.id, await sha256(bogus)));
    expect(record?.verdict.accepted).toBe(false);
    expect(JSON.stringify(record)).not.toContain(bogus);
  });
});

describe("RFC 8693 request errors", () => {
  const upstream = () => tokensOf("okta").then((t) => t.access_token);

  it("missing or unknown parameters are invalid_request", async () => {
    const token = await upstream();
    await refused(tokenRequest({ grant_type: EXCHANGE, subject_token_type: TOKEN_TYPE.access }, clients.okta), "invalid_request", /subject_token/);
    await refused(tokenRequest({ grant_type: EXCHANGE, subject_token: token }, clients.okta), "invalid_request", /subject_token_type/);
    await refused(exchangeToken(clients.okta!, token, "access", { subject_token_type: "urn:ietf:params:oauth:token-type:saml2" }), "invalid_request");
    await refused(exchangeToken(clients.okta!, token, "access", { actor_token: token, actor_token_type: TOKEN_TYPE.access }), "invalid_request", /actor_token/);
    await refused(exchangeToken(clients.okta!, token, "access", { requested_token_type: "urn:ietf:params:oauth:token-type:refresh_token" }), "invalid_request");
    await refused(exchangeToken(clients.okta!, "not.a-jwt", "id"), "invalid_request");
  });

  it("an unregistered audience or resource is invalid_target, a scope beyond the client's invalid_scope", async () => {
    const token = await upstream();
    await refused(exchangeToken(clients.okta!, token, "access", { audience: "https://payroll.example" }), "invalid_target");
    await refused(exchangeToken(clients.okta!, token, "access", { resource: "https://payroll.example" }), "invalid_target");
    await refused(exchangeToken(clients.okta!, token, "access", { scope: "admin" }), "invalid_scope");
  });

  it("a client without the grant is unauthorized_client", async () => {
    const machine = await newClient(project, { name: "m", kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"], scopes: ["x"] });
    const response = await exchangeToken(machine, await upstream());
    expect(response.body.error).toBe("unauthorized_client");
  });

  it("AD-4: refusals are audited with their reason", async () => {
    const reasons = await auditReasons();
    expect(reasons.some((r) => r.startsWith("unknown_issuer"))).toBe(true);
    expect(reasons.some((r) => r.includes("ID token replayed"))).toBe(true);
  });
});

