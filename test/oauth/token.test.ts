/**
 * The token endpoint with the authorization_code and refresh_token grants. Codes are issued here
 * the way the sign-in callback issues them (src/oauth/codes.ts), then redeemed over HTTP.
 */
import { jwtVerify } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { accessTokenHash } from "../../src/security/jws-algorithms";
import { api, newProject } from "../helpers/admin";
import * as oauth from "../helpers/oauth";
import { jwks, newVerifier as verifier, REDIRECT, tokenRequest } from "../helpers/oauth";
import { call, ISSUER } from "../helpers/worker";

let project: { id: string; token: string };
let web: { id: string; secret: string };
let spa: string;
let noRefresh: { id: string; secret: string };
let graceful: { id: string; secret: string };
let userId: string;
/** The reuse grace of `graceful`, in seconds. */
const GRACE_S = 2;

beforeAll(async () => {
  project = await newProject("token endpoint");
  web = (await oauth.newClient(project, { name: "web", kind: "confidential" })) as typeof web;
  spa = (await oauth.newClient(project, { name: "spa", kind: "public" })).id;
  noRefresh = (await oauth.newClient(project, { name: "no refresh", kind: "confidential", grantTypes: ["authorization_code"] })) as typeof noRefresh;
  graceful = (await oauth.newClient(project, { name: "graceful", kind: "confidential", refreshTokenReuseGraceSeconds: GRACE_S })) as typeof graceful;
  userId = (await api(project.token, "POST", `/projects/${project.id}/users`, { email: "ada@example.com", emailVerified: true, name: "Ada" })).body.id;
});

const code = (clientId: string, options: { scope?: string[]; nonce?: string; user?: string } = {}) =>
  oauth.mintCode({ projectId: project.id, clientId, userId: options.user ?? userId, ...(options.scope ? { scope: options.scope } : {}), ...(options.nonce ? { nonce: options.nonce } : {}) });
const redeem = (c: { code: string; verifier: string }, auth = web, extra: Record<string, string> = {}) => oauth.redeem(c, auth, extra);
const refresh = (token: string, auth = web, extra: Record<string, string> = {}) => oauth.refresh(token, auth, extra);
/** Whether an access token is still live (not deny-listed), as a resource server would ask. */
const active = async (accessToken: string, auth = web) => (await oauth.formPost("/oauth2/introspect", { token: accessToken }, auth)).body.active as boolean;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("token endpoint: authorization_code", () => {
  it("AS-9: redeems a code for an access token, an ID token and a refresh token, verifiable with the JWKS", async () => {
    const c = await code(web.id, { nonce: "n-123" });
    const response = await redeem(c);
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("Pragma")).toBe("no-cache");
    expect(response.body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "openid email profile offline_access" });
    const { payload: access } = await jwtVerify(response.body.access_token, await jwks(), { issuer: ISSUER, audience: web.id, typ: "at+jwt" });
    expect(access).toMatchObject({ sub: userId, client_id: web.id, scope: "openid email profile offline_access", project: project.id, email: "ada@example.com", idp: "okta" });
    for (const claim of ["exp", "iat", "jti"]) expect(access).toHaveProperty(claim);
    const { payload: id } = await jwtVerify(response.body.id_token, await jwks(), { issuer: ISSUER, audience: web.id });
    expect(id).toMatchObject({ sub: userId, nonce: "n-123", auth_time: 1_700_000_000, amr: ["pwd"], email: "ada@example.com", email_verified: true, name: "Ada" });
    expect(id.at_hash).toBe(await accessTokenHash(response.body.access_token, "ES256"));
    expect(response.body.refresh_token).toMatch(/^prj_[a-z2-7]{16}\.usr_[a-z2-7]{20}\.[a-z2-7]{26}\.0\.[\w-]{43}$/);
  });

  it("AS-1: requires the PKCE verifier and refuses a wrong one", async () => {
    const c = await code(web.id);
    expect((await tokenRequest({ grant_type: "authorization_code", code: c.code, redirect_uri: REDIRECT }, web)).body.error).toBe("invalid_request");
    const wrong = await redeem({ code: (await code(web.id)).code, verifier: verifier() });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ error: "invalid_grant", error_description: '"code_verifier" does not match the code challenge.' });
  });

  it("AS-3: binds the code to its client and redirect URI", async () => {
    const other = await code(noRefresh.id);
    expect((await redeem(other, web)).body.error).toBe("invalid_grant");
    const c = await code(web.id);
    expect((await redeem(c, web, { redirect_uri: "https://app.example/callback/" })).body.error).toBe("invalid_grant");
  });

  it("AS-3: a code is single use and a proven replay revokes the tokens it issued", async () => {
    const c = await code(web.id);
    const first = await redeem(c);
    expect(first.status).toBe(200);
    const replay = await redeem(c);
    expect(replay.body).toEqual({ error: "invalid_grant", error_description: "The code was already used." });
    expect((await refresh(first.body.refresh_token)).body.error).toBe("invalid_grant");
    const log = await api(project.token, "GET", `/projects/${project.id}/audit?limit=20`);
    expect(log.body.items.map((e: { action: string }) => e.action)).toContain("code.replay");
  });

  it("AS-3: an unproven replay (wrong verifier) is refused without revoking anything", async () => {
    const c = await code(web.id);
    const first = await redeem(c);
    expect((await redeem({ code: c.code, verifier: verifier() })).body.error).toBe("invalid_grant");
    expect((await refresh(first.body.refresh_token)).status).toBe(200);
  });

  it("lets a public client redeem with PKCE alone; no refresh token without offline_access or the grant", async () => {
    const c = await code(spa, { scope: ["openid"] });
    const response = await tokenRequest({ grant_type: "authorization_code", code: c.code, redirect_uri: REDIRECT, code_verifier: c.verifier, client_id: spa });
    expect(response.status).toBe(200);
    expect(response.body.refresh_token).toBeUndefined();
    const n = await redeem(await code(noRefresh.id), noRefresh);
    expect(n.status).toBe(200);
    expect(n.body.refresh_token).toBeUndefined();
  });
});

