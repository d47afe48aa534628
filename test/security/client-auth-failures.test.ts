/**
 * Failed client authentication limits (SECURITY.md AB-7, AD-4) at every endpoint that authenticates
 * a client, over HTTP, with a tight RATE_LIMIT_CLIENT_AUTH_FAILURES through env overrides and a fresh
 * `CF-Connecting-IP` per test, so that tests never share a window.
 */
import { env as bindings } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { basic, formPost, newClient, type ClientAuth } from "../helpers/oauth";
import { ADMIN_TOKEN, call } from "../helpers/worker";

const LIMIT = 3;
const env = { RATE_LIMIT_CLIENT_AUTH_FAILURES: `${LIMIT}/60s` };
const octet = () => 1 + Math.floor(Math.random() * 250);
const freshIp = () => `203.0.${octet()}.${octet()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A well-formed client id of a project that does not exist. */
const UNKNOWN = "prj_aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbb";

let project: { id: string; token: string };
const device = (name: string) =>
  newClient(project, { name, kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"], scopes: ["results:write"] });

beforeAll(async () => {
  project = await newProject("client auth failures");
});

type Endpoint = (auth: ClientAuth, ip: string, overrides?: Record<string, unknown>) => Promise<{ status: number; headers: Headers; body: any }>;
const form = (path: string, params: Record<string, string>): Endpoint => (auth, ip, overrides = env) => formPost(path, params, auth, { "CF-Connecting-IP": ip }, { env: overrides });
const endpoints: Record<string, Endpoint> = {
  token: form("/oauth2/token", { grant_type: "client_credentials" }),
  introspect: form("/oauth2/introspect", { token: "not-a-token" }),
  revoke: form("/oauth2/revoke", { token: "not-a-token" }),
  "forward-auth Basic": async (auth, ip, overrides = env) => {
    const response = await call("/auth/verify", { headers: { Authorization: basic(auth.id, auth.secret!), "CF-Connecting-IP": ip }, env: overrides });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  },
};
const succeeded = (status: number) => status === 200;

function expectLimited(response: { status: number; headers: Headers; body: any }, endpoint: string, windowS = 60) {
  expect(response.status, endpoint).toBe(429);
  const retryAfter = Number(response.headers.get("Retry-After"));
  expect(retryAfter, endpoint).toBeGreaterThanOrEqual(1);
  expect(retryAfter, endpoint).toBeLessThanOrEqual(windowS);
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  if (endpoint === "forward-auth Basic") expect(response.body).toMatchObject({ status: 429, detail: expect.stringMatching(/^Too many failed client authentications; try again in \d+ s\.$/) });
  else expect(response.body).toEqual({ error: "temporarily_unavailable", error_description: expect.stringMatching(/^Too many failed client authentications; try again in \d+ s\.$/) });
}

async function auditOf(clientId: string) {
  await sleep(50); // audit events are appended after the response
  const log = await api(project.token, "GET", `/projects/${project.id}/audit?limit=200`);
  return (log.body.items as { action: string; target: { id: string }; ip: string | null; reason?: string; after?: any }[]).filter((e) => e.target.id === clientId);
}

describe("failed client authentication limits", () => {
  for (const [name, endpoint] of Object.entries(endpoints)) {
    it(`AB-7: ${name}: an IP over the failure limit gets 429 with Retry-After, then even for a correct secret; other IPs are unaffected`, async () => {
      const client = await device(`per ip ${name}`);
      const ip = freshIp();
      // Failures against several ids, known and unknown, all count for the IP.
      const wrong = [{ id: client.id, secret: "wrong" }, { id: UNKNOWN, secret: "x" }, { id: client.id, secret: "also wrong" }];
      for (const auth of wrong) expect((await endpoint(auth, ip)).status, name).toBe(401);
      expectLimited(await endpoint({ id: UNKNOWN, secret: "y" }, ip), name);
      expectLimited(await endpoint(client, ip), name); // remembered by the isolate: no second chance to guess
      expect(succeeded((await endpoint(client, freshIp())).status), name).toBe(true);
    });
  }

  it("AB-7: the IP's count is shared by every endpoint that authenticates a client", async () => {
    const client = await device("shared count");
    const ip = freshIp();
    const bad = { id: client.id, secret: "wrong" };
    expect((await endpoints["token"]!(bad, ip)).status).toBe(401);
    expect((await endpoints["introspect"]!(bad, ip)).status).toBe(401);
    expect((await endpoints["forward-auth Basic"]!(bad, ip)).status).toBe(401);
    expectLimited(await endpoints["revoke"]!(bad, ip), "revoke");
  });

  it("AB-7: failures are counted per client id across IPs: 429 for further failures, yet the correct secret still works", async () => {
    const client = await device("per client");
    for (let i = 0; i < LIMIT; i++) expect((await endpoints["token"]!({ id: client.id, secret: `guess-${i}` }, freshIp())).status).toBe(401);
    for (const [name, endpoint] of Object.entries(endpoints)) expectLimited(await endpoint({ id: client.id, secret: "another guess" }, freshIp()), name);
    // Nobody can lock a client out by failing against its id.
    for (const [name, endpoint] of Object.entries(endpoints)) expect(succeeded((await endpoint(client, freshIp())).status), name).toBe(true);
  });

  it("AB-7, AD-4: each failure and each limit's trip is audited with the client id and the IP", async () => {
    const client = await device("audited");
    const ip = freshIp();
    for (let i = 0; i <= LIMIT; i++) await endpoints["token"]!({ id: client.id, secret: `guess-${i}` }, ip);
    const events = await auditOf(client.id);
    const failures = events.filter((e) => e.action === "client.auth.failure");
    expect(failures).toHaveLength(LIMIT); // the refused one past the limit is stood for by the trip events
    expect(failures.every((e) => e.ip === ip && e.reason === "wrong client secret")).toBe(true);
    const trips = events.filter((e) => e.action === "client.auth.limit");
    expect(trips.map((e) => e.after.counter).sort()).toEqual(["client", "ip"]);
    expect(trips.every((e) => e.ip === ip && e.after.retryAfterS >= 1)).toBe(true);
    expect(trips.find((e) => e.after.counter === "ip")!.after.bucket).toBe(ip);
    // A refusal by the isolate's memory is not audited again.
    await endpoints["token"]!(client, ip);
    expect((await auditOf(client.id)).filter((e) => e.action === "client.auth.limit")).toHaveLength(2);
  });

  it("AB-7: a successful authentication is never counted, and `off` turns the limit off", async () => {
    const client = await device("off");
    const ip = freshIp();
    for (let i = 0; i < LIMIT + 2; i++) expect((await endpoints["token"]!(client, ip)).status).toBe(200);
    for (let i = 0; i < LIMIT; i++) expect((await endpoints["token"]!({ id: client.id, secret: "wrong" }, ip)).status).toBe(401);
    const other = await device("off, really");
    const elsewhere = freshIp();
    for (let i = 0; i < LIMIT + 2; i++) expect((await endpoints["token"]!({ id: other.id, secret: "wrong" }, elsewhere, { RATE_LIMIT_CLIENT_AUTH_FAILURES: "off" })).status).toBe(401);
    expect((await call("/.well-known/openid-configuration", { env: { RATE_LIMIT_CLIENT_AUTH_FAILURES: "10 per minute" } })).status).toBe(500);
  });

  it("AB-7: counts on the Upstash store too, per IP and per client id", async () => {
    // Hour-long windows, so that none ends mid-test.
    const upstash = { RATE_LIMIT_CLIENT_AUTH_FAILURES: "2/3600s", UPSTASH_REDIS_REST_URL: bindings.TEST_UPSTASH_URL, UPSTASH_REDIS_REST_TOKEN: bindings.TEST_UPSTASH_TOKEN };
    const admin = async (token: string, path: string, body: unknown) =>
      (await call(`/admin/v1${path}`, { method: "POST", env: upstash, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify(body) })).json() as Promise<any>;
    const created = await admin(ADMIN_TOKEN, "/projects", { name: "client auth failures on Upstash" });
    const client = await admin(created.apiKey.token, `/projects/${created.project.id}/clients`, { name: "upstash device", kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"] });
    const auth = { id: client.client.id, secret: client.clientSecret };
    const token = endpoints["token"]!;
    const ip = freshIp();
    expect((await token({ id: UNKNOWN, secret: "x" }, ip, upstash)).status).toBe(401);
    expect((await token({ id: UNKNOWN, secret: "x" }, ip, upstash)).status).toBe(401);
    expectLimited(await token({ id: UNKNOWN, secret: "x" }, ip, upstash), "token", 3600);
    for (let i = 0; i < 2; i++) expect((await token({ id: auth.id, secret: "wrong" }, freshIp(), upstash)).status).toBe(401);
    expectLimited(await token({ id: auth.id, secret: "wrong" }, freshIp(), upstash), "token", 3600);
    expect((await token(auth, freshIp(), upstash)).status).toBe(200);
  });
});
