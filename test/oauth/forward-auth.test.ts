/** The forward-auth verification endpoint for gateways (issue 6 item 3; SECURITY.md AS-7, AB-1, AB-2). */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { services } from "../../src/context";
import type { Bindings } from "../../src/env";
import { mintAccessToken } from "../../src/tokens/jwt";
import { api, newProject } from "../helpers/admin";
import { basic, formPost, newClient, signIn, tokenRequest, type ClientAuth } from "../helpers/oauth";
import { call, ISSUER } from "../helpers/worker";

let project: { id: string; token: string };
let device: ClientAuth;
let web: ClientAuth;
let userId: string;

const deviceClient = (extra: Record<string, unknown> = {}) =>
  newClient(project, { name: "analyzer", kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"], scopes: ["results:write"], ...extra });

beforeAll(async () => {
  project = await newProject("gateway");
  device = await deviceClient();
  web = await newClient(project, { name: "web", kind: "confidential" });
  userId = (await api(project.token, "POST", `/projects/${project.id}/users`, { email: "grace@example.com", emailVerified: true })).body.id;
});

const verify = (authorization?: string, query = "", headers: Record<string, string> = {}, method = "GET") =>
  call(`/auth/verify${query}`, { method, headers: { ...(authorization ? { Authorization: authorization } : {}), ...headers } });

function expectChallenge(response: Response) {
  expect(response.status).toBe(401);
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  const challenge = response.headers.get("WWW-Authenticate") ?? "";
  expect(challenge).toContain("Bearer");
  expect(challenge).toContain("Basic");
}

describe("forward auth: Bearer", () => {
  it("AS-9: a user's access token passes with the identity in headers", async () => {
    const tokens = await signIn(web, { projectId: project.id, userId });
    const response = await verify(`Bearer ${tokens.access_token}`, "", {}, "POST");
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(Object.fromEntries([...response.headers].filter(([name]) => name.startsWith("x-fedgate-")))).toEqual({
      "x-fedgate-subject": userId, "x-fedgate-kind": "user", "x-fedgate-client": web.id, "x-fedgate-project": project.id,
      "x-fedgate-scope": "openid email profile offline_access", "x-fedgate-auth": "bearer", "x-fedgate-email": "grace@example.com",
      "x-fedgate-token-source": "fedgate",
    });
  });

  it("AS-9: a client token passes as kind client; project and scope requirements are enforced (403)", async () => {
    const token = (await tokenRequest({ grant_type: "client_credentials" }, device)).body.access_token;
    const ok = await verify(`Bearer ${token}`, `?project=${project.id}&scope=results:write`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("X-Fedgate-Kind")).toBe("client");
    expect(ok.headers.get("X-Fedgate-Subject")).toBe(device.id);
    expect((await verify(`Bearer ${token}`, "?project=prj_aaaaaaaaaaaaaaaa")).status).toBe(403);
    expect((await verify(`Bearer ${token}`, "?scope=admin")).status).toBe(403);
  });

  it("AS-10: a revoked, forged or missing token gets 401 with both challenges", async () => {
    const token = (await tokenRequest({ grant_type: "client_credentials" }, device)).body.access_token as string;
    await formPost("/oauth2/revoke", { token }, device);
    expectChallenge(await verify(`Bearer ${token}`));
    expectChallenge(await verify(`Bearer ${token.slice(0, -4)}AAAA`));
    expectChallenge(await verify());
    expectChallenge(await verify("Digest abc"));
  });
});

describe("forward auth: Basic (devices)", () => {
  it("AS-7: the client's id and secret pass as kind client; a wrong secret gets 401", async () => {
    const ok = await verify(basic(device.id, device.secret!));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("X-Fedgate-Subject")).toBe(device.id);
    expect(ok.headers.get("X-Fedgate-Auth")).toBe("basic");
    expect(ok.headers.get("X-Fedgate-Token-Source")).toBe("basic");
    expect(ok.headers.get("X-Fedgate-Scope")).toBe("results:write");
    expectChallenge(await verify(basic(device.id, "wrong")));
    expectChallenge(await verify(basic("prj_aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbb", "x")));
  });

  it("AS-7: a client without the client_credentials grant may not use Basic here (403)", async () => {
    expect((await verify(basic(web.id, web.secret!))).status).toBe(403);
  });

  it("AB-2: the client's IP rules refuse other networks (403), audited", async () => {
    const fenced = await deviceClient({ ipRules: { deny: ["198.51.100.0/24"] } });
    expect((await verify(basic(fenced.id, fenced.secret!), "", { "CF-Connecting-IP": "203.0.113.1" })).status).toBe(200);
    expect((await verify(basic(fenced.id, fenced.secret!), "", { "CF-Connecting-IP": "198.51.100.7" })).status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const events = (await api(project.token, "GET", `/projects/${project.id}/audit?limit=50`)).body.items as { action: string; reason?: string }[];
    expect(events.some((e) => e.action === "verify.refuse" && e.reason?.includes("IP address"))).toBe(true);
  });

  it("AB-1: the per-client rate gives 429 with Retry-After", async () => {
    const chatty = await deviceClient({ rateLimits: { tokenPerMinute: 2 } });
    expect((await verify(basic(chatty.id, chatty.secret!))).status).toBe(200);
    expect((await verify(basic(chatty.id, chatty.secret!))).status).toBe(200);
    const limited = await verify(basic(chatty.id, chatty.secret!));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
  });
});

describe("forward auth: audience narrowing", () => {
  const ORDERS = "https://orders.example";
  it("a Fedgate token passes ?audience= only for its aud: the requested API, or by default the client itself", async () => {
    const ordersApp = await deviceClient({ audiences: [ORDERS] });
    const forOrders = (await tokenRequest({ grant_type: "client_credentials", audience: ORDERS }, ordersApp)).body.access_token;
    expect((await verify(`Bearer ${forOrders}`, `?audience=${encodeURIComponent(ORDERS)}`)).status).toBe(200);
    const mismatch = await verify(`Bearer ${forOrders}`, "?audience=https%3A%2F%2Fbilling.example");
    expect(mismatch.status).toBe(403);
    expect(mismatch.headers.get("X-Fedgate-Subject")).toBeNull();
    expect(((await mismatch.json()) as { error: string }).error).toBe("access_denied");
    const plain = (await tokenRequest({ grant_type: "client_credentials" }, ordersApp)).body.access_token;
    expect((await verify(`Bearer ${plain}`, `?audience=${encodeURIComponent(ordersApp.id)}`)).status).toBe(200);
    expect((await verify(`Bearer ${plain}`, `?audience=${encodeURIComponent(ORDERS)}`)).status).toBe(403);
    expect((await verify(`Bearer ${plain}`, "?audience=")).status).toBe(403);
  });

  it("a token with several audiences passes for any of them", async () => {
    // Fedgate's grants issue one audience today; RFC 9068 allows several, and verification takes them: signed with the real key.
    const signer = await services(env as unknown as Bindings).signingKeys.signer();
    const { token } = await mintAccessToken(signer, {
      issuer: ISSUER, subject: userId, audience: [ORDERS, "https://billing.example"], clientId: web.id, scope: ["openid"], lifetimeS: 300, projectId: project.id,
    });
    expect((await verify(`Bearer ${token}`, `?audience=${encodeURIComponent(ORDERS)}`)).status).toBe(200);
    expect((await verify(`Bearer ${token}`, "?audience=https%3A%2F%2Fbilling.example")).status).toBe(200);
    expect((await verify(`Bearer ${token}`, "?audience=https%3A%2F%2Fshipping.example")).status).toBe(403);
  });

  it("Basic passes for the audiences the client could get a token for (its registered ones, its own id), 403 for others", async () => {
    const fenced = await deviceClient({ audiences: [ORDERS] });
    expect((await verify(basic(fenced.id, fenced.secret!), `?audience=${encodeURIComponent(ORDERS)}`)).status).toBe(200);
    expect((await verify(basic(fenced.id, fenced.secret!), `?audience=${encodeURIComponent(fenced.id)}`)).status).toBe(200);
    expect((await verify(basic(fenced.id, fenced.secret!), "?audience=https%3A%2F%2Fbilling.example")).status).toBe(403);
    expect((await verify(basic(device.id, device.secret!), `?audience=${encodeURIComponent(ORDERS)}`)).status).toBe(403);
  });
});
