/**
 * A user's broker sessions in the console, over HTTP: a project whose person signed in for real at
 * the Okta emulator, to two apps from one browser; the user's page lists the session (provider, MFA,
 * the apps by name) with a Sign-out form per session and one for all; signing out ends the session
 * (its refresh tokens are refused), audited as the console's person; a forged post is refused. And the
 * project settings page's session lifetimes and Require MFA, and the client form's Require MFA.
 */
import { decodeJwt } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/admin";
import { csrfOf, fieldValue, page, post } from "../helpers/console";
import { refresh } from "../helpers/oauth";
import { CLIENT_REDIRECT, CookieJar, redeemFlow, setupFederation, signInFlow, type Federation } from "../helpers/signin";
import { consoleFixture, html } from "./fixture";

const fx = consoleFixture();
const olivia = { email: "olivia@okta.example", password: "olivia-password" };
let f: Federation;
let ordersId: string;

beforeAll(async () => {
  f = await setupFederation("okta", { domains: ["okta.example"] });
  ordersId = (await api(f.project.token, "POST", `/projects/${f.project.id}/clients`, { name: "Orders app", kind: "public", redirectUris: [CLIENT_REDIRECT] })).body.client.id;
});

/** A browser signed in to both apps; the user, the session and a refresh token of it. */
async function signedIn() {
  const jar = new CookieJar();
  const tokens = await redeemFlow(f, await signInFlow(f, olivia, { jar }));
  expect(tokens.status).toBe(200);
  const orders = await signInFlow({ clientId: ordersId }, olivia, { jar, authorize: { login_hint: olivia.email }, skipForm: true });
  expect(orders.responses).toHaveLength(1);
  const claims = decodeJwt(tokens.body.id_token as string);
  return { userId: claims.sub!, sessionId: claims["sid"] as string, refreshToken: tokens.body.refresh_token as string };
}

const userPath = (userId: string) => `/console/projects/${f.project.id}/users/${userId}`;
const liveSessions = async (userId: string) =>
  ((await api(f.project.token, "GET", `/projects/${f.project.id}/users/${userId}/sessions`)).body.items as { id: string }[]).map((session) => session.id);

