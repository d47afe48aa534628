/**
 * The generic `oidc` provider kind against real third-party software (issue 10 item 1):
 * node-oidc-provider 9, started in Node by test/global-setup.ts, over HTTP end to end through the
 * broker. Sign-in with home realm discovery and RP-7 linking; token exchange (RFC 8693) of its ID
 * tokens, RFC 9068 JWT access tokens and opaque access tokens (RP-6, RP-9), and a refusal per path.
 * ID tokens are signed RS256, ES256, EdDSA and Ed25519 by one client each (EdDSA is what once made
 * every generic sign-in a 503). node-oidc-provider keeps email and name out of the ID token unless
 * the `claims` parameter asks for them, so sign-ins also exercise userinfo (RP-5).
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { exchangeClient, exchangeToken } from "../helpers/exchange";
import type { ClientAuth } from "../helpers/oauth";
import {
  NODE_OIDC_ACCOUNTS, NODE_OIDC_CLIENTS, NODE_OIDC_DOMAIN, NODE_OIDC_RESOURCES, nodeOidcIssuer, nodeOidcProvider, nodeOidcTokens, signInThroughNodeOidc,
  type NodeOidcClient,
} from "../helpers/oidc-provider";
import { CLIENT_REDIRECT, redeemFlow } from "../helpers/signin";
import { call, ISSUER } from "../helpers/worker";

type Project = { id: string; token: string };

async function jwks() {
  return createLocalJWKSet((await (await call("/.well-known/jwks.json")).json()) as { keys: [] });
}

/** A user created by the admin API before anyone signs in (verified email). */
async function preProvision(project: Project, email: string, name: string): Promise<string> {
  const created = await api(project.token, "POST", `/projects/${project.id}/users`, { email, emailVerified: true, name });
  if (created.status !== 201) throw new Error(`user: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id;
}

const user = async (project: Project, id: string) => (await api(project.token, "GET", `/projects/${project.id}/users/${id}`)).body;

async function audit(project: Project): Promise<{ id: string; action: string; outcome: string; reason?: string; after?: Record<string, unknown> }[]> {
  await new Promise((resolve) => setTimeout(resolve, 50)); // audit events are written after the response
  return (await api(project.token, "GET", `/projects/${project.id}/audit?limit=200`)).body.items;
}

/** A project whose provider is node-oidc-provider (signing in as `client`), the test domain mapped to it, and a public app. */
async function federation(name: string, options: { id?: string; client?: NodeOidcClient; provider?: Record<string, unknown> } = {}) {
  const project = await newProject(name);
  const provider = await nodeOidcProvider(project, { ...options, domains: [NODE_OIDC_DOMAIN] });
  const app = await api(project.token, "POST", `/projects/${project.id}/clients`, { name: "app", kind: "public", redirectUris: [CLIENT_REDIRECT] });
  return { project, providerId: provider.id, clientId: app.body.client.id as string };
}

describe("sign-in through node-oidc-provider (provider kind oidc)", () => {
  it("oidcc-client-test, RP-7: a verified email in the mapped domain links to the pre-provisioned user", async () => {
    const f = await federation("node-oidc sign-in");
    const nora = await preProvision(f.project, NODE_OIDC_ACCOUNTS.nora.email, "Nora Node");
    const flow = await signInThroughNodeOidc(f, "nora");
    expect(flow.page, flow.page?.text.slice(0, 300)).toBeUndefined();
    // Home realm discovery sent the browser to node-oidc-provider with state, nonce and PKCE (RP-1).
    const upstream = new URL(flow.responses[1]!.headers.get("Location")!);
    expect(upstream.origin).toBe(nodeOidcIssuer());
    expect(Object.fromEntries(upstream.searchParams)).toMatchObject({ client_id: NODE_OIDC_CLIENTS.rs256.clientId, code_challenge_method: "S256", login_hint: "nora@oidc.example" });
    expect(upstream.searchParams.get("state")).toBeTruthy();
    expect(upstream.searchParams.get("nonce")).toBeTruthy();
    expect(flow.redirect!.searchParams.get("iss")).toBe(ISSUER);

    const tokens = await redeemFlow(f, flow);
    expect(tokens.status).toBe(200);
    const { payload: id } = await jwtVerify(tokens.body.id_token, await jwks(), { issuer: ISSUER, audience: f.clientId });
    expect(id).toMatchObject({ sub: nora, nonce: "nonce-abc", email: "nora@oidc.example", email_verified: true, name: "Nora Node" });
    const { payload: access } = await jwtVerify(tokens.body.access_token, await jwks(), { issuer: ISSUER });
    expect(access).toMatchObject({ sub: nora, idp: "node-oidc", project: f.project.id, email: "nora@oidc.example" });
    expect((await user(f.project, nora)).externalIds).toEqual([{ providerId: "node-oidc", subject: "nora" }]);

    // The second sign-in finds her by the external identity.
    const again = await redeemFlow(f, await signInThroughNodeOidc(f, "nora"));
    expect(decodeJwt(again.body.id_token).sub).toBe(nora);
    const events = await audit(f.project);
    expect(events.filter((e) => e.action === "login.success")).toHaveLength(2);
  });

  it.each(["es256", "eddsa", "ed25519"] as const)("RP-2: ID tokens signed by the %s client are verified and the person signed in", async (client) => {
    const f = await federation(`node-oidc ${client}`, { id: `node-oidc-${client}`, client });
    const nora = await preProvision(f.project, NODE_OIDC_ACCOUNTS.nora.email, "Nora Node");
    const flow = await signInThroughNodeOidc(f, "nora");
    expect(flow.page, flow.page?.text.slice(0, 300)).toBeUndefined();
    const tokens = await redeemFlow(f, flow);
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token)).toMatchObject({ sub: nora, email: "nora@oidc.example", email_verified: true });
  });

  it("RP-7: an unverified email is not linked to the user holding it; the provider creates a user keyed on (provider, sub)", async () => {
    const f = await federation("node-oidc unverified");
    const holder = await preProvision(f.project, NODE_OIDC_ACCOUNTS.uma.email, "Uma (pre-provisioned)");
    const tokens = await redeemFlow(f, await signInThroughNodeOidc(f, "uma"));
    expect(tokens.status).toBe(200);
    const { payload: id } = await jwtVerify(tokens.body.id_token, await jwks(), { issuer: ISSUER, audience: f.clientId });
    expect(id.sub).not.toBe(holder);
    // The unproven email is kept, unverified: it claims nothing.
    expect(id).toMatchObject({ email: "uma@oidc.example", email_verified: false, name: "Uma Unverified" });
    const created = await user(f.project, id.sub!);
    expect(created).toMatchObject({ email: "uma@oidc.example", emailVerified: false, externalIds: [{ providerId: "node-oidc", subject: "uma" }] });
    expect((await user(f.project, holder)).externalIds).toEqual([]);
  });

  it("RP-7: where the provider does not create users, the unverified email is refused (403), the verified one still links", async () => {
    const f = await federation("node-oidc no new users", { provider: { createUsers: false } });
    const holder = await preProvision(f.project, NODE_OIDC_ACCOUNTS.uma.email, "Uma (pre-provisioned)");
    const refused = await signInThroughNodeOidc(f, "uma");
    expect(refused.redirect).toBeUndefined();
    expect(refused.page?.status).toBe(403);
    expect(refused.page?.text).toContain("You do not have an account here yet");
    expect((await user(f.project, holder)).externalIds).toEqual([]);
    expect((await audit(f.project)).some((e) => e.action === "login.failure" && /not_provisioned/.test(e.reason ?? ""))).toBe(true);

    const nora = await preProvision(f.project, NODE_OIDC_ACCOUNTS.nora.email, "Nora Node");
    const tokens = await redeemFlow(f, await signInThroughNodeOidc(f, "nora"));
    expect(decodeJwt(tokens.body.id_token).sub).toBe(nora);
  });
});

describe("token exchange of node-oidc-provider's tokens (RFC 8693, RP-6, RP-9)", () => {
  let project: Project;
  let client: ClientAuth;
  let nora: string;

  beforeAll(async () => {
    project = await newProject("node-oidc exchange");
    await nodeOidcProvider(project, {
      domains: [NODE_OIDC_DOMAIN],
      exchange: {
        clientIds: Object.values(NODE_OIDC_CLIENTS).map((c) => c.clientId), audiences: [NODE_OIDC_RESOURCES.api], acceptOpaqueTokens: true,
      },
    });
    client = await exchangeClient(project, { providerId: "node-oidc" });
    nora = await preProvision(project, NODE_OIDC_ACCOUNTS.nora.email, "Nora Node");
  }, 30_000);

  const subjectOf = async (response: { status: number; body: Record<string, any> }) => {
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return (await jwtVerify(response.body.access_token, await jwks(), { issuer: ISSUER, audience: client.id })).payload;
  };

  it.each(Object.keys(NODE_OIDC_CLIENTS) as NodeOidcClient[])("RP-6, RP-9: an ID token of the %s client (aud configured for exchange) links by verified email; single use", async (name) => {
    const upstream = await nodeOidcTokens({ client: name, claimsInIdToken: true });
    expect(decodeProtectedHeader(upstream.id_token).alg).toBe(NODE_OIDC_CLIENTS[name].alg);
    const claims = await subjectOf(await exchangeToken(client, upstream.id_token, "id", { scope: "openid email" }));
    expect(claims).toMatchObject({ sub: nora, idp: "node-oidc", email: "nora@oidc.example", project: project.id });
    const replay = await exchangeToken(client, upstream.id_token, "id");
    expect({ status: replay.status, error: replay.body.error }).toEqual({ status: 400, error: "invalid_request" });
  });

  it("RP-6: an RFC 9068 JWT access token (resource in audiences, client_id in clientIds) names the same person", async () => {
    const upstream = await nodeOidcTokens({ resource: NODE_OIDC_RESOURCES.api });
    expect(decodeProtectedHeader(upstream.access_token).typ).toBe("at+jwt");
    expect(decodeJwt(upstream.access_token)).toMatchObject({ aud: NODE_OIDC_RESOURCES.api, client_id: NODE_OIDC_CLIENTS.rs256.clientId, sub: "nora" });
    // Nora is known by (provider, sub) from the ID token exchanges above or, when run alone, from this ID token.
    await exchangeToken(client, (await nodeOidcTokens({ claimsInIdToken: true })).id_token, "id");
    expect((await subjectOf(await exchangeToken(client, upstream.access_token))).sub).toBe(nora);
    const events = await audit(project);
    expect(events.some((e) => e.action === "token.exchange" && e.outcome === "success" && e.after?.["via"] === "jwt")).toBe(true);
  });

  it("RP-6: an opaque access token is judged at userinfo (acceptOpaqueTokens); a first exchange creates the person", async () => {
    const upstream = await nodeOidcTokens({ account: "otto" });
    expect(upstream.access_token.split(".")).toHaveLength(1);
    const claims = await subjectOf(await exchangeToken(client, upstream.access_token));
    expect(claims).toMatchObject({ idp: "node-oidc", email: "otto@oidc.example" });
    expect(await user(project, claims.sub!)).toMatchObject({ email: "otto@oidc.example", emailVerified: true, externalIds: [{ providerId: "node-oidc", subject: "otto" }] });
    const events = await audit(project);
    expect(events.some((e) => e.action === "token.exchange" && e.outcome === "success" && e.after?.["via"] === "userinfo")).toBe(true);
  });
});

describe("token exchange refusals for node-oidc-provider's tokens (RP-6)", () => {
  let project: Project;
  let client: ClientAuth;

  beforeAll(async () => {
    project = await newProject("node-oidc exchange refusals");
    // Only the rs256 client's tokens, only the api resource.
    await nodeOidcProvider(project, {
      domains: [NODE_OIDC_DOMAIN],
      exchange: { clientIds: [NODE_OIDC_CLIENTS.rs256.clientId], audiences: [NODE_OIDC_RESOURCES.api], acceptOpaqueTokens: true },
    });
    client = await exchangeClient(project, { providerId: "node-oidc" });
  }, 30_000);

  /** invalid_request, and a new `token.exchange` failure audited with `reason`. */
  async function refused(request: () => Promise<{ status: number; body: Record<string, any> }>, reason: RegExp) {
    const failures = async () => (await audit(project)).filter((e) => e.action === "token.exchange" && e.outcome === "failure");
    const before = new Set((await failures()).map((e) => e.id));
    const { status, body } = await request();
    expect({ status, error: body.error }).toEqual({ status: 400, error: "invalid_request" });
    const reasons = (await failures()).filter((e) => !before.has(e.id)).map((e) => e.reason ?? "");
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(reason);
  }

  it("RP-6: an ID token whose aud is a client not configured for exchange", async () => {
    const upstream = await nodeOidcTokens({ client: "es256", claimsInIdToken: true });
    await refused(() => exchangeToken(client, upstream.id_token, "id"), /audience/);
  });

  it("RP-6: a JWT access token for another resource (aud not in audiences)", async () => {
    const upstream = await nodeOidcTokens({ resource: NODE_OIDC_RESOURCES.other });
    expect(decodeJwt(upstream.access_token).aud).toBe(NODE_OIDC_RESOURCES.other);
    await refused(() => exchangeToken(client, upstream.access_token), /audience_not_allowed/);
  });

  it("RP-6: a JWT access token for the right resource issued to another client (client_id not in clientIds)", async () => {
    const upstream = await nodeOidcTokens({ client: "es256", resource: NODE_OIDC_RESOURCES.api });
    await refused(() => exchangeToken(client, upstream.access_token), /client_not_allowed/);
  });

  it("RP-6: an opaque token userinfo does not accept", async () => {
    const upstream = await nodeOidcTokens();
    await refused(() => exchangeToken(client, `${upstream.access_token}x`), /userinfo/);
  });

  it("RP-7: a first ID token without email claims is refused rather than creating a second user for a person sign-in would link by email", async () => {
    const upstream = await nodeOidcTokens({ account: "otto" }); // node-oidc-provider keeps email out of ID tokens by default
    expect(decodeJwt(upstream.id_token).email).toBeUndefined();
    const users = async () => (await api(project.token, "GET", `/projects/${project.id}/users?limit=100`)).body.items.length;
    const before = await users();
    await refused(() => exchangeToken(client, upstream.id_token, "id"), /^first exchange of an ID token without email and email_verified$/);
    expect(await users()).toBe(before);
  });

  it("RP-6: a first JWT access token for an unknown person: node-oidc-provider's userinfo refuses resource-bound tokens", async () => {
    // Fedgate reads a new person's email at userinfo; node-oidc-provider answers only tokens without an audience there.
    const upstream = await nodeOidcTokens({ account: "otto", resource: NODE_OIDC_RESOURCES.api });
    await refused(() => exchangeToken(client, upstream.access_token), /userinfo/);
  });
});
