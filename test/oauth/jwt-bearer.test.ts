/**
 * The JWT bearer grant (RFC 7523 §2.1, issue 15 item 1): an upstream provider's JWT, from the
 * emulators over HTTP, traded for a Fedgate access token under the provider's exchange trust policy;
 * the same person as token exchange; refused `invalid_grant` for each trust rule (RFC 7523 §3.1) and
 * audited as `token.exchange` with `after.grant: "jwt-bearer"`.
 */
import { generateKeyPair, jwtVerify, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { api, emulatorSwitch } from "../helpers/admin";
import { AUTH0_API, EXCHANGE, exchangeClient, exchangeProvider, exchangeToken, newProject, type ExchangeProvider } from "../helpers/exchange";
import { jwks, newClient, refresh, tokenRequest, type ClientAuth } from "../helpers/oauth";
import { registerUpstreamClient, upstreamTokens } from "../helpers/upstream";
import { call, ISSUER } from "../helpers/worker";

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

let project: { id: string; token: string };
const providers: Record<string, ExchangeProvider> = {};
/** One client per provider (bound to it), allowed the JWT bearer grant and refresh. */
const clients: Record<string, ClientAuth> = {};

beforeAll(async () => {
  project = await newProject("jwt bearer");
  providers.auth0 = await exchangeProvider(project, "auth0", { domains: ["auth0.example"] });
  providers.okta = await exchangeProvider(project, "okta", { domains: ["okta.example"] });
  // Google's access tokens are opaque: accepted for exchange, never as an assertion.
  providers.google = await exchangeProvider(project, "google", { exchange: { acceptOpaqueTokens: true } });
  providers.cognito = await exchangeProvider(project, "cognito", { domains: ["cognito.example"], exchange: { maxTokenAgeSeconds: 3600 } });
  for (const [name, provider] of Object.entries(providers)) {
    clients[name] = await exchangeClient(project, { providerId: provider.id, grantTypes: [JWT_BEARER, "refresh_token"] });
  }
}, 30_000);

const tokensOf = (name: string, extra: { audience?: string; scope?: string } = {}) =>
  upstreamTokens(providers[name]!.upstream, { clientId: providers[name]!.upstreamClient.clientId, nonce: crypto.randomUUID(), ...extra });
/** A misbehaviour switch for one provider's upstream client only. */
const bend = (name: string, switches: Record<string, unknown>) => emulatorSwitch(providers[name]!.upstream, { clientId: providers[name]!.upstreamClient.clientId, ...switches });

/** POST /oauth2/token with the JWT bearer grant, as MedplumClient's startJwtBearerLogin sends it (plus client authentication). */
const bearer = (auth: ClientAuth, assertion: string, extra: Record<string, string> = {}) => tokenRequest({ grant_type: JWT_BEARER, assertion, ...extra }, auth);

async function verified(accessToken: string, audience: string) {
  return (await jwtVerify(accessToken, await jwks(), { issuer: ISSUER, audience, algorithms: ["ES256"] })).payload;
}

async function refused(response: Promise<{ status: number; body: any }>, description?: RegExp, error = "invalid_grant") {
  const { status, body } = await response;
  expect({ status, error: body.error }).toEqual({ status: error === "temporarily_unavailable" ? 503 : 400, error });
  if (description) expect(body.error_description).toMatch(description);
}

interface Event { action: string; outcome: string; reason?: string; target?: { type: string; id: string }; after?: Record<string, unknown> }
async function bearerEvents(outcome: "success" | "failure"): Promise<Event[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const items: Event[] = (await api(project.token, "GET", `/projects/${project.id}/audit?limit=200`)).body.items;
  return items.filter((e) => e.action === "token.exchange" && e.outcome === outcome && e.after?.["grant"] === "jwt-bearer");
}
const reasons = async () => (await bearerEvents("failure")).map((e) => e.reason ?? "");

describe("JWT bearer: upstream JWTs accepted", () => {
  it("an Okta access token becomes a Fedgate access token; token exchange names the same user", async () => {
    const response = await bearer(clients.okta!, (await tokensOf("okta")).access_token, { scope: "openid email orders:read" });
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "openid email orders:read" });
    expect(response.body.issued_token_type).toBeUndefined();
    expect(response.body.refresh_token).toBeUndefined();
    expect(response.body.id_token).toBeUndefined();
    const claims = await verified(response.body.access_token, clients.okta!.id);
    expect(claims).toMatchObject({ client_id: clients.okta!.id, idp: "okta", project: project.id, email: "olivia@okta.example" });
    expect(claims.sub).toMatch(/^usr_/);

    const exchanger = await exchangeClient(project, { providerId: "okta" });
    const exchanged = await exchangeToken(exchanger, (await tokensOf("okta")).access_token);
    expect(exchanged.status).toBe(200);
    expect((await verified(exchanged.body.access_token, exchanger.id)).sub).toBe(claims.sub);
  });

  it("an Auth0 ID token and a Google ID token are accepted; the Auth0 API access token names the same user", async () => {
    const byId = await bearer(clients.auth0!, (await tokensOf("auth0")).id_token!);
    expect(byId.status).toBe(200);
    const byAccess = await bearer(clients.auth0!, (await tokensOf("auth0", { audience: AUTH0_API })).access_token);
    expect(byAccess.status).toBe(200);
    const [a, b] = [await verified(byId.body.access_token, clients.auth0!.id), await verified(byAccess.body.access_token, clients.auth0!.id)];
    expect(a.sub).toBe(b.sub);
    expect(a.email).toBe("alice@auth0.example");

    const google = await bearer(clients.google!, (await tokensOf("google")).id_token!);
    expect(google.status).toBe(200);
    expect((await verified(google.body.access_token, clients.google!.id)).email).toBe("gina@workspace.example");
  });

  it("Cognito: the access token (no aud) and the ID token name the same user", async () => {
    const upstream = await tokensOf("cognito");
    const byAccess = await bearer(clients.cognito!, upstream.access_token);
    const byId = await bearer(clients.cognito!, upstream.id_token!);
    expect([byAccess.status, byId.status]).toEqual([200, 200]);
    expect((await verified(byAccess.body.access_token, clients.cognito!.id)).sub).toBe((await verified(byId.body.access_token, clients.cognito!.id)).sub);
  });

  it("audience narrows aud; offline_access gives a rotating refresh token", async () => {
    const response = await bearer(clients.okta!, (await tokensOf("okta")).access_token, { scope: "openid offline_access", audience: "https://orders.example" });
    expect(response.status).toBe(200);
    await verified(response.body.access_token, "https://orders.example");
    expect(response.body.refresh_token).toBeTruthy();
    const rotated = await refresh(response.body.refresh_token, clients.okta!);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(response.body.refresh_token);
  });

  it("AD-4: audited as token.exchange with grant jwt-bearer, the user as target", async () => {
    const events = await bearerEvents("success");
    expect(events.some((e) => e.target?.type === "user" && e.after?.["provider"] === "okta" && e.after?.["via"] === "jwt")).toBe(true);
    expect(events.some((e) => e.after?.["provider"] === "auth0" && e.after?.["via"] === "id_token")).toBe(true);
  });

  it("discovery lists the grant", async () => {
    const metadata = await (await call("/.well-known/openid-configuration")).json<{ grant_types_supported: string[] }>();
    expect(metadata.grant_types_supported).toContain(JWT_BEARER);
  });
});

