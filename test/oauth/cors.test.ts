/** Credentialed CORS for browser clients (SECURITY.md AS-14): registered origins only, reflected exactly. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { mintCode, newClient, redeem, store, tokenRequest, type ClientAuth } from "../helpers/oauth";
import { call } from "../helpers/worker";
import type { Client } from "../../src/registry/clients";
import { indexOrigins, originRegistered } from "../../src/registry/origins";
import * as keys from "../../src/store/keys";
import { UpstashStore } from "../../src/store/upstash";

const SPA = "https://spa.cors.example";
const OTHER = "https://other.cors.example";
let project: { id: string; token: string };
let spa: ClientAuth;
let other: ClientAuth;
let userId: string;

beforeAll(async () => {
  project = await newProject("CORS Co");
  spa = await newClient(project, { name: "spa", kind: "public", redirectUris: [`${SPA}/callback`, `${SPA}/silent`, "com.example.app:/cb"] });
  other = await newClient(project, { name: "other", kind: "public", redirectUris: [`${OTHER}/callback`] });
  userId = (await api(project.token, "POST", `/projects/${project.id}/users`, { email: "cora@example.com", emailVerified: true })).body.id;
});

const clientPath = (client: ClientAuth) => `/projects/${project.id}/clients/${client.id}`;
const preflight = (path: string, origin?: string, method = "POST", headers = "authorization, content-type, x-medplum") =>
  call(path, { method: "OPTIONS", headers: { ...(origin ? { Origin: origin } : {}), "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers } });
const roundTrips = (response: Response) => Number(/store;[^,]*desc="(\d+) round trips"/.exec(response.headers.get("Server-Timing") ?? "")?.[1]);

async function patchClient(client: ClientAuth, body: Record<string, unknown>) {
  const current = await api(project.token, "GET", clientPath(client));
  const patched = await api(project.token, "PATCH", clientPath(client), body, { "If-Match": current.headers.get("ETag")! });
  expect(patched.status).toBe(200);
  return patched.body;
}

function expectReflected(response: Response, origin: string) {
  expect(response.headers.get("Access-Control-Allow-Origin")).toBe(origin);
  expect(response.headers.get("Access-Control-Allow-Credentials")).toBe("true");
  expect(response.headers.get("Vary")).toMatch(/\bOrigin\b/);
}

function expectNotReflected(response: Response) {
  expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  expect(response.headers.get("Access-Control-Allow-Credentials")).toBeNull();
  expect(response.headers.get("Vary")).toMatch(/\bOrigin\b/);
}

describe("allowedOrigins (admin API)", () => {
  it("defaults to the web redirect URIs' origins, computed when read, and follows them when they change", async () => {
    const view = (await api(project.token, "GET", clientPath(spa))).body;
    expect(view.allowedOrigins).toEqual([SPA]);
    expect(view.allowedOriginsFromRedirectUris).toBe(true);
    const patched = await patchClient(other, { redirectUris: ["https://moved.cors.example/cb"] });
    expect(patched.allowedOrigins).toEqual(["https://moved.cors.example"]);
    expectReflected(await preflight("/oauth2/token", "https://moved.cors.example"), "https://moved.cors.example");
    expectNotReflected(await preflight("/oauth2/token", OTHER));
    await patchClient(other, { redirectUris: [`${OTHER}/callback`] });
    expectReflected(await preflight("/oauth2/token", OTHER), OTHER);
    expectNotReflected(await preflight("/oauth2/token", "https://moved.cors.example"));
  });

  it("takes explicit origins, replacing the default, and null goes back to it", async () => {
    const explicit = await patchClient(other, { allowedOrigins: ["https://app2.cors.example", "http://127.0.0.1:5173"] });
    expect(explicit).toMatchObject({ allowedOrigins: ["https://app2.cors.example", "http://127.0.0.1:5173"], allowedOriginsFromRedirectUris: false });
    expectReflected(await preflight("/oauth2/token", "http://127.0.0.1:5173"), "http://127.0.0.1:5173");
    expectNotReflected(await preflight("/oauth2/token", OTHER));
    const back = await patchClient(other, { allowedOrigins: null });
    expect(back).toMatchObject({ allowedOrigins: [OTHER], allowedOriginsFromRedirectUris: true });
    expectNotReflected(await preflight("/oauth2/token", "http://127.0.0.1:5173"));
    expectReflected(await preflight("/oauth2/token", OTHER), OTHER);
  });

  it("accepts only exact https (or loopback http) origins", async () => {
    for (const bad of [`${SPA}/`, `${SPA}/path`, "http://spa.cors.example", "*", "null", "https://SPA.cors.example", "https://spa.cors.example:443", "ftp://x.example"]) {
      const response = await api(project.token, "POST", `/projects/${project.id}/clients`, { name: "bad", kind: "public", allowedOrigins: [bad], redirectUris: [`${SPA}/cb`] });
      expect(response.status, bad).toBe(400);
      expect(response.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    }
  });

  it("keeps one index entry per client: an origin stays registered while another client still has it, and goes with the last", async () => {
    const shared = "https://shared.cors.example";
    const first = await newClient(project, { name: "first", kind: "public", redirectUris: [`${shared}/a`] });
    const second = await newClient(project, { name: "second", kind: "public", redirectUris: [`${shared}/b`] });
    expect((await store.scan(keys.originClientsPrefix(shared))).items.map((item) => item.id).sort()).toEqual(
      [keys.originClient(shared, first.id), keys.originClient(shared, second.id)].sort(),
    );
    expect((await api(project.token, "DELETE", clientPath(first))).status).toBe(204);
    expectReflected(await preflight("/oauth2/token", shared), shared);
    expect((await api(project.token, "DELETE", clientPath(second))).status).toBe(204);
    expectNotReflected(await preflight("/oauth2/token", shared));
    expect((await store.scan(keys.originClientsPrefix(shared))).items).toEqual([]);
  });
});

describe("the origin index after a lost write", () => {
  it("is rewritten by any patch of the client, an empty one too", async () => {
    const origin = "https://lost.cors.example";
    const lost = await newClient(project, { name: "lost", kind: "public", redirectUris: [`${origin}/cb`] });
    await store.delete(keys.originClient(origin, lost.id)); // as if the index write had failed, or the client predated it
    const current = await api(project.token, "GET", clientPath(lost));
    expect((await api(project.token, "PATCH", clientPath(lost), {}, { "If-Match": current.headers.get("ETag")! })).status).toBe(200);
    expectReflected(await preflight("/oauth2/token", origin), origin);
  });
});

describe("AS-14: preflights", () => {
  it("answers a registered origin on token, userinfo, revoke, introspect and logout with the SDKs' headers", async () => {
    for (const [path, method] of [["/oauth2/token", "POST"], ["/oauth2/userinfo", "GET"], ["/oauth2/revoke", "POST"], ["/oauth2/introspect", "POST"], ["/oauth2/logout", "POST"]] as const) {
      const response = await preflight(path, SPA, method);
      expect(response.status, path).toBe(204);
      expectReflected(response, SPA);
      expect(response.headers.get("Access-Control-Allow-Methods")).toContain(method);
      const allowed = response.headers.get("Access-Control-Allow-Headers")!.toLowerCase().split(/,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(["authorization", "content-type", "accept", "x-medplum", "dpop", "cache-control", "pragma"]));
      expect(response.headers.get("Access-Control-Allow-Origin")).not.toBe("*");
    }
  });

  it("never reflects an unregistered origin, and costs no store read without an Origin", async () => {
    for (const origin of ["https://evil.example", "null", `${SPA}.evil.example`, SPA.toUpperCase(), `${SPA}/`]) {
      const response = await preflight("/oauth2/token", origin);
      expect(response.status).toBe(204);
      expectNotReflected(response);
      expect(response.headers.get("Access-Control-Allow-Methods")).toBeNull();
    }
    const bare = await preflight("/oauth2/token");
    expectNotReflected(bare);
    expect(roundTrips(bare)).toBe(0);
  });

  it("reads the store once per origin per cache period", async () => {
    const fresh = "https://fresh.cors.example";
    await newClient(project, { name: "fresh", kind: "public", redirectUris: [`${fresh}/cb`] });
    const unknown = `https://unknown-${crypto.randomUUID()}.example`;
    expect(roundTrips(await preflight("/oauth2/userinfo", unknown, "GET"))).toBe(1);
    expect(roundTrips(await preflight("/oauth2/userinfo", unknown, "GET"))).toBe(0);
    expect(roundTrips(await preflight("/oauth2/token", fresh))).toBe(1);
    expect(roundTrips(await preflight("/oauth2/revoke", fresh))).toBe(0);
  });

  it("leaves /oauth2/authorize without CORS, and discovery and JWKS with * and no credentials", async () => {
    const authorize = await preflight("/oauth2/authorize", SPA, "GET");
    expect(authorize.headers.get("Access-Control-Allow-Origin")).toBeNull();
    for (const path of ["/.well-known/openid-configuration", "/.well-known/jwks.json"]) {
      const response = await call(path, { headers: { Origin: SPA } });
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(response.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    }
  });
});

describe("AS-14: requests with an Origin", () => {
  it("reflects the client's own origin on token responses and errors, and nothing without an Origin", async () => {
    const code = await mintCode({ projectId: project.id, clientId: spa.id, userId });
    const response = await tokenRequest(
      { grant_type: "authorization_code", code: code.code, redirect_uri: "https://app.example/callback", code_verifier: code.verifier },
      spa, { Origin: SPA },
    );
    expect(response.status).toBe(200);
    expectReflected(new Response(null, { headers: response.headers }), SPA);
    const error = await tokenRequest({ grant_type: "refresh_token", refresh_token: "nope" }, spa, { Origin: SPA });
    expect(error.body.error).toBe("invalid_grant");
    expectReflected(new Response(null, { headers: error.headers }), SPA);
    const plain = await redeem(await mintCode({ projectId: project.id, clientId: spa.id, userId }), spa);
    expect(plain.status).toBe(200);
    expectNotReflected(new Response(null, { headers: plain.headers }));
  });

  it("refuses at the token endpoint an origin the client did not register, before spending the code", async () => {
    const again = await mintCode({ projectId: project.id, clientId: spa.id, userId });
    const foreign = await tokenRequest(
      { grant_type: "authorization_code", code: again.code, redirect_uri: "https://app.example/callback", code_verifier: again.verifier },
      spa, { Origin: OTHER },
    );
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toBe("access_denied");
    expectNotReflected(new Response(null, { headers: foreign.headers }));
    expect((await redeem(again, spa)).status).toBe(200); // the code was not spent
    await new Promise((resolve) => setTimeout(resolve, 50));
    const log = await api(project.token, "GET", `/projects/${project.id}/audit?limit=20`);
    expect(log.body.items).toContainEqual(expect.objectContaining({ action: "token.refuse", outcome: "failure", reason: `browser origin ${OTHER} not registered by the client` }));
  });

  it("reflects on userinfo only the origins of the access token's client", async () => {
    const tokens = (await redeem(await mintCode({ projectId: project.id, clientId: spa.id, userId }), spa)).body;
    const own = await call("/oauth2/userinfo", { headers: { Authorization: `Bearer ${tokens.access_token}`, Origin: SPA } });
    expect(own.status).toBe(200);
    expectReflected(own, SPA);
    expect(own.headers.get("Access-Control-Expose-Headers")).toContain("WWW-Authenticate");
    const foreign = await call("/oauth2/userinfo", { headers: { Authorization: `Bearer ${tokens.access_token}`, Origin: OTHER } });
    expect(foreign.status).toBe(200); // not refused: the browser withholds it from the page
    expectNotReflected(foreign);
    const challenge = await call("/oauth2/userinfo", { headers: { Origin: SPA } });
    expect(challenge.status).toBe(401);
    expectReflected(challenge, SPA); // no client known: any registered origin reads the challenge
  });
});

describe("the origin index on the Upstash store", () => {
  it("is written, found and removed like on the Durable Object store (IPv6 loopback origin included)", async () => {
    const bindings = env as unknown as { TEST_UPSTASH_URL: string; TEST_UPSTASH_TOKEN: string };
    const redis = new UpstashStore({ url: bindings.TEST_UPSTASH_URL, token: bindings.TEST_UPSTASH_TOKEN });
    const origin = `http://[::1]:${1024 + Math.floor(Math.random() * 60_000)}`;
    const client = { id: `${project.id}.upstash${crypto.randomUUID().slice(0, 8)}`, projectId: project.id, redirectUris: [`${origin}/cb`] } as Client;
    expect(await originRegistered(redis, origin)).toBe(false);
    await indexOrigins(redis, null, client);
    expect(await originRegistered(redis, origin)).toBe(true);
    expect((await redis.scan<{ clientId: string }>(keys.originClientsPrefix(origin))).items.map((item) => item.value)).toEqual([{ projectId: project.id, clientId: client.id }]);
    await indexOrigins(redis, client, null);
    expect(await originRegistered(redis, origin)).toBe(false);
  });
});
