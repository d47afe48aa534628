/**
 * Broker sessions in the admin API, over HTTP with real sign-ins at the Okta emulator: a user's
 * sessions listed with the apps signed in with them, one ended (the browser must go to its provider
 * again, the refresh tokens of its sign-ins are refused, `session.end` audited), all ended, ended by
 * disabling the user; bad ids; the project's session and MFA settings and the client's MFA setting.
 */
import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject, operator } from "../helpers/admin";
import { refresh } from "../helpers/oauth";
import { authorizeUrl, CLIENT_REDIRECT, CookieJar, pkce, redeemFlow, setupFederation, signInFlow, type Federation } from "../helpers/signin";
import { call } from "../helpers/worker";

const olivia = { email: "olivia@okta.example", password: "olivia-password" };
let f: Federation;
let secondClientId: string;

beforeAll(async () => {
  f = await setupFederation("okta", { domains: ["okta.example"] });
  const second = await api(f.project.token, "POST", `/projects/${f.project.id}/clients`, { name: "second app", kind: "public", redirectUris: [CLIENT_REDIRECT] });
  expect(second.status).toBe(201);
  secondClientId = second.body.client.id;
});

const usersPath = () => `/projects/${f.project.id}/users`;

/** A fresh browser signed in to the first app at the provider, then to the second from its session. */
async function signedInBrowser() {
  const jar = new CookieJar();
  const first = await signInFlow(f, olivia, { jar });
  expect(first.page, first.page?.text.slice(0, 300)).toBeUndefined();
  const firstTokens = await redeemFlow(f, first);
  expect(firstTokens.status).toBe(200);
  const second = await signInFlow({ clientId: secondClientId }, olivia, { jar, authorize: { login_hint: olivia.email }, skipForm: true });
  expect(second.responses).toHaveLength(1); // answered from the session, not the provider
  const secondTokens = await redeemFlow({ clientId: secondClientId }, second);
  expect(secondTokens.status).toBe(200);
  const claims = decodeJwt(firstTokens.body.id_token as string);
  return { jar, userId: claims.sub!, sessionId: claims["sid"] as string, refreshTokens: [firstTokens.body.refresh_token as string, secondTokens.body.refresh_token as string] };
}

/** Where an authorization request from this browser goes: the client (from the session) or the provider. */
async function authorizeGoesTo(jar: CookieJar): Promise<string> {
  const response = await call(authorizeUrl(f, (await pkce()).challenge, { login_hint: olivia.email }), { redirect: "manual", headers: jar.header() });
  expect(response.status).toBe(303);
  return new URL(response.headers.get("Location")!).origin;
}

const sessionsOf = async (userId: string) => {
  const listed = await api(f.project.token, "GET", `${usersPath()}/${userId}/sessions`);
  expect(listed.status).toBe(200);
  return listed.body.items as Record<string, any>[];
};