describe("JWT bearer: each trust rule refuses with invalid_grant", () => {
  it("an access token for an audience not configured for exchange", async () => {
    await refused(bearer(clients.auth0!, (await tokensOf("auth0", { audience: "https://other.api" })).access_token), /not acceptable/);
    expect((await reasons()).some((r) => r.includes("audience_not_allowed"))).toBe(true);
  });

  it("tokens issued to an upstream client not in the provider's exchange policy", async () => {
    const googleStranger = await registerUpstreamClient("google");
    const idToken = (await upstreamTokens("google", { clientId: googleStranger.clientId, nonce: "n" })).id_token!;
    await refused(bearer(clients.google!, idToken), /audience/);
    const cognitoStranger = await registerUpstreamClient("cognito");
    const accessToken = (await upstreamTokens("cognito", { clientId: cognitoStranger.clientId })).access_token;
    await refused(bearer(clients.cognito!, accessToken), /not acceptable/);
    expect((await reasons()).some((r) => r.includes("client_not_allowed"))).toBe(true);
  });

  it("older than the provider's maximum token age, and expired", async () => {
    await bend("cognito", { claims: { iat: Math.floor(Date.now() / 1000) - 7200 }, tokens: ["id_token"] });
    try {
      await refused(bearer(clients.cognito!, (await tokensOf("cognito")).id_token!), /too old/);
    } finally {
      await bend("cognito", { claims: null, tokens: null });
    }
    await bend("cognito", { expired: true, tokens: ["access_token"] });
    try {
      await refused(bearer(clients.cognito!, (await tokensOf("cognito")).access_token), /expired/);
    } finally {
      await bend("cognito", { expired: null, tokens: null });
    }
  });

  it("a bad signature", async () => {
    await bend("okta", { signing: "wrong-key-same-kid" });
    try {
      await refused(bearer(clients.okta!, (await tokensOf("okta")).access_token), /signature/);
    } finally {
      await bend("okta", { signing: null });
    }
    expect((await reasons()).some((r) => r.startsWith("invalid: signature"))).toBe(true);
  });

  it("RP-9: an ID token is used once, across both grants", async () => {
    const idToken = (await tokensOf("okta")).id_token!;
    expect((await bearer(clients.okta!, idToken)).status).toBe(200);
    await refused(bearer(clients.okta!, idToken), /already used/);
    const exchanged = (await tokensOf("okta")).id_token!;
    expect((await exchangeToken(await exchangeClient(project, { providerId: "okta" }), exchanged, "id")).status).toBe(200);
    await refused(bearer(clients.okta!, exchanged), /already used/);
    const replays = (await bearerEvents("failure")).filter((e) => e.reason === "ID token replayed");
    expect(replays.length).toBeGreaterThanOrEqual(2);
    expect(replays[0]!.target).toEqual({ type: "provider", id: "okta" });
  });

  it("only JWTs: an opaque token is refused, even where the provider accepts opaque tokens for exchange", async () => {
    await refused(bearer(clients.okta!, "an-opaque-token"), /not a JWT/);
    const googleAccess = (await tokensOf("google")).access_token;
    expect(googleAccess).toMatch(/^ya29\./);
    await refused(bearer(clients.google!, googleAccess), /not a JWT/);
    expect((await reasons()).some((r) => r.startsWith("malformed"))).toBe(true);
  });

  it("an unknown issuer", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ sub: "someone", aud: AUTH0_API }).setProtectedHeader({ alg: "ES256" }).setIssuer("https://evil.example/").setIssuedAt().setExpirationTime("5m").sign(privateKey);
    await refused(bearer(clients.auth0!, forged), /assertion's issuer is not an identity provider configured/);
    expect((await reasons()).some((r) => r.startsWith("unknown_issuer"))).toBe(true);
  });

  it("a disabled user is invalid_grant", async () => {
    const first = await bearer(clients.cognito!, (await tokensOf("cognito")).access_token);
    const userId = (await verified(first.body.access_token, clients.cognito!.id)).sub!;
    const user = await api(project.token, "GET", `/projects/${project.id}/users/${userId}`);
    await api(project.token, "PATCH", `/projects/${project.id}/users/${userId}`, { disabled: true }, { "If-Match": user.headers.get("ETag")! });
    try {
      await refused(bearer(clients.cognito!, (await tokensOf("cognito")).access_token), /may not sign in/);
    } finally {
      const again = await api(project.token, "GET", `/projects/${project.id}/users/${userId}`);
      await api(project.token, "PATCH", `/projects/${project.id}/users/${userId}`, { disabled: false }, { "If-Match": again.headers.get("ETag")! });
    }
  });
});