describe("console: a user's sessions", () => {
  it("lists the user's sessions with their provider, MFA and apps by name, and a sign-out form for each", async () => {
    const browser = await signedIn();
    const shown = await html(await page(fx.setup, fx.operatorCookie, userPath(browser.userId)));
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('<h2 id="sessions">Sessions</h2>');
    expect(shown.text).toContain(`Sessions of Olivia Okta`);
    const row = new RegExp(`<tr><td>okta</td><td><time datetime="[^"]+">[^<]+ UTC</time></td><td>No</td><td>(app, Orders app|Orders app, app)</td>`);
    expect(shown.text).toMatch(row);
    expect(shown.text).toContain(`action="${userPath(browser.userId)}/sessions/${browser.sessionId}/sign-out"`);
    expect(shown.text).toContain(`of the session ${browser.sessionId}`);
    expect(shown.text).toContain(`action="${userPath(browser.userId)}/sessions/sign-out"`);
    expect(shown.text).toContain("Sign out everywhere");
  });

  it("signs one session out: it ends, its refresh token is refused, and the person is audited", async () => {
    const browser = await signedIn();
    const other = await signedIn();
    const form = (await page(fx.setup, fx.operatorCookie, userPath(browser.userId)).then(html)).text;
    const ended = await post(fx.setup, fx.operatorCookie, `${userPath(browser.userId)}/sessions/${browser.sessionId}/sign-out`, { csrf: csrfOf(form) });
    expect(ended.status).toBe(303);
    expect(ended.headers.get("Location")).toBe(`${userPath(browser.userId)}?notice=signed-out`);
    const sessions = await liveSessions(browser.userId);
    expect(sessions).not.toContain(browser.sessionId);
    expect(sessions).toContain(other.sessionId);
    expect((await refresh(browser.refreshToken, { id: f.clientId })).body.error).toBe("invalid_grant");
    const after = await html(await page(fx.setup, fx.operatorCookie, `${userPath(browser.userId)}?notice=signed-out`));
    expect(after.text).toContain("The session was ended");
    expect(after.text).not.toContain(`of the session ${browser.sessionId}`);
    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?limit=200`);
    const event = log.body.items.find((item: { action: string; target: { id: string } }) => item.action === "session.end" && item.target.id === browser.sessionId);
    expect(event).toMatchObject({ actor: { kind: "user", userId: fx.setup.users.alice }, after: { reason: "admin_revoked" } });

    // Posting the same form again: the session is gone, said on the page.
    const again = await html(await post(fx.setup, fx.operatorCookie, `${userPath(browser.userId)}/sessions/${browser.sessionId}/sign-out`, { csrf: csrfOf(form) }));
    expect(again.status).toBe(404);
    expect(again.text).toContain("That session had already ended");
  });

  it("signs the user out everywhere", async () => {
    const browser = await signedIn();
    await signedIn();
    const form = (await page(fx.setup, fx.operatorCookie, userPath(browser.userId)).then(html)).text;
    const ended = await post(fx.setup, fx.operatorCookie, `${userPath(browser.userId)}/sessions/sign-out`, { csrf: csrfOf(form) });
    expect(ended.status).toBe(303);
    expect(ended.headers.get("Location")).toBe(`${userPath(browser.userId)}?notice=signed-out-everywhere`);
    expect(await liveSessions(browser.userId)).toEqual([]);
    const after = await html(await page(fx.setup, fx.operatorCookie, `${userPath(browser.userId)}?notice=signed-out-everywhere`));
    expect(after.text).toContain("Every session of the user was ended.");
    expect(after.text).toContain("This user has no live session");
  });

  it("refuses a sign-out posted without the CSRF token, or by an admin of another project", async () => {
    const browser = await signedIn();
    const forged = await post(fx.setup, fx.operatorCookie, `${userPath(browser.userId)}/sessions/${browser.sessionId}/sign-out`, { csrf: "forged" });
    expect(forged.status).toBe(403);
    const form = (await page(fx.setup, fx.adminCookie, "/console/projects").then(html)).text;
    const outsider = await post(fx.setup, fx.adminCookie, `${userPath(browser.userId)}/sessions/sign-out`, { csrf: csrfOf(form) });
    expect(outsider.status).toBe(404);
    expect(await liveSessions(browser.userId)).toContain(browser.sessionId);
  });
});

describe("console: session and MFA settings", () => {
  it("saves a project's session lifetimes and MFA policy, names a bad lifetime, and goes back to the defaults when both are empty", async () => {
    const settings = `/console/projects/${fx.mine.id}`;
    const form = (await page(fx.setup, fx.adminCookie, settings).then(html)).text;
    expect(form).toContain("1 day idle, 7 days at most (the defaults)");
    expect(form).toContain('<label for="field-idleSeconds">');
    const fields = { csrf: csrfOf(form), etag: fieldValue(form, "etag"), idleSeconds: "600", maxSeconds: "3600", requireMfa: "yes" };
    const saved = await post(fx.setup, fx.adminCookie, `${settings}/sessions`, fields);
    expect(saved.status).toBe(303);
    expect(saved.headers.get("Location")).toBe(`${settings}?saved=1`);
    const read = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}`);
    expect(read.body).toMatchObject({ sessions: { idleSeconds: 600, maxSeconds: 3600 }, requireMfa: true });

    const now = (await page(fx.setup, fx.adminCookie, settings).then(html)).text;
    expect(now).toContain("600 seconds idle, 3600 seconds at most");
    expect(now).toMatch(/<input type="checkbox" id="field-requireMfa" name="requireMfa" value="yes" checked/);
    const refused = await html(await post(fx.setup, fx.adminCookie, `${settings}/sessions`, { ...fields, etag: fieldValue(now, "etag"), idleSeconds: "7200", requireMfa: "" }));
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/href="#field-idleSeconds">Idle lifetime: must not be longer than maxSeconds/);
    expect(refused.text).toMatch(/id="field-idleSeconds"[^>]*aria-invalid="true"/);
    expect(refused.text).toContain('value="7200"');

    const reset = await post(fx.setup, fx.adminCookie, `${settings}/sessions`, { csrf: fields.csrf, etag: fieldValue(now, "etag"), idleSeconds: "", maxSeconds: "" });
    expect(reset.status).toBe(303);
    const after = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}`);
    expect(after.body.sessions).toBeUndefined();
    expect(after.body.requireMfa).toBe(false);
  });

  it("saves a client's MFA requirement from its settings form", async () => {
    const made = await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/clients`, { name: "Strict", kind: "public", redirectUris: ["https://strict.example/cb"] });
    const path = `/console/projects/${fx.mine.id}/clients/${made.body.client.id}`;
    const form = (await page(fx.setup, fx.adminCookie, path).then(html)).text;
    expect(form).toContain('<label for="field-requireMfa">');
    const fields = {
      csrf: csrfOf(form), etag: fieldValue(form, "etag"), name: "Strict", redirectUris: "https://strict.example/cb", grantTypes: ["authorization_code", "refresh_token"],
      scopes: "openid", ipAllow: "", ipDeny: "", tokenPerMinute: "", accessTokenSeconds: "3600", idTokenSeconds: "3600", refreshTokenSeconds: "2592000", requireMfa: "yes",
    };
    expect((await post(fx.setup, fx.adminCookie, path, fields)).status).toBe(303);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/clients/${made.body.client.id}`)).body.requireMfa).toBe(true);
  });
});
