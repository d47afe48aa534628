/**
 * Token exchange on the production store, Upstash Redis (through the Upstash REST bridge to a real
 * redis-server, test/global-setup.ts): the same Worker with UPSTASH_* set, so the providers' scan,
 * the single-use ID-token marker, the opaque-token verdict and the user indexes live in Redis.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../src/encoding";
import * as keys from "../../src/store/keys";
import { UpstashStore } from "../../src/store/upstash";
import { issuers } from "../helpers/admin";
import { EXCHANGE, TOKEN_TYPE } from "../helpers/exchange";
import { basic } from "../helpers/oauth";
import { registerUpstreamClient, upstreamTokens } from "../helpers/upstream";
import { ADMIN_TOKEN, call } from "../helpers/worker";

const bindings = env as unknown as { TEST_UPSTASH_URL: string; TEST_UPSTASH_TOKEN: string };
const upstash = { UPSTASH_REDIS_REST_URL: bindings.TEST_UPSTASH_URL, UPSTASH_REDIS_REST_TOKEN: bindings.TEST_UPSTASH_TOKEN };
const redis = new UpstashStore({ url: bindings.TEST_UPSTASH_URL, token: bindings.TEST_UPSTASH_TOKEN });

async function api(token: string, method: string, path: string, body?: unknown) {
  const response = await call(`/admin/v1${path}`, {
    method, env: upstash,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function exchange(client: { id: string; secret: string }, subjectToken: string, type: keyof typeof TOKEN_TYPE) {
  const response = await call("/oauth2/token", {
    method: "POST", env: upstash,
    headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: basic(client.id, client.secret) },
    body: new URLSearchParams({ grant_type: EXCHANGE, subject_token: subjectToken, subject_token_type: TOKEN_TYPE[type] }).toString(),
  });
  return { status: response.status, body: (await response.json()) as any };
}

let projectId: string;
let app: { id: string; secret: string };
const upstreamClients: Record<"okta" | "google", { clientId: string }> = {} as never;

beforeAll(async () => {
  const project = await api(ADMIN_TOKEN, "POST", "/projects", { name: "exchange on Upstash" });
  projectId = project.body.project.id;
  const key = project.body.apiKey.token;
  for (const kind of ["okta", "google"] as const) {
    const upstream = await registerUpstreamClient(kind);
    upstreamClients[kind] = upstream;
    const created = await api(key, "POST", `/projects/${projectId}/providers`, {
      id: kind, name: kind, kind, issuer: issuers[kind], clientId: upstream.clientId, clientSecret: upstream.clientSecret,
      exchange: { audiences: kind === "okta" ? ["api://default"] : [], clientIds: [upstream.clientId], acceptOpaqueTokens: kind === "google" },
    });
    expect(created.status).toBe(201);
  }
  const client = await api(key, "POST", `/projects/${projectId}/clients`, {
    name: "migrating", kind: "confidential", redirectUris: [], grantTypes: [EXCHANGE], scopes: ["openid", "email"],
  });
  app = { id: client.body.client.id, secret: client.body.clientSecret };
}, 30_000);

describe("token exchange on the Upstash store", () => {
  it("an Okta access token and a single-use ID token", async () => {
    const tokens = await upstreamTokens("okta", { clientId: upstreamClients.okta.clientId, nonce: "n" });
    expect((await exchange(app, tokens.access_token, "access")).status).toBe(200);
    expect((await exchange(app, tokens.id_token!, "id")).status).toBe(200);
    expect((await exchange(app, tokens.id_token!, "id")).body).toMatchObject({ error: "invalid_request", error_description: "The subject ID token was already exchanged." });
  });

  it("a Google opaque token, its verdict cached in Redis under the token's hash", async () => {
    const accessToken = (await upstreamTokens("google", { clientId: upstreamClients.google.clientId })).access_token;
    expect((await exchange(app, accessToken, "access")).status).toBe(200);
    const record = await redis.get<{ verdict: { accepted: boolean; providerId: string } }>(keys.exchangeVerdict(projectId, await sha256(accessToken)));
    expect(record?.verdict).toMatchObject({ accepted: true, providerId: "google" });
  });
});
