/**
 * Upstream tokens at the gateway (issue 15 item 2): `/auth/verify?project=` accepts a provider's JWT
 * under its exchange policy for the user already linked, where the project says so; the audit of
 * every upstream token seen there (`forward-auth.upstream`), which the legacy-token report counts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, emulatorSwitch } from "../helpers/admin";
import { AUTH0_API, exchangeClient, exchangeProvider, exchangeToken, newProject, type ExchangeProvider } from "../helpers/exchange";
import type { ClientAuth } from "../helpers/oauth";
import { registerUpstreamClient, upstreamTokens } from "../helpers/upstream";
import { call } from "../helpers/worker";

type Project = { id: string; token: string };
let project: Project;
const providers: Record<string, ExchangeProvider> = {};
const clients: Record<string, ClientAuth> = {};
/** Olivia, linked to the Okta provider by one exchange. */
let olivia: string;

const subOf = (jwt: string): string => JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sub;

async function setForwardAuth(target: Project, acceptUpstreamTokens: boolean) {
  const current = await api(target.token, "GET", `/projects/${target.id}`);
  const patched = await api(target.token, "PATCH", `/projects/${target.id}`, { forwardAuth: { acceptUpstreamTokens } }, { "If-Match": current.headers.get("ETag")! });
  expect(patched.status).toBe(200);
  return patched.body;
}

/** Links the person behind `accessToken` the way a migrating app does: one token exchange. */
async function linkedBy(client: ClientAuth, accessToken: string): Promise<string> {
  const exchanged = await exchangeToken(client, accessToken);
  expect(exchanged.status).toBe(200);
  return subOf(exchanged.body.access_token);
}

beforeAll(async () => {
  project = await newProject("gateway accepting upstream tokens");
  providers.okta = await exchangeProvider(project, "okta");
  providers.auth0 = await exchangeProvider(project, "auth0", { exchange: { acceptOpaqueTokens: true } });
  providers.cognito = await exchangeProvider(project, "cognito", { exchange: { maxTokenAgeSeconds: 3600 } });
  providers.oktaOrg = await exchangeProvider(project, "okta-org", { id: "okta-org", exchange: { acceptOpaqueTokens: true } });
  for (const [name, provider] of Object.entries(providers)) clients[name] = await exchangeClient(project, { providerId: provider.id });
  await setForwardAuth(project, true);
  olivia = await linkedBy(clients.okta!, (await tokensOf("okta")).access_token);
}, 30_000);

const tokensOf = (name: string, extra: { audience?: string; clientId?: string; login?: { email: string; password: string } } = {}) =>
  upstreamTokens(providers[name]!.upstream, { clientId: providers[name]!.upstreamClient.clientId, nonce: crypto.randomUUID(), ...extra });
const bend = (name: string, switches: Record<string, unknown>) => emulatorSwitch(providers[name]!.upstream, { clientId: providers[name]!.upstreamClient.clientId, ...switches });

const verify = (token: string, query = `?project=${project.id}`) => call(`/auth/verify${query}`, { headers: { Authorization: `Bearer ${token}` } });
const identityHeaders = (response: Response) => Object.fromEntries([...response.headers].filter(([name]) => name.startsWith("x-fedgate-")));

async function refused(response: Response, status: 401 | 403, description?: RegExp) {
  const body = (await response.json()) as { error: string; error_description: string };
  expect({ status: response.status, cacheControl: response.headers.get("Cache-Control") }).toEqual({ status, cacheControl: "no-store" });
  if (status === 401) expect(response.headers.get("WWW-Authenticate")).toContain("Bearer");
  if (description) expect(body.error_description).toMatch(description);
  expect(identityHeaders(response)).toEqual({});
  return body;
}

interface Event { action: string; outcome: string; reason?: string; actor: unknown; target: { type: string; id: string }; after?: unknown }
async function upstreamEvents(target: Project = project): Promise<Event[]> {
  const items: Event[] = (await api(target.token, "GET", `/projects/${target.id}/audit?limit=200`)).body.items;
  return items.filter((event) => event.action === "forward-auth.upstream");
}
const failureReasons = async () => (await upstreamEvents()).filter((e) => e.outcome === "failure").map((e) => e.reason ?? "");

describe("the project setting", () => {
  it("is off by default, and the admin API sets and shows it", async () => {
    const fresh = await newProject("forward-auth setting");
    expect((await api(fresh.token, "GET", `/projects/${fresh.id}`)).body.forwardAuth).toEqual({ acceptUpstreamTokens: false });
    expect((await setForwardAuth(fresh, true)).forwardAuth).toEqual({ acceptUpstreamTokens: true });
    expect((await api(fresh.token, "GET", `/projects/${fresh.id}`)).body.forwardAuth).toEqual({ acceptUpstreamTokens: true });
    const bad = await api(fresh.token, "PATCH", `/projects/${fresh.id}`, { forwardAuth: { acceptUpstreamTokens: "yes" } }, { "If-Match": "*" });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
  });
});