describe("token endpoint: refresh_token", () => {
  it("AS-4: rotates on every use; reusing a rotated token revokes the family and is audited", async () => {
    const first = (await redeem(await code(web.id))).body.refresh_token;
    const second = await refresh(first);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first);
    await jwtVerify(second.body.id_token, await jwks(), { issuer: ISSUER, audience: web.id });
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(200);
    // `first` was rotated away two generations ago: a replay.
    expect((await refresh(first)).body.error).toBe("invalid_grant");
    expect((await refresh(third.body.refresh_token)).body.error).toBe("invalid_grant");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const log = await api(project.token, "GET", `/projects/${project.id}/audit?limit=50`);
    expect(log.body.items.map((e: { action: string }) => e.action)).toContain("refresh.reuse");
  });

  it("AS-4: concurrent use of one refresh token yields exactly one success", async () => {
    const token = (await redeem(await code(web.id))).body.refresh_token;
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    // With a reuse grace the race is refused without revoking: the winner's token keeps working.
    const graced = (await redeem(await code(graceful.id), graceful)).body.refresh_token;
    const raced = await Promise.all(Array.from({ length: 10 }, () => refresh(graced, graceful)));
    const winners = raced.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(raced.filter((r) => r.status !== 200).every((r) => r.body.error === "invalid_grant")).toBe(true);
    expect((await refresh(winners[0]!.body.refresh_token, graceful)).status).toBe(200);
  });

  it("AS-4: without a reuse grace (the default), reusing the token rotated away 1 s ago revokes the family", async () => {
    const first = (await redeem(await code(web.id))).body.refresh_token;
    const second = await refresh(first);
    expect(second.status).toBe(200);
    expect(await active(second.body.access_token)).toBe(true);
    await sleep(1_000);
    expect((await refresh(first)).body).toEqual({ error: "invalid_grant", error_description: "The refresh token is invalid, expired or revoked." });
    expect((await refresh(second.body.refresh_token)).body.error).toBe("invalid_grant");
    expect(await active(second.body.access_token)).toBe(false);
  });

  it("AS-4: with refreshTokenReuseGraceSeconds, a reuse within the grace is refused without revoking; after it, the reuse revokes", async () => {
    const first = (await redeem(await code(graceful.id), graceful)).body.refresh_token;
    const second = await refresh(first, graceful);
    expect(second.status).toBe(200);
    expect((await refresh(first, graceful)).body.error).toBe("invalid_grant"); // within the grace: refused…
    expect(await active(second.body.access_token, graceful)).toBe(true); // …and the family kept
    await sleep(GRACE_S * 1000 + 100);
    expect((await refresh(first, graceful)).body.error).toBe("invalid_grant");
    expect(await active(second.body.access_token, graceful)).toBe(false);
    expect((await refresh(second.body.refresh_token, graceful)).body.error).toBe("invalid_grant");
    await sleep(50);
    const log = await api(project.token, "GET", `/projects/${project.id}/audit?limit=100`);
    const reuses = log.body.items.filter((e: { action: string; actor: { clientId?: string } }) => e.action === "refresh.reuse" && e.actor.clientId === graceful.id);
    expect(reuses.map((e: { reason: string }) => e.reason)).toEqual(expect.arrayContaining([
      "refresh token replayed within the client's reuse grace: grant kept", "refresh token replayed: grant revoked",
    ]));
  });

  it("AS-4: the reuse grace is a client setting of 0 to 60 s, 0 by default", async () => {
    const path = `/projects/${project.id}/clients`;
    expect((await api(project.token, "GET", `${path}/${web.id}`)).body.refreshTokenReuseGraceSeconds).toBe(0);
    expect((await api(project.token, "GET", `${path}/${graceful.id}`)).body.refreshTokenReuseGraceSeconds).toBe(GRACE_S);
    expect((await api(project.token, "POST", path, { name: "too lenient", kind: "confidential", redirectUris: [oauth.REDIRECT], refreshTokenReuseGraceSeconds: 61 })).status).toBe(400);
    const created = await api(project.token, "POST", path, { name: "patched", kind: "confidential", redirectUris: [oauth.REDIRECT] });
    const patched = await api(project.token, "PATCH", `${path}/${created.body.client.id}`, { refreshTokenReuseGraceSeconds: 60 }, { "If-Match": created.headers.get("ETag")! });
    expect(patched.status).toBe(200);
    expect(patched.body.refreshTokenReuseGraceSeconds).toBe(60);
    expect((await api(project.token, "PATCH", `${path}/${created.body.client.id}`, { refreshTokenReuseGraceSeconds: -1 }, { "If-Match": patched.headers.get("ETag")! })).status).toBe(400);
  });

  it("AS-12: may narrow the scope but never widen it", async () => {
    const token = (await redeem(await code(web.id, { scope: ["openid", "offline_access"] }))).body.refresh_token;
    expect((await refresh(token, web, { scope: "openid email" })).body.error).toBe("invalid_scope");
    const narrowed = await refresh(token, web, { scope: "openid" });
    expect(narrowed.body.scope).toBe("openid");
  });

  it("stops refreshing for a user who was disabled, and revokes the family", async () => {
    const user = await api(project.token, "POST", `/projects/${project.id}/users`, { name: "Leaver" });
    const token = (await redeem(await code(web.id, { user: user.body.id }))).body.refresh_token;
    await api(project.token, "PATCH", `/projects/${project.id}/users/${user.body.id}`, { disabled: true }, { "If-Match": user.headers.get("ETag")! });
    expect((await refresh(token)).body).toMatchObject({ error: "invalid_grant", error_description: "The user may not sign in." });
    const enabled = await api(project.token, "GET", `/projects/${project.id}/users/${user.body.id}`);
    await api(project.token, "PATCH", `/projects/${project.id}/users/${user.body.id}`, { disabled: false }, { "If-Match": enabled.headers.get("ETag")! });
    expect((await refresh(token)).body.error).toBe("invalid_grant");
  });

  it("binds the refresh token to its client", async () => {
    const token = (await redeem(await code(web.id))).body.refresh_token;
    expect((await refresh(token, noRefresh)).body.error).toBe("unauthorized_client");
  });
});

