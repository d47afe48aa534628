/**
 * The admin console's sign-in and session over HTTP: not configured, the authorization request it
 * makes of Fedgate itself (PKCE S256, state, nonce), the callback's checks, a full sign-in through the
 * Auth0 emulator, CSRF, and the idle and absolute timeouts (shortened through the settings).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { csrfOf, LOGIN_COOKIE, page, PEOPLE, post, SESSION_COOKIE, setCookie, setUpConsole, signInToConsole, type ConsoleSetup } from "../helpers/console";
import { call, ISSUER } from "../helpers/worker";

let setup: ConsoleSetup;
let other: { id: string; token: string };
beforeAll(async () => {
  other = await newProject("Somebody's project");
  setup = await setUpConsole({ alice: ["operator"] });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the console without its settings", () => {
  it("answers a page saying it is not set up, never a 500", async () => {
    for (const path of ["/console", "/console/login", "/console/projects", "/console/callback?code=x&state=y"]) {
      const response = await call(path, { redirect: "manual" });
      expect(response.status, path).toBe(503);
      expect(response.headers.get("Content-Type")).toContain("text/html");
      expect(await response.text()).toContain("The admin console is not set up");
    }
  });
});

describe("signing in through Fedgate itself", () => {
  it("starts authorization code + PKCE (S256) with state and nonce against its own issuer, in a sealed HttpOnly cookie", async () => {
    const response = await call("/console/login", { redirect: "manual", env: setup.env });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("Location")!, ISSUER);
    expect(location.pathname).toBe("/oauth2/authorize");
    const params = location.searchParams;
    expect(params.get("client_id")).toBe(setup.clientId);
    expect(params.get("redirect_uri")).toBe(`${ISSUER}/console/callback`);
    expect(params.get("response_type")).toBe("code");
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("scope")).toBe("openid email profile offline_access");
    const cookie = setCookie(response, LOGIN_COOKIE)!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    // The verifier travels sealed: neither it nor the state is readable in the cookie.
    expect(cookie).not.toContain(params.get("state")!);
  });

  it("refuses a callback whose state is not the one this browser started with", async () => {
    const login = await call("/console/login", { redirect: "manual", env: setup.env });
    const loginCookie = setCookie(login, LOGIN_COOKIE)!.split(";")[0]!;
    const response = await call("/console/callback?code=anything&state=not-the-state", { redirect: "manual", headers: { Cookie: loginCookie }, env: setup.env });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("not valid here or has expired");
    expect(setCookie(response, SESSION_COOKIE)).toBeUndefined();
    // No login cookie at all (another browser's callback): refused the same way.
    const state = new URL(login.headers.get("Location")!, ISSUER).searchParams.get("state")!;
    expect((await call(`/console/callback?code=x&state=${state}`, { redirect: "manual", env: setup.env })).status).toBe(400);
  });

  it("signs in through the emulator and keeps the session in an HttpOnly, Secure, SameSite=Lax __Host- cookie", async () => {
    const { cookie, response } = await signInToConsole(setup, PEOPLE.alice, "/console/projects");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/console/projects");
    const header = setCookie(response, SESSION_COOKIE)!;
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/Secure/i);
    expect(header).toMatch(/SameSite=Lax/i);
    expect(header).toMatch(/Path=\//);
    const projects = await page(setup, cookie, "/console/projects");
    expect(projects.status).toBe(200);
    expect(projects.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    const html = await projects.text();
    expect(html).toContain("Signed in as alice@auth0.example");
    expect(html).toContain("Create a project"); // the operator's form
    // The operator administers every project.
    expect((await page(setup, cookie, `/console/projects/${other.id}/clients`)).status).toBe(200);
  });

  it("sends a visitor without a session to sign in and back", async () => {
    const response = await call("/console/projects/prj_aaaaaaaaaaaaaaaa/clients", { redirect: "manual", env: setup.env });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe(`/console/login?return=${encodeURIComponent("/console/projects/prj_aaaaaaaaaaaaaaaa/clients")}`);
  });
});

describe("CSRF", () => {
  it("refuses a form post without the session's token, or from another site, and changes nothing", async () => {
    const { cookie } = await signInToConsole(setup, PEOPLE.alice);
    const csrf = csrfOf(await (await page(setup, cookie, "/console/projects")).text());
    const name = `csrf-probe-${Date.now()}`;
    expect((await post(setup, cookie, "/console/projects", { name })).status).toBe(403);
    expect((await post(setup, cookie, "/console/projects", { name, csrf: "x".repeat(43) })).status).toBe(403);
    expect((await post(setup, cookie, "/console/projects", { name, csrf }, { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    expect((await post(setup, cookie, "/console/projects", { name, csrf }, { "Sec-Fetch-Site": "", Origin: "https://evil.example" })).status).toBe(403);
    expect(await (await page(setup, cookie, "/console/projects")).text()).not.toContain(name);
    // Sign-out is a form post too.
    expect((await post(setup, cookie, "/console/logout", {})).status).toBe(403);
    const accepted = await post(setup, cookie, "/console/projects", { name, csrf });
    expect(accepted.status).toBe(201);
  });

  it("signs out with the token: the session is gone and its Fedgate tokens revoked", async () => {
    const { cookie } = await signInToConsole(setup, PEOPLE.alice);
    const csrf = csrfOf(await (await page(setup, cookie, "/console/projects")).text());
    const out = await post(setup, cookie, "/console/logout", { csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get("Location")).toBe("/console/signed-out");
    expect((await page(setup, cookie, "/console/projects")).status).toBe(303);
    const log = await api(setup.project.token, "GET", `/projects/${setup.project.id}/audit?limit=100`);
    const revoked = log.body.items
      .filter((event: { action: string; outcome: string; actor: { clientId?: string } }) => event.action === "token.revoke" && event.outcome === "success" && event.actor.clientId === setup.clientId)
      .map((event: { target: { type: string } }) => event.target.type);
    expect(revoked).toEqual(expect.arrayContaining(["refresh-family", "access-token"]));
  });
});

describe("session timeouts", () => {
  it("ends a session unused for the idle timeout", async () => {
    const idle = { env: { ...setup.env, CONSOLE_SESSION_IDLE_SECONDS: "1" } };
    const { cookie } = await signInToConsole(idle, PEOPLE.alice);
    expect((await page(idle, cookie, "/console/projects")).status).toBe(200);
    await sleep(1_200);
    const response = await page(idle, cookie, "/console/projects");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toMatch(/^\/console\/login/);
  });

  it("ends a busy session at the absolute timeout, and a form posted then is not acted on", async () => {
    const short = { env: { ...setup.env, CONSOLE_SESSION_MAX_SECONDS: "3" } };
    const { cookie } = await signInToConsole(short, PEOPLE.alice);
    const started = Date.now();
    const csrf = csrfOf(await (await page(short, cookie, "/console/projects")).text());
    while (Date.now() - started < 2_000) {
      expect((await page(short, cookie, "/console/projects")).status).toBe(200);
      await sleep(400);
    }
    await sleep(started + 3_300 - Date.now());
    expect((await page(short, cookie, "/console/projects")).status).toBe(303);
    const late = await post(short, cookie, "/console/projects", { name: "too late", csrf });
    expect(late.status).toBe(401);
    expect(await late.text()).toContain("Your session has ended");
  });
});
