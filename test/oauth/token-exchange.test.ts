/**
 * Token exchange (RFC 8693, issue 6 item 1): each provider's access token and ID token, from the
 * emulators over HTTP, traded for a Fedgate token; the person linked as at sign-in (RP-7);
 * openid-client's genericGrantRequest unmodified (item 7). Rejections: token-exchange-rejections.test.ts.
 */
import { exports } from "cloudflare:workers";
import { jwtVerify } from "jose";
import * as oidc from "openid-client";
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/admin";
import { AUTH0_API, EXCHANGE, exchangeClient, exchangeProvider, exchangeToken, newProject, TOKEN_TYPE, type ExchangeProvider } from "../helpers/exchange";
import { jwks, refresh, type ClientAuth } from "../helpers/oauth";
import { upstreamTokens } from "../helpers/upstream";
import { ISSUER } from "../helpers/worker";

let project: { id: string; token: string };
const providers: Record<string, ExchangeProvider> = {};
/** One client per provider (bound to it) and one for the whole project. */
const clients: Record<string, ClientAuth> = {};

beforeAll(async () => {
  project = await newProject("token exchange");
  providers.auth0 = await exchangeProvider(project, "auth0", { domains: ["auth0.example"], exchange: { acceptOpaqueTokens: true } });
  providers.okta = await exchangeProvider(project, "okta", { domains: ["okta.example"] });
  providers.oktaOrg = await exchangeProvider(project, "okta-org", { id: "okta-org", exchange: { acceptOpaqueTokens: true } });
  providers.google = await exchangeProvider(project, "google", { exchange: { acceptOpaqueTokens: true } });
  providers.cognito = await exchangeProvider(project, "cognito", { domains: ["cognito.example"] });
  for (const [name, provider] of Object.entries(providers)) clients[name] = await exchangeClient(project, { providerId: provider.id });
  clients.any = await exchangeClient(project);
}, 30_000);

const tokensOf = (name: keyof typeof providers, extra: { audience?: string; scope?: string; login?: { email: string; password: string } } = {}) =>
  upstreamTokens(providers[name]!.upstream, { clientId: providers[name]!.upstreamClient.clientId, nonce: crypto.randomUUID(), ...extra });

async function verified(accessToken: string, audience: string) {
  return (await jwtVerify(accessToken, await jwks(), { issuer: ISSUER, audience, algorithms: ["ES256"] })).payload;
}

async function auditEvents(): Promise<{ action: string; outcome: string; reason?: string; after?: Record<string, unknown> }[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return (await api(project.token, "GET", `/projects/${project.id}/audit?limit=200`)).body.items;
}

describe("token exchange: each provider's tokens", () => {
  it("RP-6: an Auth0 JWT access token (API audience) becomes a Fedgate access token for the same person", async () => {
    const upstream = await tokensOf("auth0", { audience: AUTH0_API });
    const response = await exchangeToken(clients.auth0!, upstream.access_token, "access", { scope: "openid email orders:read" });
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.body).toMatchObject({ issued_token_type: TOKEN_TYPE.access, token_type: "Bearer", expires_in: 3600, scope: "openid email orders:read" });
    expect(response.body.refresh_token).toBeUndefined();
    const claims = await verified(response.body.access_token, clients.auth0!.id);
    expect(claims).toMatchObject({ client_id: clients.auth0!.id, idp: "auth0", project: project.id, email: "alice@auth0.example", scope: "openid email orders:read" });
    expect(claims.sub).toMatch(/^usr_/);

    // The Auth0 ID token of the same sign-in names the same platform user.
    const byIdToken = await exchangeToken(clients.auth0!, (await tokensOf("auth0")).id_token!, "id");
    expect(byIdToken.status).toBe(200);
    expect((await verified(byIdToken.body.access_token, clients.auth0!.id)).sub).toBe(claims.sub);
  });

  it("RP-6: an Auth0 opaque access token (no audience) is judged at userinfo", async () => {
    const upstream = await tokensOf("auth0");
    expect(upstream.access_token.split(".")).toHaveLength(5); // JWE-looking, as newer tenants issue
    const response = await exchangeToken(clients.auth0!, upstream.access_token);
    expect(response.status).toBe(200);
    expect((await verified(response.body.access_token, clients.auth0!.id)).email).toBe("alice@auth0.example");
  });

  it("RP-6: an Okta custom-AS access token names the user by uid; the ID token gives the same user", async () => {
    const upstream = await tokensOf("okta");
    const byAccess = await exchangeToken(clients.okta!, upstream.access_token);
    expect(byAccess.status).toBe(200);
    const byId = await exchangeToken(clients.okta!, upstream.id_token!, "id");
    expect(byId.status).toBe(200);
    const [a, b] = [await verified(byAccess.body.access_token, clients.okta!.id), await verified(byId.body.access_token, clients.okta!.id)];
    expect(a.sub).toBe(b.sub);
    expect(a.email).toBe("olivia@okta.example");
  });

  it("RP-6: an Okta org-AS access token (signed with an unpublished key) is introspected", async () => {
    const upstream = await tokensOf("oktaOrg");
    const response = await exchangeToken(clients.oktaOrg!, upstream.access_token);
    expect(response.status).toBe(200);
    expect((await verified(response.body.access_token, clients.oktaOrg!.id)).idp).toBe("okta-org");
  });

  it("RP-6: a Google opaque access token is judged at tokeninfo; the Google ID token too works", async () => {
    const upstream = await tokensOf("google");
    expect(upstream.access_token).toMatch(/^ya29\./);
    const byAccess = await exchangeToken(clients.google!, upstream.access_token);
    expect(byAccess.status).toBe(200);
    const byId = await exchangeToken(clients.google!, upstream.id_token!, "id");
    expect(byId.status).toBe(200);
    const [a, b] = [await verified(byAccess.body.access_token, clients.google!.id), await verified(byId.body.access_token, clients.google!.id)];
    expect(a.sub).toBe(b.sub);
    expect(a.email).toBe("gina@workspace.example");
  });

  it("RP-6: a Cognito access token (token_use access, client_id, no aud) and ID token", async () => {
    const upstream = await tokensOf("cognito");
    const byAccess = await exchangeToken(clients.cognito!, upstream.access_token);
    expect(byAccess.status).toBe(200);
    const byId = await exchangeToken(clients.cognito!, upstream.id_token!, "id");
    expect(byId.status).toBe(200);
    expect((await verified(byAccess.body.access_token, clients.cognito!.id)).sub).toBe((await verified(byId.body.access_token, clients.cognito!.id)).sub);
  });

  it("a JWT presented as …:jwt is judged as an access token", async () => {
    const response = await exchangeToken(clients.okta!, (await tokensOf("okta")).access_token, "jwt");
    expect(response.status).toBe(200);
  });

  it("a client without a provider of its own accepts any of the project's providers, found by issuer", async () => {
    for (const name of ["okta", "cognito"] as const) {
      const response = await exchangeToken(clients.any!, (await tokensOf(name)).access_token);
      expect(response.status, name).toBe(200);
      expect((await verified(response.body.access_token, clients.any!.id)).idp).toBe(providers[name]!.id);
    }
    // Opaque tokens: the providers that accept them are asked in turn.
    const google = await exchangeToken(clients.any!, (await tokensOf("google")).access_token);
    expect(google.status).toBe(200);
  });
});