describe("admin API: broker sessions", () => {
  it("lists a user's session with both apps signed in with it, and never its secret", async () => {
    const browser = await signedInBrowser();
    const session = (await sessionsOf(browser.userId)).find((item) => item.id === browser.sessionId);
    expect(session).toMatchObject({ providerId: "okta", amr: ["fed"], mfa: false });
    expect(session!.clients.map((entry: { clientId: string }) => entry.clientId).sort()).toEqual([f.clientId, secondClientId].sort());
    for (const field of ["authTime", "createdAt", "lastSeenAt", "expiresAt", "idleExpiresAt"]) expect(new Date(session![field]).toISOString()).toBe(session![field]);
    for (const entry of session!.clients) expect(new Date(entry.lastSignInAt).toISOString()).toBe(entry.lastSignInAt);
    // The project's defaults: 1 day idle, 7 days at most.
    expect(Date.parse(session!.expiresAt) - Date.parse(session!.createdAt)).toBe(7 * 86_400_000);
    expect(Date.parse(session!.idleExpiresAt) - Date.parse(session!.lastSeenAt)).toBe(86_400_000);
    expect(JSON.stringify(session)).not.toContain("secret");
    expect(Object.keys(session!)).not.toContain("secretHash");
  });

  it("ends one session: the browser goes to its provider again, its refresh tokens are refused, and it is audited", async () => {
    const browser = await signedInBrowser();
    const other = await signedInBrowser();
    expect(await authorizeGoesTo(browser.jar)).toBe(new URL(CLIENT_REDIRECT).origin);
    const ended = await api(f.project.token, "DELETE", `${usersPath()}/${browser.userId}/sessions/${browser.sessionId}`);
    expect(ended.status).toBe(204);
    expect(await authorizeGoesTo(browser.jar)).toBe(new URL(env.TEST_EMULATOR_ORIGIN).origin);
    expect((await refresh(browser.refreshTokens[0]!, { id: f.clientId })).body.error).toBe("invalid_grant");
    expect((await refresh(browser.refreshTokens[1]!, { id: secondClientId })).body.error).toBe("invalid_grant");
    const ids = (await sessionsOf(browser.userId)).map((item) => item.id);
    expect(ids).not.toContain(browser.sessionId);
    // The other browser's session is untouched.
    expect(ids).toContain(other.sessionId);
    expect((await refresh(other.refreshTokens[0]!, { id: f.clientId })).status).toBe(200);
    expect(await authorizeGoesTo(other.jar)).toBe(new URL(CLIENT_REDIRECT).origin);
    // Ending it again: there is no such live session.
    const again = await api(f.project.token, "DELETE", `${usersPath()}/${browser.userId}/sessions/${browser.sessionId}`);
    expect(again.status).toBe(404);
    expect(again.headers.get("Content-Type")).toContain("application/problem+json");
    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?limit=200`);
    const event = log.body.items.find((item: { action: string; target: { id: string } }) => item.action === "session.end" && item.target.id === browser.sessionId);
    expect(event).toMatchObject({ actor: { kind: "api-key" }, target: { type: "session" }, after: { userId: browser.userId, reason: "admin_revoked" } });
  });

  it("signs a user out everywhere", async () => {
    const browsers = [await signedInBrowser(), await signedInBrowser()];
    const userId = browsers[0]!.userId;
    const before = (await sessionsOf(userId)).length;
    expect(before).toBeGreaterThanOrEqual(2);
    const ended = await api(f.project.token, "DELETE", `${usersPath()}/${userId}/sessions`);
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ ended: before });
    expect(await sessionsOf(userId)).toEqual([]);
    for (const browser of browsers) {
      expect(await authorizeGoesTo(browser.jar)).toBe(new URL(env.TEST_EMULATOR_ORIGIN).origin);
      expect((await refresh(browser.refreshTokens[0]!, { id: f.clientId })).body.error).toBe("invalid_grant");
    }
    expect((await api(f.project.token, "DELETE", `${usersPath()}/${userId}/sessions`)).body).toEqual({ ended: 0 });
  });

  it("ends the user's sessions when the user is disabled", async () => {
    const browser = await signedInBrowser();
    const read = await api(f.project.token, "GET", `${usersPath()}/${browser.userId}`);
    const disabled = await api(f.project.token, "PATCH", `${usersPath()}/${browser.userId}`, { disabled: true }, { "If-Match": read.headers.get("ETag")! });
    expect(disabled.status).toBe(200);
    expect(await sessionsOf(browser.userId)).toEqual([]);
    expect((await refresh(browser.refreshTokens[1]!, { id: secondClientId })).body.error).toBe("invalid_grant");
    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?limit=200`);
    const event = log.body.items.find((item: { action: string; target: { id: string } }) => item.action === "session.end" && item.target.id === browser.sessionId);
    expect(event?.after.reason).toBe("user_disabled");
    // Enabled again, the user signs in anew at the provider.
    const current = await api(f.project.token, "GET", `${usersPath()}/${browser.userId}`);
    expect((await api(f.project.token, "PATCH", `${usersPath()}/${browser.userId}`, { disabled: false }, { "If-Match": current.headers.get("ETag")! })).status).toBe(200);
    expect(await authorizeGoesTo(browser.jar)).toBe(new URL(env.TEST_EMULATOR_ORIGIN).origin);
  });

  it("answers bad and unknown ids with problems, never a 500", async () => {
    const browser = await signedInBrowser();
    const base = `${usersPath()}/${browser.userId}/sessions`;
    const cases: [string, string, number][] = [
      ["DELETE", `${base}/not-a-session`, 400],
      ["DELETE", `${base}/${"ses_" + "a".repeat(26)}`, 404],
      ["DELETE", `${base}/${encodeURIComponent("ses_../../x")}`, 400],
      ["GET", `${usersPath()}/usr_${"a".repeat(20)}/sessions`, 404],
      ["DELETE", `${usersPath()}/usr_${"a".repeat(20)}/sessions`, 404],
      ["DELETE", `${usersPath()}/usr_${"a".repeat(20)}/sessions/${browser.sessionId}`, 404],
      ["GET", `${usersPath()}/nope/sessions`, 404],
    ];
    for (const [method, path, status] of cases) {
      const response = await api(f.project.token, method, path);
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(response.headers.get("Content-Type"), `${method} ${path}`).toContain("application/problem+json");
    }
    // A session is reached only under its own user.
    const someoneElse = await api(f.project.token, "POST", `/projects/${f.project.id}/users`, { name: "Someone else" });
    expect((await api(f.project.token, "DELETE", `${usersPath()}/${someoneElse.body.id}/sessions/${browser.sessionId}`)).status).toBe(404);
    expect((await sessionsOf(browser.userId)).map((item) => item.id)).toContain(browser.sessionId);
  });

  it("keeps another project's credential away from the sessions, as if they did not exist (AD-1)", async () => {
    const browser = await signedInBrowser();
    const intruder = await newProject("session intruder");
    const base = `${usersPath()}/${browser.userId}/sessions`;
    for (const [method, path] of [["GET", base], ["DELETE", `${base}/${browser.sessionId}`], ["DELETE", base]] as const) {
      const response = await api(intruder.token, method, path);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(response.body)).not.toContain(browser.sessionId);
    }
    expect((await sessionsOf(browser.userId)).map((item) => item.id)).toContain(browser.sessionId);
    expect(await authorizeGoesTo(browser.jar)).toBe(new URL(CLIENT_REDIRECT).origin);
  });
});