describe("JWT bearer: who may, and request errors", () => {
  it("a client without the grant is unauthorized_client (a token-exchange client too)", async () => {
    const exchanger = await newClient(project, { name: "exchange only", kind: "confidential", redirectUris: [], grantTypes: [EXCHANGE], scopes: ["openid"] });
    await refused(bearer(exchanger, (await tokensOf("okta")).access_token), undefined, "unauthorized_client");
  });

  it("a public client only where the project allows public clients to exchange", async () => {
    const other = await newProject("jwt bearer, public clients");
    const okta = await exchangeProvider(other, "okta");
    const spa = await exchangeClient(other, { kind: "public", grantTypes: [JWT_BEARER], providerId: okta.id });
    const token = async () => (await upstreamTokens("okta", { clientId: okta.upstreamClient.clientId, nonce: crypto.randomUUID() })).access_token;
    await refused(bearer(spa, await token()), /public clients/, "unauthorized_client");
    const read = await api(other.token, "GET", `/projects/${other.id}`);
    const patched = await api(other.token, "PATCH", `/projects/${other.id}`, { tokenExchange: { allowPublicClients: true } }, { "If-Match": read.headers.get("ETag")! });
    expect(patched.status).toBe(200);
    expect((await bearer(spa, await token())).status).toBe(200);
  });

  it("a missing assertion is invalid_request; scope and audience beyond the client's are refused", async () => {
    await refused(tokenRequest({ grant_type: JWT_BEARER }, clients.okta), /assertion/, "invalid_request");
    const token = (await tokensOf("okta")).access_token;
    await refused(bearer(clients.okta!, token, { scope: "admin" }), undefined, "invalid_scope");
    await refused(bearer(clients.okta!, token, { audience: "https://payroll.example" }), undefined, "invalid_target");
  });

  it("the admin API lets a client have the grant with refresh_token and nothing else", async () => {
    const created = await api(project.token, "POST", `/projects/${project.id}/clients`, { name: "bearer", kind: "confidential", redirectUris: [], grantTypes: [JWT_BEARER, "refresh_token"], scopes: ["openid"] });
    expect(created.status).toBe(201);
    expect(created.body.client.grantTypes).toEqual([JWT_BEARER, "refresh_token"]);
  });
});
