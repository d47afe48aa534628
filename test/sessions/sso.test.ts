/**
 * Broker sessions over HTTP: single sign-on across a project's apps, the OIDC `prompt` values,
 * `max_age`, `login_hint`, and what ends a session or keeps it from answering (issue 14).
 */
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { api } from "../helpers/admin";
import { CLIENT_REDIRECT, CookieJar, redeemFlow, setupFederation, signInFlow, type Federation, type FlowResult } from "../helpers/signin";
import { call, ISSUER } from "../helpers/worker";

const olivia = { email: "olivia@okta.example", password: "olivia-password" };
const eve = { email: "eve@workspace.example", password: "eve-password" };

async function verify(token: string, audience?: string): Promise<JWTPayload> {
  const keys = createLocalJWKSet((await (await call("/.well-known/jwks.json")).json()) as { keys: [] });
  return (await jwtVerify(token, keys, { issuer: ISSUER, ...(audience ? { audience } : {}) })).payload;
}

/** A second app of the same project, with the same redirect URI. */
async function secondClient(f: Federation): Promise<Pick<Federation, "clientId">> {
  const made = await api(f.project.token, "POST", `/projects/${f.project.id}/clients`, { name: "second app", kind: "public", redirectUris: [CLIENT_REDIRECT] });
  return { clientId: made.body.client.id };
}

/** Whether a flow was answered from the session: the first response already went back to the client. */
const answeredFromSession = (flow: FlowResult): boolean => {
  const first = flow.responses[0]!;
  return first.status === 303 && new URL(first.headers.get("Location")!).origin === new URL(CLIENT_REDIRECT).origin;
};

/** The upstream authorization request the first response sent the browser to. */
const upstreamRequest = (flow: FlowResult): URL => new URL(flow.responses.find((r) => r.status === 303 && !r.headers.get("Location")!.startsWith(ISSUER))!.headers.get("Location")!);

const setup = () => setupFederation("okta", { domains: ["okta.example", "workspace.example"] });

