/** RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at /oauth2/logout. */
import { decodeJwt, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { mintWithFedgateKey, newClient, refresh, signIn, type ClientAuth } from "../helpers/oauth";
import { call, ISSUER } from "../helpers/worker";

const SIGNED_OUT = "https://app.example/signed-out";
let project: { id: string; token: string };
let web: ClientAuth;
let other: ClientAuth;
let userId: string;

beforeAll(async () => {
  project = await newProject("Logout Co");
  web = await newClient(project, { name: "web", kind: "confidential", postLogoutRedirectUris: [SIGNED_OUT] });
  other = await newClient(project, { name: "other", kind: "confidential", postLogoutRedirectUris: ["https://other.example/bye"] });
  userId = (await api(project.token, "POST", `/projects/${project.id}/users`, { email: "ken@example.com", emailVerified: true })).body.id;
});

const tokens = (client = web, scope?: string[]) => signIn(client, { projectId: project.id, userId, ...(scope ? { scope } : {}) });
const logout = (params: Record<string, string>) => call(`/oauth2/logout?${new URLSearchParams(params)}`, { redirect: "manual" });
const logoutPost = (params: Record<string, string>) =>
  call("/oauth2/logout", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(params).toString(), redirect: "manual" });

async function expectPage(response: Response, status: number, text: RegExp) {
  expect(response.status).toBe(status);
  expect(response.headers.get("Location")).toBeNull();
  expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  expect(await response.text()).toMatch(text);
}

describe("logout: sessions", () => {
  it("gives ID tokens issued with a refresh token the grant as sid, kept across refreshes", async () => {
    const first = await tokens();
    const sid = decodeJwt(first.id_token).sid;
    expect(sid).toBe(first.refresh_token.split(".")[2]);
    const refreshed = await refresh(first.refresh_token, web);
    expect(decodeJwt(refreshed.body.id_token).sid).toBe(sid);
    expect(decodeJwt((await tokens(web, ["openid"])).id_token).sid).toBeUndefined();
  });

  it("redirects with 303 to the exactly registered URI, echoes state, and revokes the refresh family", async () => {
    const signedIn = await tokens();
    const response = await logout({ id_token_hint: signedIn.id_token, post_logout_redirect_uri: SIGNED_OUT, state: "a b&c" });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe(`${SIGNED_OUT}?state=a+b%26c`);
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect((await refresh(signedIn.refresh_token, web)).body.error).toBe("invalid_grant");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const log = await api(project.token, "GET", `/projects/${project.id}/audit?limit=20`);
    expect(log.body.items).toContainEqual(expect.objectContaining({ action: "session.logout", actor: { kind: "user", userId } }));
  });

  it("works by POST too, and with an expired hint", async () => {
    const signedIn = await tokens();
    const now = Math.floor(Date.now() / 1000);
    const sid = decodeJwt(signedIn.id_token).sid as string;
    const expired = await mintWithFedgateKey("id", { subject: userId, clientId: web.id, projectId: project.id, issuedAt: now - 7200, lifetimeS: 3600, sessionId: sid });
    const response = await logoutPost({ id_token_hint: expired.token, post_logout_redirect_uri: SIGNED_OUT });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe(SIGNED_OUT);
    expect((await refresh(signedIn.refresh_token, web)).body.error).toBe("invalid_grant");
  });

  it("redirects for client_id alone (no hint) to a registered URI; without any client, shows the page", async () => {
    const response = await logout({ client_id: web.id, post_logout_redirect_uri: SIGNED_OUT, state: "s1" });
    expect(response.headers.get("Location")).toBe(`${SIGNED_OUT}?state=s1`);
    await expectPage(await logout({ post_logout_redirect_uri: SIGNED_OUT }), 200, /You are signed out/);
    await expectPage(await logout({}), 200, /You are signed out/);
  });
});

describe("logout: never an unvalidated redirect", () => {
  it("AS-2: shows the signed-out page, not a redirect, for a URI that is not exactly registered", async () => {
    for (const uri of [`${SIGNED_OUT}/`, `${SIGNED_OUT}?x=1`, SIGNED_OUT.toUpperCase(), "https://app.example/", "https://other.example/bye", "https://evil.example/"]) {
      const signedIn = await tokens();
      const response = await logout({ id_token_hint: signedIn.id_token, post_logout_redirect_uri: uri, state: "s" });
      await expectPage(response, 200, /You are signed out[\s\S]*Logout Co/);
      // The hint was valid: signing out still happened.
      expect((await refresh(signedIn.refresh_token, web)).body.error).toBe("invalid_grant");
    }
  });

  it("shows an error page, changes nothing and never redirects for a bad hint", async () => {
    const signedIn = await tokens();
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ sid: decodeJwt(signedIn.id_token).sid }).setProtectedHeader({ alg: "ES256", typ: "JWT" })
      .setIssuer(ISSUER).setSubject(userId).setAudience(web.id).setIssuedAt().setExpirationTime("1h").sign(privateKey);
    for (const hint of [forged, "garbage", signedIn.access_token, `${signedIn.id_token.slice(0, -4)}AAAA`]) {
      await expectPage(await logout({ id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT, state: "s" }), 400, /Sign-out failed/);
    }
    expect((await refresh(signedIn.refresh_token, web)).status).toBe(200);
  });

  it("shows an error page for a client_id that disagrees with the hint, an unknown client, or repeated parameters", async () => {
    const signedIn = await tokens();
    await expectPage(await logout({ id_token_hint: signedIn.id_token, client_id: other.id, post_logout_redirect_uri: "https://other.example/bye" }), 400, /does not match/);
    await expectPage(await logout({ client_id: `${project.id}.aaaaaaaaaaaaaaaaaaaa`, post_logout_redirect_uri: SIGNED_OUT }), 400, /not known/);
    await expectPage(await call(`/oauth2/logout?client_id=${web.id}&client_id=${web.id}&post_logout_redirect_uri=${SIGNED_OUT}`, { redirect: "manual" }), 400, /repeated/);
    expect((await refresh(signedIn.refresh_token, web)).status).toBe(200);
  });

  it("escapes what it shows", async () => {
    const response = await call("/oauth2/logout", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "%3Cscript%3E=1&%3Cscript%3E=2" });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain("&lt;script&gt;");
    expect(text).not.toContain("<script>");
  });
});