describe("token exchange: the issued token", () => {
  it("audience/resource: a registered target becomes aud; requested_token_type jwt is echoed", async () => {
    const upstream = await tokensOf("okta");
    const response = await exchangeToken(clients.okta!, upstream.access_token, "access", { audience: "https://orders.example", requested_token_type: TOKEN_TYPE.jwt });
    expect(response.status).toBe(200);
    expect(response.body.issued_token_type).toBe(TOKEN_TYPE.jwt);
    await verified(response.body.access_token, "https://orders.example");
  });

  it("AS-4: offline_access gives a rotating refresh token bound to the exchanging client", async () => {
    const response = await exchangeToken(clients.cognito!, (await tokensOf("cognito")).id_token!, "id", { scope: "openid email offline_access" });
    expect(response.status).toBe(200);
    expect(response.body.refresh_token).toBeTruthy();
    const rotated = await refresh(response.body.refresh_token, clients.cognito!);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(response.body.refresh_token);
    expect((await refresh(response.body.refresh_token, clients.cognito!)).body.error).toBe("invalid_grant");
    expect((await refresh(rotated.body.refresh_token, await exchangeClient(project))).body.error).toBe("invalid_grant"); // another client's
  });

  it("AD-4: every exchange is audited with the provider and how the token was judged", async () => {
    await exchangeToken(clients.okta!, (await tokensOf("okta")).access_token);
    const events = await auditEvents();
    expect(events.some((e) => e.action === "token.exchange" && e.outcome === "success" && e.after?.["provider"] === "okta" && e.after?.["via"] === "jwt")).toBe(true);
    expect(events.some((e) => e.action === "token.exchange" && e.after?.["via"] === "tokeninfo")).toBe(true);
    expect(events.some((e) => e.action === "token.exchange" && e.after?.["via"] === "introspection")).toBe(true);
  });
});

describe("public clients (issue 6 item 1)", () => {
  it("may exchange only where the project allows it", async () => {
    const spa = await exchangeClient(project, { kind: "public", grantTypes: [EXCHANGE], providerId: "okta" });
    const token = (await tokensOf("okta")).access_token;
    const refused = await exchangeToken(spa, token);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("unauthorized_client");

    const read = await api(project.token, "GET", `/projects/${project.id}`);
    const patched = await api(project.token, "PATCH", `/projects/${project.id}`, { tokenExchange: { allowPublicClients: true } }, { "If-Match": read.headers.get("ETag")! });
    expect(patched.status).toBe(200);
    expect(patched.body.tokenExchange).toEqual({ allowPublicClients: true });
    expect((await exchangeToken(spa, token)).status).toBe(200);
  });
});

describe("openid-client against Fedgate (issue 6 item 7)", () => {
  const customFetch = (url: string, options: RequestInit) => exports.default.fetch(new Request(url, options));

  it("genericGrantRequest performs the exchange unmodified", async () => {
    const app = clients.okta!;
    const config = await oidc.discovery(new URL(ISSUER), app.id, app.secret!, oidc.ClientSecretBasic(app.secret!), { [oidc.customFetch]: customFetch });
    expect(config.serverMetadata().grant_types_supported).toContain(EXCHANGE);
    const upstream = await tokensOf("okta");
    const tokens = await oidc.genericGrantRequest(config, EXCHANGE, {
      subject_token: upstream.access_token, subject_token_type: TOKEN_TYPE.access, scope: "openid orders:read",
    });
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.issued_token_type).toBe(TOKEN_TYPE.access);
    expect(tokens.scope).toBe("openid orders:read");
  });
});