describe("admin API: session and MFA settings", () => {
  it("sets a project's session lifetimes and MFA policy, which new sessions follow", async () => {
    const created = await api(f.project.token, "GET", `/projects/${f.project.id}`);
    expect(created.body.sessions).toBeUndefined();
    const project = await newProject("settings");
    const read = await api(project.token, "GET", `/projects/${project.id}`);
    expect(read.body.requireMfa).toBe(false);
    const patched = await api(project.token, "PATCH", `/projects/${project.id}`, { sessions: { idleSeconds: 600, maxSeconds: 3600 }, requireMfa: true }, { "If-Match": read.headers.get("ETag")! });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ sessions: { idleSeconds: 600, maxSeconds: 3600 }, requireMfa: true });
    const reset = await api(project.token, "PATCH", `/projects/${project.id}`, { sessions: null }, { "If-Match": patched.headers.get("ETag")! });
    expect(reset.status).toBe(200);
    expect(reset.body.sessions).toBeUndefined();
    expect(reset.body.requireMfa).toBe(true);

    // New sessions of the federation's project take its lifetimes.
    const etag = created.headers.get("ETag")!;
    expect((await api(f.project.token, "PATCH", `/projects/${f.project.id}`, { sessions: { idleSeconds: 900, maxSeconds: 7200 } }, { "If-Match": etag })).status).toBe(200);
    try {
      const browser = await signedInBrowser();
      const session = (await sessionsOf(browser.userId)).find((item) => item.id === browser.sessionId)!;
      expect(Date.parse(session.expiresAt) - Date.parse(session.createdAt)).toBe(7_200_000);
      expect(Date.parse(session.idleExpiresAt) - Date.parse(session.lastSeenAt)).toBe(900_000);
    } finally {
      const now = await api(f.project.token, "GET", `/projects/${f.project.id}`);
      await api(f.project.token, "PATCH", `/projects/${f.project.id}`, { sessions: null }, { "If-Match": now.headers.get("ETag")! });
    }
  });

  it("refuses session lifetimes out of range, or an idle time longer than the absolute one, naming the field", async () => {
    const create = (sessions: unknown) => operator("POST", "/projects", { name: "bad sessions", sessions });
    const idleTooLong = await create({ idleSeconds: 7200, maxSeconds: 3600 });
    expect(idleTooLong.status).toBe(400);
    expect(JSON.stringify(idleTooLong.body)).toContain("must not be longer than maxSeconds");
    expect(JSON.stringify(idleTooLong.body)).toContain("sessions.idleSeconds");
    for (const sessions of [{ idleSeconds: 299, maxSeconds: 3600 }, { idleSeconds: 600, maxSeconds: 31_536_001 }, { idleSeconds: 2_592_001, maxSeconds: 31_536_000 }, { idleSeconds: 600 }, { idleSeconds: 600.5, maxSeconds: 3600 }]) {
      expect((await create(sessions)).status, JSON.stringify(sessions)).toBe(400);
    }
    const project = await newProject("bad patch");
    const read = await api(project.token, "GET", `/projects/${project.id}`);
    const patch = await api(project.token, "PATCH", `/projects/${project.id}`, { sessions: { idleSeconds: 3600, maxSeconds: 600 } }, { "If-Match": read.headers.get("ETag")! });
    expect(patch.status).toBe(400);
    expect((await api(project.token, "PATCH", `/projects/${project.id}`, { requireMfa: "yes" }, { "If-Match": read.headers.get("ETag")! })).status).toBe(400);
    const made = await create({ idleSeconds: 300, maxSeconds: 300 });
    expect(made.status).toBe(201);
    expect(made.body.project).toMatchObject({ sessions: { idleSeconds: 300, maxSeconds: 300 }, requireMfa: false });
  });

  it("sets a client's MFA requirement, false by default", async () => {
    const project = await newProject("client mfa");
    const plain = await api(project.token, "POST", `/projects/${project.id}/clients`, { name: "plain", kind: "public", redirectUris: [CLIENT_REDIRECT] });
    expect(plain.body.client.requireMfa).toBe(false);
    const strict = await api(project.token, "POST", `/projects/${project.id}/clients`, { name: "strict", kind: "public", redirectUris: [CLIENT_REDIRECT], requireMfa: true });
    expect(strict.body.client.requireMfa).toBe(true);
    const path = `/projects/${project.id}/clients/${plain.body.client.id}`;
    const changed = await api(project.token, "PATCH", path, { requireMfa: true }, { "If-Match": plain.headers.get("ETag")! });
    expect(changed.status).toBe(200);
    expect((await api(project.token, "GET", path)).body.requireMfa).toBe(true);
    expect((await api(project.token, "PATCH", path, { requireMfa: 1 }, { "If-Match": changed.headers.get("ETag")! })).status).toBe(400);
  });

  it("documents the settings and the session routes in the OpenAPI document", async () => {
    const document = (await (await call("/admin/v1/openapi.json")).json()) as { paths: Record<string, Record<string, any>> };
    expect(Object.keys(document.paths["/admin/v1/projects/{projectId}/users/{userId}/sessions"]!).sort()).toEqual(["delete", "get"]);
    expect(Object.keys(document.paths["/admin/v1/projects/{projectId}/users/{userId}/sessions/{sessionId}"]!)).toEqual(["delete"]);
    const projectBody = document.paths["/admin/v1/projects"]!["post"].requestBody.content["application/json"].schema;
    expect(projectBody.properties.sessions.description).toContain("1 day idle, 7 days absolute");
    expect(projectBody.properties.requireMfa.description).toContain("multi-factor");
    const clientBody = document.paths["/admin/v1/projects/{projectId}/clients"]!["post"].requestBody.content["application/json"].schema;
    expect(clientBody.properties.requireMfa.description).toContain("multi-factor");
  });
});