describe("broker sessions", () => {
  it("signs a second app of the project in from the session, without the provider, with the same sid and auth_time", async () => {
    const f = await setup();
    const other = await secondClient(f);
    const jar = new CookieJar();
    const first = await signInFlow(f, olivia, { jar });
    expect(answeredFromSession(first)).toBe(false);
    const session = jar.session(f.project.id);
    expect(session).toMatch(/^usr_[a-z2-7]{20}\.ses_[a-z2-7]{26}\.[\w-]{43}$/);
    const cookie = first.responses.at(-1)!.headers.getSetCookie().find((line) => line.startsWith(`fg_session_${f.project.id}=`))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\/oauth2/);
    expect(cookie).toMatch(/Secure/i);

    const second = await signInFlow(other, olivia, { jar });
    expect(answeredFromSession(second), second.page?.text.slice(0, 200)).toBe(true);
    expect(second.redirect!.searchParams.get("state")).toBe("st-123");
    expect(second.redirect!.searchParams.get("iss")).toBe(ISSUER);
    const [a, b] = await Promise.all([redeemFlow(f, first), redeemFlow(other, second)]);
    const idA = await verify(a.body.id_token, f.clientId);
    const idB = await verify(b.body.id_token, other.clientId);
    expect(idB.sub).toBe(idA.sub);
    expect(idB.sid).toBe(idA.sid);
    expect(idA.sid).toMatch(/^ses_/);
    expect(idB.auth_time).toBe(idA.auth_time);
    expect(idB.nonce).toBe("nonce-abc");
    expect(decodeJwt(b.body.access_token).sid).toBe(idA.sid);
    // The same app again: answered from the session too.
    expect(answeredFromSession(await signInFlow(f, olivia, { jar }))).toBe(true);

    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?action=login.success&limit=10`);
    expect(log.body.items.map((e: { after: { via: string } }) => e.after.via)).toContain("session");
  }, 20_000); // the file's first sign-in starts the emulators' and the Worker's isolates

  it("keeps projects apart: a session of one project signs nobody in to another", async () => {
    const [f, g] = await Promise.all([setup(), setup()]);
    const jar = new CookieJar();
    await signInFlow(f, olivia, { jar });
    expect(answeredFromSession(await signInFlow(g, olivia, { jar }))).toBe(false);
  });

  it("prompt=none: a code from the session; without one, login_required by redirect, never a page", async () => {
    const f = await setup();
    const none = await signInFlow(f, olivia, { authorize: { prompt: "none" } });
    expect(none.responses).toHaveLength(1);
    expect(none.redirect!.origin + none.redirect!.pathname).toBe(CLIENT_REDIRECT);
    expect(Object.fromEntries(none.redirect!.searchParams)).toMatchObject({ error: "login_required", state: "st-123", iss: ISSUER });

    const jar = new CookieJar();
    await signInFlow(f, olivia, { jar });
    const silent = await signInFlow(f, olivia, { jar, authorize: { prompt: "none" } });
    expect(answeredFromSession(silent)).toBe(true);
    expect(silent.redirect!.searchParams.get("code")).toBeTruthy();
    expect((await redeemFlow(f, silent)).status).toBe(200);
  });

  it("refuses unknown prompt values and none combined with others, by redirect", async () => {
    const f = await setup();
    for (const prompt of ["none login", "create", "bogus"]) {
      const flow = await signInFlow(f, olivia, { authorize: { prompt } });
      expect(flow.redirect?.searchParams.get("error"), prompt).toBe("invalid_request");
    }
    const badMaxAge = await signInFlow(f, olivia, { authorize: { max_age: "-1" } });
    expect(badMaxAge.redirect?.searchParams.get("error")).toBe("invalid_request");
  });

  it("prompt=login authenticates upstream again (forwarded), keeps the session and moves auth_time", async () => {
    const f = await setup();
    const jar = new CookieJar();
    const first = await signInFlow(f, olivia, { jar });
    const sessionBefore = jar.session(f.project.id);
    const again = await signInFlow(f, olivia, { jar, authorize: { prompt: "login" } });
    expect(answeredFromSession(again)).toBe(false);
    expect(upstreamRequest(again).searchParams.get("prompt")).toBe("login");
    const [a, b] = await Promise.all([redeemFlow(f, first), redeemFlow(f, again)]);
    const [idA, idB] = await Promise.all([verify(a.body.id_token), verify(b.body.id_token)]);
    expect(idB.sid).toBe(idA.sid);
    expect(jar.session(f.project.id)).toBe(sessionBefore);
    expect(idB.auth_time as number).toBeGreaterThanOrEqual(idA.auth_time as number);
  });

  it("prompt=login is refused when the provider answers with an authentication from before the request", async () => {
    const f = await setup();
    await f.upstreamSwitch({ claims: { auth_time: Math.floor(Date.now() / 1000) - 3600 } });
    const flow = await signInFlow(f, olivia, { authorize: { prompt: "login" } });
    expect(Object.fromEntries(flow.redirect!.searchParams)).toMatchObject({ error: "login_required", state: "st-123" });
  });

  it("max_age: an older session authenticates upstream again with max_age forwarded; a provider that ignores it is refused", async () => {
    const f = await setup();
    const jar = new CookieJar();
    // The provider says the person authenticated an hour ago.
    await f.upstreamSwitch({ claims: { auth_time: Math.floor(Date.now() / 1000) - 3600 } });
    const old = await signInFlow(f, olivia, { jar });
    expect((await verify((await redeemFlow(f, old)).body.id_token)).auth_time).toBeLessThan(Date.now() / 1000 - 3000);
    expect(answeredFromSession(await signInFlow(f, olivia, { jar, authorize: { max_age: "7200" } }))).toBe(true);

    const silent = await signInFlow(f, olivia, { jar, authorize: { max_age: "600", prompt: "none" } });
    expect(silent.redirect!.searchParams.get("error")).toBe("login_required");

    const stale = await signInFlow(f, olivia, { jar, authorize: { max_age: "600" } });
    expect(upstreamRequest(stale).searchParams.get("max_age")).toBe("600");
    expect(stale.redirect!.searchParams.get("error")).toBe("login_required");

    await f.upstreamSwitch({ claims: null });
    const fresh = await signInFlow(f, olivia, { jar, authorize: { max_age: "600" } });
    const id = await verify((await redeemFlow(f, fresh)).body.id_token);
    expect(id.auth_time as number).toBeGreaterThan(Date.now() / 1000 - 120);
    // max_age=0 is prompt=login.
    const zero = await signInFlow(f, olivia, { jar, authorize: { max_age: "0" } });
    expect(upstreamRequest(zero).searchParams.get("prompt")).toBe("login");
  });

  it("forwards login_hint, and select_account only to kinds that take it; select_account never answers from the session", async () => {
    const f = await setup();
    const jar = new CookieJar();
    await signInFlow(f, olivia, { jar });
    const picked = await signInFlow(f, olivia, { jar, authorize: { prompt: "select_account", login_hint: olivia.email }, skipForm: true });
    expect(answeredFromSession(picked)).toBe(false);
    const upstream = upstreamRequest(picked);
    expect(upstream.searchParams.get("login_hint")).toBe(olivia.email);
    expect(upstream.searchParams.has("prompt")).toBe(false); // Okta has no select_account

    const google = await setupFederation("google", { domains: ["workspace.example"] });
    const chooser = await signInFlow(google, { email: "gina@workspace.example", password: "gina-password" }, { authorize: { prompt: "select_account" } });
    expect(upstreamRequest(chooser).searchParams.get("prompt")).toBe("select_account");
  });

  it("a login_hint naming someone else goes upstream; the new person's sign-in replaces the session and ends the old one", async () => {
    const f = await setup();
    const jar = new CookieJar();
    const first = await signInFlow(f, olivia, { jar });
    const tokens = await redeemFlow(f, first);
    const hinted = await signInFlow(f, eve, { jar, authorize: { login_hint: eve.email }, skipForm: true });
    expect(answeredFromSession(hinted)).toBe(false);
    const eveTokens = await redeemFlow(f, hinted);
    expect((await verify(eveTokens.body.id_token)).sid).not.toBe((await verify(tokens.body.id_token)).sid);
    // Olivia's session ended with her grants: her refresh token no longer works.
    const refresh = await call("/oauth2/token", {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: tokens.body.refresh_token, client_id: f.clientId }).toString(),
    });
    expect(refresh.status).toBe(400);
    const ended = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?action=session.end&limit=5`);
    expect(ended.body.items[0]).toMatchObject({ after: expect.objectContaining({ reason: "replaced" }) });
  });

  it("a client with its own provider does not accept a session from another provider", async () => {
    const f = await setup();
    const jar = new CookieJar();
    await signInFlow(f, olivia, { jar });
    const cognito = await api(f.project.token, "POST", `/projects/${f.project.id}/providers`, {
      id: "other", name: "other", kind: "okta", issuer: (await api(f.project.token, "GET", `/projects/${f.project.id}/providers/okta`)).body.issuer, clientId: "x",
    });
    expect(cognito.status).toBe(201);
    const pinned = await api(f.project.token, "POST", `/projects/${f.project.id}/clients`, { name: "pinned", kind: "public", redirectUris: [CLIENT_REDIRECT], providerId: "other" });
    const flow = await signInFlow({ clientId: pinned.body.client.id }, olivia, { jar, authorize: { prompt: "none" } });
    expect(flow.redirect!.searchParams.get("error")).toBe("login_required");
  });

  it("a disabled user's session answers nothing", async () => {
    const f = await setup();
    const jar = new CookieJar();
    const flow = await signInFlow(f, olivia, { jar });
    const { sub } = await verify((await redeemFlow(f, flow)).body.id_token);
    const user = await api(f.project.token, "GET", `/projects/${f.project.id}/users/${sub}`);
    await api(f.project.token, "PATCH", `/projects/${f.project.id}/users/${sub}`, { disabled: true }, { "If-Match": user.headers.get("ETag")! });
    const silent = await signInFlow(f, olivia, { jar, authorize: { prompt: "none" } });
    expect(silent.redirect!.searchParams.get("error")).toBe("login_required");
  });
});