describe("an upstream token accepted", () => {
  it("an Okta access token passes as the linked Fedgate user, with its scope, the provider and the source", async () => {
    const okta = providers.okta!;
    const response = await verify((await tokensOf("okta")).access_token);
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(identityHeaders(response)).toEqual({
      "x-fedgate-subject": olivia, "x-fedgate-kind": "user", "x-fedgate-client": okta.upstreamClient.clientId, "x-fedgate-project": project.id,
      "x-fedgate-scope": "openid email profile", "x-fedgate-auth": "bearer", "x-fedgate-email": "olivia@okta.example",
      "x-fedgate-token-source": "upstream", "x-fedgate-provider": okta.id,
    });
    const event = (await upstreamEvents()).find((e) => e.outcome === "success" && e.target.id === olivia);
    expect(event).toMatchObject({
      actor: { kind: "user", userId: olivia }, target: { type: "user", id: olivia },
      after: { provider: okta.id, upstreamClientId: okta.upstreamClient.clientId, audience: "api://default" },
    });
  });

  it("warm, an upstream token costs one store round trip: the user (the audit goes to the queue)", async () => {
    const token = (await tokensOf("okta")).access_token;
    expect((await verify(token)).status).toBe(200);
    const warm = await verify(token);
    expect(warm.status).toBe(200);
    expect(warm.headers.get("Server-Timing")).toContain('desc="1 round trips"');
  });

  it("an Okta ID token passes too (no scope); it is not spent, unlike at exchange", async () => {
    const idToken = (await tokensOf("okta")).id_token!;
    for (let i = 0; i < 2; i++) {
      const response = await verify(idToken);
      expect(response.status).toBe(200);
      expect(response.headers.get("X-Fedgate-Subject")).toBe(olivia);
      expect(response.headers.get("X-Fedgate-Scope")).toBe("");
    }
    const events = (await upstreamEvents()).filter((e) => e.outcome === "success" && (e.after as { audience?: string }).audience === providers.okta!.upstreamClient.clientId);
    expect(events.length).toBeGreaterThanOrEqual(2);
  });

  it("the scope narrowing reads the upstream token's scope; a Fedgate token in the same project still says fedgate", async () => {
    const token = (await tokensOf("okta")).access_token;
    expect((await verify(token, `?project=${project.id}&scope=email`)).status).toBe(200);
    await refused(await verify(token, `?project=${project.id}&scope=orders:read`), 403, /orders:read/);
    const fedgate = (await exchangeToken(clients.okta!, token)).body.access_token as string;
    const response = await verify(fedgate);
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Fedgate-Token-Source")).toBe("fedgate");
    expect(response.headers.get("X-Fedgate-Provider")).toBeNull();
  });
});