describe("token endpoint: request hygiene", () => {
  it("AS-6 and AS-11: unsupported grants and malformed requests get RFC 6749 errors with no-store", async () => {
    const cases: [Record<string, string>, string, number][] = [
      [{ grant_type: "password", username: "a", password: "b" }, "unsupported_grant_type", 400],
      [{ grant_type: "implicit" }, "unsupported_grant_type", 400],
      [{}, "invalid_request", 400],
      [{ grant_type: "authorization_code", code: "x", code_verifier: "y" }, "invalid_client", 401],
    ];
    for (const [params, error, status] of cases) {
      const response = await tokenRequest(params);
      expect(response.status, JSON.stringify(params)).toBe(status);
      expect(response.body.error).toBe(error);
      expect(response.headers.get("Cache-Control")).toBe("no-store");
    }
    const repeated = await call("/oauth2/token", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "grant_type=refresh_token&grant_type=authorization_code" });
    expect(await repeated.json()).toEqual({ error: "invalid_request", error_description: '"grant_type" is repeated.' });
    const json = await call("/oauth2/token", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(((await json.json()) as { error: string }).error).toBe("invalid_request");
    const wrongSecret = await tokenRequest({ grant_type: "refresh_token", refresh_token: "x" }, { id: web.id, secret: "nope" });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.headers.get("WWW-Authenticate")).toMatch(/^Basic/);
  });

  it("allows cross-origin token requests from registered origins only, never with * (AS-14; more in cors.test.ts)", async () => {
    const registered = await call("/oauth2/token", { method: "OPTIONS", headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST" } });
    expect(registered.status).toBe(204);
    expect(registered.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(registered.headers.get("Access-Control-Allow-Credentials")).toBe("true");
    const unregistered = await call("/oauth2/token", { method: "OPTIONS", headers: { Origin: "https://spa.example", "Access-Control-Request-Method": "POST" } });
    expect(unregistered.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});