describe("ending a session", () => {
  it("RP-initiated logout with id_token_hint ends the session for every app: no more SSO, refresh tokens refused, codes in flight dead", async () => {
    const f = await setup();
    const other = await secondClient(f);
    const jar = new CookieJar();
    const tokens = await redeemFlow(f, await signInFlow(f, olivia, { jar }));
    const otherTokens = await redeemFlow(other, await signInFlow(other, olivia, { jar }));
    const inFlight = await signInFlow(other, olivia, { jar });
    const oldCookie = jar.session(f.project.id)!;

    const logout = await call(`/oauth2/logout?${new URLSearchParams({ id_token_hint: tokens.body.id_token })}`, { redirect: "manual", headers: jar.header() });
    expect(logout.status).toBe(200);
    jar.keep(logout);
    expect(jar.session(f.project.id)).toBeUndefined();

    const refresh = (token: string, clientId: string) => call("/oauth2/token", {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token, client_id: clientId }).toString(),
    });
    expect((await refresh(tokens.body.refresh_token, f.clientId)).status).toBe(400);
    expect((await refresh(otherTokens.body.refresh_token, other.clientId)).status).toBe(400);
    expect((await redeemFlow(other, inFlight)).body.error).toBe("invalid_grant");
    // Even with the old cookie, the session is gone.
    const stale = new CookieJar();
    stale.cookies.set(`fg_session_${f.project.id}`, oldCookie);
    expect((await signInFlow(f, olivia, { jar: stale, authorize: { prompt: "none" } })).redirect!.searchParams.get("error")).toBe("login_required");
    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?action=session.end&limit=5`);
    expect(log.body.items[0]).toMatchObject({ target: { type: "session", id: (await verify(tokens.body.id_token)).sid }, after: expect.objectContaining({ reason: "logout" }) });
  });

  it("logout without a hint asks the person first; only the confirmation from Fedgate's own page ends the session", async () => {
    const f = await setup();
    const jar = new CookieJar();
    await signInFlow(f, olivia, { jar });
    const link = await call(`/oauth2/logout?client_id=${f.clientId}`, { headers: jar.header() });
    expect(link.status).toBe(200);
    const page = await link.text();
    expect(page).toContain("Sign out of");
    expect(page).toContain('name="confirm" value="yes"');
    expect(answeredFromSession(await signInFlow(f, olivia, { jar }))).toBe(true);

    const form = new URLSearchParams({ client_id: f.clientId, confirm: "yes" }).toString();
    const forged = await call("/oauth2/logout", { method: "POST", headers: { ...jar.header(), "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" }, body: form });
    expect(await forged.text()).toContain('name="confirm" value="yes"');
    expect(answeredFromSession(await signInFlow(f, olivia, { jar }))).toBe(true);

    const confirmed = await call("/oauth2/logout", { method: "POST", headers: { ...jar.header(), "Content-Type": "application/x-www-form-urlencoded", Origin: ISSUER }, body: form });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("You are signed out");
    jar.keep(confirmed);
    expect(answeredFromSession(await signInFlow(f, olivia, { jar }))).toBe(false);
  });

  it("an app's API sign-out (Bearer) ends the session it belongs to", async () => {
    const f = await setup();
    const jar = new CookieJar();
    const tokens = await redeemFlow(f, await signInFlow(f, olivia, { jar }));
    const out = await call("/oauth2/logout", { method: "POST", headers: { Authorization: `Bearer ${tokens.body.access_token}` } });
    expect(out.status).toBe(204);
    expect((await signInFlow(f, olivia, { jar, authorize: { prompt: "none" } })).redirect!.searchParams.get("error")).toBe("login_required");
  });
});
