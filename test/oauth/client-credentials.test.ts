/** The client_credentials grant (RFC 6749 §4.4; SECURITY.md AS-7, AS-9, AS-12, AB-1, AB-2, AD-4). */
import { exports } from "cloudflare:workers";
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from "jose";
import * as oidc from "openid-client";
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { formPost, jwks, newClient, tokenRequest, type ClientAuth } from "../helpers/oauth";
import { ISSUER } from "../helpers/worker";

let project: { id: string; token: string };
let machine: ClientAuth;

const machineClient = (extra: Record<string, unknown> = {}) =>
  newClient(project, { name: "lab analyzer", kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"], scopes: ["results:write", "results:read"], ...extra });

beforeAll(async () => {
  project = await newProject("machines");
  machine = await machineClient({ tokenLifetimes: { accessTokenSeconds: 600 } });
});

const cc = (auth: ClientAuth, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  tokenRequest({ grant_type: "client_credentials", ...extra }, auth, headers);

async function auditEvents(): Promise<{ action: string; outcome: string; reason?: string; actor: { clientId?: string } }[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return (await api(project.token, "GET", `/projects/${project.id}/audit?limit=100`)).body.items;
}

/** A client registered with the public half of a fresh key pair, and that key pair. */
async function keyClient(alg: "ES256" | "RS256" | "PS256" | "EdDSA" = "ES256") {
  const pair = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg };
  const client = await machineClient({ jwks: { keys: [jwk] } });
  return { client, privateKey: pair.privateKey, alg };
}

interface AssertionOptions { iss?: string; sub?: string; aud?: string | string[]; expIn?: number; jti?: string; alg?: string }
async function assertion(clientId: string, key: CryptoKey, options: AssertionOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: options.alg ?? "ES256", kid: "k1" })
    .setIssuer(options.iss ?? clientId)
    .setSubject(options.sub ?? clientId)
    .setAudience(options.aud ?? `${ISSUER}/oauth2/token`)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expIn ?? 60))
    .setJti(options.jti ?? crypto.randomUUID())
    .sign(key);
}

const withAssertion = (jwt: string, extra: Record<string, string> = {}) =>
  formPost("/oauth2/token", { grant_type: "client_credentials", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: jwt, ...extra });