describe("an upstream token refused", () => {
  it("where the project does not accept upstream tokens: 401, and nothing audited there", async () => {
    const off = await newProject("gateway, Fedgate tokens only");
    const okta = await exchangeProvider(off, "okta");
    await linkedBy(await exchangeClient(off, { providerId: okta.id }), (await upstreamTokens("okta", { clientId: okta.upstreamClient.clientId })).access_token);
    const token = (await upstreamTokens("okta", { clientId: okta.upstreamClient.clientId })).access_token;
    await refused(await verify(token, `?project=${off.id}`), 401, /not a Fedgate access token/);
    expect(await upstreamEvents(off)).toEqual([]);
  });

  it("without ?project (the token says nothing of Fedgate's project), or with an unknown one: 401", async () => {
    const token = (await tokensOf("okta")).access_token;
    await refused(await verify(token, ""), 401, /\?project=/);
    await refused(await verify(token, "?project=prj_aaaaaaaaaaaaaaaa"), 401, /\?project=/);
    await refused(await verify(token, "?project=not-a-project"), 401, /\?project=/);
  });

  it("a person not linked yet: 401 asking for an exchange or a sign-in first, audited against the provider", async () => {
    const eve = (await tokensOf("okta", { login: { email: "eve@workspace.example", password: "eve-password" } })).access_token;
    await refused(await verify(eve), 401, /exchange the token once, or sign in, first/);
    expect(await failureReasons()).toContain("unknown person: no user linked to the provider's subject");
  });

  it("a disabled user: 403", async () => {
    const user = await api(project.token, "GET", `/projects/${project.id}/users/${olivia}`);
    await api(project.token, "PATCH", `/projects/${project.id}/users/${olivia}`, { disabled: true }, { "If-Match": user.headers.get("ETag")! });
    try {
      await refused(await verify((await tokensOf("okta")).access_token), 403, /may not sign in/);
    } finally {
      const again = await api(project.token, "GET", `/projects/${project.id}/users/${olivia}`);
      await api(project.token, "PATCH", `/projects/${project.id}/users/${olivia}`, { disabled: false }, { "If-Match": again.headers.get("ETag")! });
    }
    const event = (await upstreamEvents()).find((e) => e.reason === "user disabled");
    expect(event).toMatchObject({ outcome: "failure", actor: { kind: "anonymous" }, target: { type: "provider", id: providers.okta!.id } });
  });

  it("an Auth0 access token for an API not configured (wrong audience), even validly signed", async () => {
    await refused(await verify((await tokensOf("auth0", { audience: "https://other.api" })).access_token), 401);
    expect((await failureReasons()).some((r) => r.includes("audience_not_allowed"))).toBe(true);
  });

  it("an Okta token issued to a client not configured for exchange", async () => {
    const stranger = await registerUpstreamClient("okta");
    await refused(await verify((await upstreamTokens("okta", { clientId: stranger.clientId })).access_token), 401);
    expect((await failureReasons()).some((r) => r.includes("client_not_allowed"))).toBe(true);
  });

  it("expired", async () => {
    await bend("cognito", { expired: true, tokens: ["access_token"] });
    try {
      await refused(await verify((await tokensOf("cognito")).access_token), 401, /expired/);
    } finally {
      await bend("cognito", { expired: null, tokens: null });
    }
  });

  it("older than the provider's maximum token age", async () => {
    await bend("cognito", { claims: { iat: Math.floor(Date.now() / 1000) - 7200 }, tokens: ["access_token"] });
    try {
      await refused(await verify((await tokensOf("cognito")).access_token), 401, /too old/);
    } finally {
      await bend("cognito", { claims: null, tokens: null });
    }
  });

  it("a bad signature", async () => {
    await bend("okta", { signing: "wrong-key-same-kid" });
    try {
      await refused(await verify((await tokensOf("okta")).access_token), 401, /signature/);
    } finally {
      await bend("okta", { signing: null });
    }
    const event = (await upstreamEvents()).find((e) => e.reason?.startsWith("invalid: signature"));
    expect(event).toMatchObject({ outcome: "failure", target: { type: "provider", id: providers.okta!.id } });
  });

  it("an opaque token, even one the provider would accept at exchange: never asked upstream here", async () => {
    const opaque = (await tokensOf("auth0")).access_token;
    expect(opaque.split(".")).not.toHaveLength(3);
    await linkedBy(clients.auth0!, opaque); // exchange asks Auth0's userinfo and accepts it
    await refused(await verify(opaque), 401, /Only JWTs/);
    const event = (await upstreamEvents()).find((e) => e.reason?.startsWith("not a JWT"));
    expect(event).toMatchObject({ outcome: "failure", actor: { kind: "anonymous" }, target: { type: "project", id: project.id } });
  });

  it("an Okta org-server JWT, which only introspection can judge: refused without asking Okta, though exchange would", async () => {
    const token = (await tokensOf("oktaOrg")).access_token;
    expect(token.split(".")).toHaveLength(3);
    await linkedBy(clients.oktaOrg!, token); // exchange introspects it and accepts it
    await refused(await verify(token), 401, /only be checked by asking it/);
    expect((await failureReasons()).some((r) => r.startsWith("not_accepted: "))).toBe(true);
  });
});

describe("audience narrowing of upstream tokens", () => {
  it("?audience= must be in the upstream token's aud: 403 otherwise, audited as a refusal", async () => {
    const token = (await tokensOf("okta")).access_token;
    expect((await verify(token, `?project=${project.id}&audience=api://default`)).status).toBe(200);
    await refused(await verify(token, `?project=${project.id}&audience=https://orders.example`), 403, /audience/);
    expect((await failureReasons()).some((r) => r.startsWith('audience "https://orders.example" not in the token\'s aud'))).toBe(true);
  });

  it("an Auth0 token's array aud: any of its audiences", async () => {
    const alice = (await tokensOf("auth0", { audience: AUTH0_API })).access_token;
    await linkedBy(clients.auth0!, alice);
    expect((await verify(alice, `?project=${project.id}&audience=${encodeURIComponent(AUTH0_API)}`)).status).toBe(200);
    await refused(await verify(alice, `?project=${project.id}&audience=https://other.api`), 403);
  });
});
