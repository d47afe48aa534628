/**
 * Shadow mode (issue 15 item 3): a provider whose exchange policy is `shadow` has its tokens judged
 * and audited as for real by token exchange and the JWT bearer grant, but the answer only says what
 * would have happened: nothing is issued, no user created, no ID token spent; the report counts the
 * dry runs apart.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, emulatorSwitch } from "../helpers/admin";
import { exchangeClient, exchangeProvider, exchangeToken, newProject, type ExchangeProvider } from "../helpers/exchange";
import { tokenRequest, type ClientAuth } from "../helpers/oauth";
import { upstreamTokens } from "../helpers/upstream";

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

let project: { id: string; token: string };
let okta: ExchangeProvider;
let client: ClientAuth;

beforeAll(async () => {
  project = await newProject("shadow mode");
  okta = await exchangeProvider(project, "okta", { domains: ["okta.example"], exchange: { mode: "shadow" } });
  client = await exchangeClient(project, { providerId: okta.id, grantTypes: ["urn:ietf:params:oauth:grant-type:token-exchange", JWT_BEARER, "refresh_token"] });
}, 30_000);

const oktaTokens = () => upstreamTokens("okta", { clientId: okta.upstreamClient.clientId, nonce: crypto.randomUUID(), scope: "openid email profile" });

async function setMode(mode: "enforce" | "shadow") {
  const read = await api(project.token, "GET", `/projects/${project.id}/providers/${okta.id}`);
  const changed = await api(project.token, "PATCH", `/projects/${project.id}/providers/${okta.id}`, { exchange: { ...read.body.exchange, mode } }, { "If-Match": read.headers.get("ETag")! });
  expect(changed.body.exchange.mode).toBe(mode);
}

const usersNamed = async (email: string) => (await api(project.token, "GET", `/projects/${project.id}/users?email=${encodeURIComponent(email)}`)).body.items;

describe("shadow mode", () => {
  it("answers what an exchange would issue, and issues, writes and creates nothing", async () => {
    const upstream = await oktaTokens();
    const answer = await exchangeToken(client, upstream.access_token, "access", { scope: "openid orders:read" });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      shadow: true, outcome: "would_issue", provider: okta.id, sub: null, linking: "create",
      scope: "openid orders:read", aud: client.id, refresh_token: false, issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
    });
    expect(answer.body.access_token).toBeUndefined();
    expect(await usersNamed("olivia@okta.example")).toEqual([]);

    // Enforced, the same token creates the person; shadow again, it names them.
    await setMode("enforce");
    const real = await exchangeToken(client, upstream.access_token);
    expect(real.status).toBe(200);
    expect(real.body.access_token).toBeTruthy();
    const [user] = await usersNamed("olivia@okta.example");
    await setMode("shadow");
    expect((await exchangeToken(client, upstream.access_token)).body).toMatchObject({ outcome: "would_issue", sub: user.id, linking: "link" });
  }, 20_000);

  it("answers what a refusal would say, as 200 would_refuse, audited as a refusal marked shadow", async () => {
    // An access token for another API than the policy accepts.
    await emulatorSwitch("okta", { clientId: okta.upstreamClient.clientId, aud: "api://other", tokens: ["access_token"] });
    const upstream = await oktaTokens().finally(() => emulatorSwitch("okta", { clientId: okta.upstreamClient.clientId, aud: null, tokens: null }));
    const answer = await exchangeToken(client, upstream.access_token);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ shadow: true, outcome: "would_refuse", provider: okta.id, error: "invalid_request" });
    expect(answer.body.error_description).toBeTruthy();
    const bearer = await tokenRequest({ grant_type: JWT_BEARER, assertion: upstream.access_token }, client);
    expect(bearer.body).toMatchObject({ shadow: true, outcome: "would_refuse", error: "invalid_grant" });

    await new Promise((resolve) => setTimeout(resolve, 100));
    const events = (await api(project.token, "GET", `/projects/${project.id}/audit?action=token.exchange&limit=50`)).body.items;
    expect(events.filter((e: { outcome: string; after?: { shadow?: boolean } }) => e.outcome === "failure" && e.after?.shadow === true).length).toBeGreaterThanOrEqual(2);
  });

  it("does not spend an ID token: the same one still works once the policy is enforced", async () => {
    const upstream = await oktaTokens();
    const dry = await tokenRequest({ grant_type: JWT_BEARER, assertion: upstream.id_token! }, client);
    expect(dry.body).toMatchObject({ shadow: true, outcome: "would_issue" });
    expect((await tokenRequest({ grant_type: JWT_BEARER, assertion: upstream.id_token! }, client)).body.outcome).toBe("would_issue");
    await setMode("enforce");
    try {
      const real = await tokenRequest({ grant_type: JWT_BEARER, assertion: upstream.id_token! }, client);
      expect(real.status).toBe(200);
      expect(real.body.access_token).toBeTruthy();
    } finally {
      await setMode("shadow");
    }
    // Spent for real now: the dry run says a replay would be refused.
    expect((await tokenRequest({ grant_type: JWT_BEARER, assertion: upstream.id_token! }, client)).body).toMatchObject({ outcome: "would_refuse", error: "invalid_grant" });
  });

  it("the legacy-token report counts the dry runs apart from real exchanges and refusals", async () => {
    const today = new Date().toISOString().slice(0, 10);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const report = (await api(project.token, "GET", `/projects/${project.id}/migration-report?since=${today}&until=${today}`)).body;
    const row = report.days.at(-1).rows.find((r: { client: { id: string } | null; provider: string }) => r.client?.id === client.id && r.provider === okta.id);
    expect(row.shadow.wouldIssue).toBeGreaterThanOrEqual(4);
    expect(row.shadow.wouldRefuse).toBeGreaterThanOrEqual(3);
    expect(row.exchanges).toEqual({ tokenExchange: 1, jwtBearer: 1 });
    expect(row.refusals).toEqual([]);
  });
});