describe("client_credentials", () => {
  it("AS-9: client_secret_basic gets a JWT for the client itself: sub = client_id, gty, every claim, the client's lifetime", async () => {
    const response = await cc(machine);
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.body).toMatchObject({ token_type: "Bearer", expires_in: 600, scope: "results:write results:read" });
    expect(response.body.refresh_token).toBeUndefined();
    expect(response.body.id_token).toBeUndefined();
    const { payload, protectedHeader } = await jwtVerify(response.body.access_token, await jwks(), { issuer: ISSUER, audience: machine.id });
    expect(protectedHeader.typ).toBe("at+jwt");
    expect(payload).toMatchObject({ sub: machine.id, client_id: machine.id, gty: "client_credentials", project: project.id, scope: "results:write results:read" });
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(typeof payload.jti).toBe("string");
    expect(payload.email).toBeUndefined();
  });

  it("AS-7: client_secret_post works, a wrong secret is invalid_client and audited as client.auth.failure", async () => {
    const post = await formPost("/oauth2/token", { grant_type: "client_credentials", client_id: machine.id, client_secret: machine.secret! });
    expect(post.status).toBe(200);
    const wrong = await cc({ id: machine.id, secret: "not-the-secret" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
    const events = await auditEvents();
    expect(events.some((e) => e.action === "client.auth.failure" && e.actor.clientId === machine.id && e.reason?.includes("wrong client secret"))).toBe(true);
    expect(events.some((e) => e.action === "token.issue" && e.actor.clientId === machine.id && e.outcome === "success")).toBe(true);
  });

  it("AS-12: a public client, or a client without the grant, is refused", async () => {
    const spa = await newClient(project, { name: "spa", kind: "public" });
    expect((await cc(spa)).body.error).toBe("unauthorized_client"); // a public client never holds the grant
    const spaClaimingSecret = await cc({ id: spa.id, secret: "anything" });
    expect(spaClaimingSecret.body.error).toBe("invalid_client");
    const web = await newClient(project, { name: "web", kind: "confidential" });
    const refused = await cc(web);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("unauthorized_client");
  });

  it("AS-12: scopes narrow to what is asked, never beyond the client's list (invalid_scope)", async () => {
    const narrow = await cc(machine, { scope: "results:read" });
    expect(narrow.body.scope).toBe("results:read");
    const wider = await cc(machine, { scope: "results:read admin" });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe("invalid_scope");
    const events = await auditEvents();
    expect(events.some((e) => e.action === "token.refuse" && e.reason?.startsWith("invalid_scope"))).toBe(true);
  });

  it("AS-9: aud is a registered resource/audience, otherwise invalid_target", async () => {
    const api1 = await machineClient({ audiences: ["https://api.example.com"] });
    const ok = await cc(api1, { resource: "https://api.example.com" });
    expect(ok.status).toBe(200);
    await jwtVerify(ok.body.access_token, await jwks(), { audience: "https://api.example.com" });
    expect((await cc(api1, { audience: "https://other.example.com" })).body.error).toBe("invalid_target");
  });

  it("AS-7: a rotated secret keeps working inside its overlap window, not after it; the view shows until when", async () => {
    const device = await machineClient();
    const rotated = await api(project.token, "POST", `/projects/${project.id}/clients/${device.id}/secret`, { overlapSeconds: 1 });
    expect(rotated.status).toBe(200);
    expect(Date.parse(rotated.body.client.previousSecretExpiresAt)).toBeGreaterThan(Date.now());
    const next = { id: device.id, secret: rotated.body.clientSecret as string };
    expect((await cc(next)).status).toBe(200);
    expect((await cc(device)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await cc(device)).status).toBe(401);
    expect((await cc(next)).status).toBe(200);
    const again = await api(project.token, "POST", `/projects/${project.id}/clients/${device.id}/secret`);
    expect(again.status).toBe(200);
    expect(again.body.client.previousSecretExpiresAt).toBeUndefined();
    expect((await cc(next)).status).toBe(401);
  });

  it("warm, a client_credentials token costs no store round trip (the rate limits are the platform's bindings)", async () => {
    await cc(machine);
    const warm = await cc(machine);
    expect(warm.status).toBe(200);
    expect(warm.headers.get("Server-Timing")).toContain('desc="0 round trips"');
  });

  it("AB-1: a client's own token rate gives 429 with Retry-After", async () => {
    const busy = await machineClient({ rateLimits: { tokenPerMinute: 2 } });
    expect((await cc(busy)).status).toBe(200);
    expect((await cc(busy)).status).toBe(200);
    const limited = await cc(busy);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await cc(machine)).status).toBe(200); // another client is not affected
  });

  it("AB-1: the project's token rate applies to clients without their own", async () => {
    const limitedProject = await newProject("rate limited machines");
    expect((await api(limitedProject.token, "PATCH", `/projects/${limitedProject.id}`, { rateLimits: { tokenPerMinute: 1 } }, { "If-Match": "*" })).status).toBeLessThan(300);
    const device = await newClient(limitedProject, { name: "d", kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"], scopes: ["x"] });
    expect((await cc(device)).status).toBe(200);
    expect((await cc(device)).status).toBe(429);
  });

  it("AB-2: the client's IP rules refuse other networks, audited", async () => {
    const fenced = await machineClient({ ipRules: { allow: ["203.0.113.0/24"] } });
    expect((await cc(fenced, {}, { "CF-Connecting-IP": "203.0.113.9" })).status).toBe(200);
    const refused = await cc(fenced, {}, { "CF-Connecting-IP": "198.51.100.1" });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("access_denied");
  });
});

describe("client_credentials with private_key_jwt (RFC 7523)", () => {
  for (const alg of ["ES256", "RS256", "EdDSA"] as const) {
    it(`AS-7: an assertion signed with the registered ${alg} key authenticates`, async () => {
      const { client, privateKey } = await keyClient(alg);
      const response = await withAssertion(await assertion(client.id, privateKey, { alg }));
      expect(response.status).toBe(200);
      const { payload } = await jwtVerify(response.body.access_token, await jwks());
      expect(payload.sub).toBe(client.id);
    });
  }

  it("AS-7: the issuer as audience is accepted; a wrong audience, a bad signature or an unregistered key are not", async () => {
    const { client, privateKey } = await keyClient();
    expect((await withAssertion(await assertion(client.id, privateKey, { aud: ISSUER }))).status).toBe(200);
    expect((await withAssertion(await assertion(client.id, privateKey, { aud: "https://elsewhere.example" }))).status).toBe(401);
    const other = await generateKeyPair("ES256");
    expect((await withAssertion(await assertion(client.id, other.privateKey))).body.error).toBe("invalid_client");
    const genuine = await assertion(client.id, privateKey);
    const [header, payload, signature] = genuine.split(".");
    const tampered = `${header}.${payload}.${signature!.startsWith("A") ? "B" : "A"}${signature!.slice(1)}`;
    expect((await withAssertion(tampered)).status).toBe(401);
    const events = await auditEvents();
    expect(events.some((e) => e.action === "client.auth.failure" && e.actor.clientId === client.id && e.reason?.includes("bad signature"))).toBe(true);
  });

  it("AS-7: a replayed jti, an expired assertion, one expiring too far ahead, or iss ≠ sub are refused", async () => {
    const { client, privateKey } = await keyClient();
    const once = await assertion(client.id, privateKey);
    expect((await withAssertion(once)).status).toBe(200);
    expect((await withAssertion(once)).status).toBe(401);
    expect((await withAssertion(await assertion(client.id, privateKey, { expIn: -120 }))).status).toBe(401);
    expect((await withAssertion(await assertion(client.id, privateKey, { expIn: 3600 }))).status).toBe(401);
    expect((await withAssertion(await assertion(client.id, privateKey, { iss: machine.id }))).status).toBe(401);
  });

  it("AS-7: a client with registered keys cannot use its secret, and one without keys cannot use an assertion", async () => {
    const { client } = await keyClient();
    expect((await cc(client)).status).toBe(401);
    const pair = await generateKeyPair("ES256");
    expect((await withAssertion(await assertion(machine.id, pair.privateKey))).status).toBe(401);
  });

  it("AD-3: registered keys must be public and asymmetric", async () => {
    const pair = await generateKeyPair("ES256", { extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    const base = { name: "x", kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"], scopes: ["a"] };
    const refusedPrivate = await api(project.token, "POST", `/projects/${project.id}/clients`, { ...base, jwks: { keys: [privateJwk] } });
    expect(refusedPrivate.status).toBe(400);
    const refusedSymmetric = await api(project.token, "POST", `/projects/${project.id}/clients`, { ...base, jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } });
    expect(refusedSymmetric.status).toBe(400);
  });
});

describe("openid-client against Fedgate (issue 6 item 7)", () => {
  const customFetch = (url: string, options: RequestInit) => exports.default.fetch(new Request(url, options));

  it("clientCredentialsGrant works unmodified, with client_secret_basic and with private_key_jwt", async () => {
    const config = await oidc.discovery(new URL(ISSUER), machine.id, machine.secret!, oidc.ClientSecretBasic(machine.secret!), { [oidc.customFetch]: customFetch });
    const tokens = await oidc.clientCredentialsGrant(config, { scope: "results:read" });
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.scope).toBe("results:read");

    const { client, privateKey } = await keyClient();
    const keyed = await oidc.discovery(new URL(ISSUER), client.id, undefined, oidc.PrivateKeyJwt(privateKey), { [oidc.customFetch]: customFetch });
    const viaKey = await oidc.clientCredentialsGrant(keyed);
    expect(viaKey.access_token).toBeTruthy();
  });
});
