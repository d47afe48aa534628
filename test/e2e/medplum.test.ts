// MedplumClient (@medplum/core), unmodified, against the running broker (issue 10 item 8): in Node,
// client credentials (secret in the body and in a Basic header), a client assertion, and a token
// exchange by a public client followed by refreshIfExpired and signOut, startJwtBearerLogin with
// upstream JWTs as RFC 7523 assertions (issue 15); in Chromium, a page served
// from a registered origin signs in with signInWithRedirect → Fedgate → an emulated IdP → back,
// then refreshes and signs out, all cross-origin with `credentials: "include"`.
//
// What MedplumClient does about its FHIR profile: it calls `auth/me` only for Medplum's own access
// tokens (a `login_id` claim, isMedplumAccessToken); Fedgate's have none, so it makes no profile
// request and every login method resolves to `undefined` (getProfile() too). The tests assert that.
import { createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { MedplumClient, type MedplumClientOptions } from "@medplum/core";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { upstreamTokens } from "../../scripts/upstream-token.mjs";
import { adminApi, migratingProject } from "./admin";
import { launchBrowser, openPage, signInFromApp } from "./browser";
import { PROVIDERS, setUpSignIn, type SignInSetup } from "./signin-setup";
import { browserBundle, startSpa, type Spa } from "./spa";

const brokerUrl = inject("brokerUrl");
const adminToken = inject("adminToken");
const emulatorOrigin = inject("emulatorOrigin");
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const admin = adminApi(brokerUrl);
const jwks = createRemoteJWKSet(new URL(`${brokerUrl}/.well-known/jwks.json`));

/** Fedgate's endpoints, as a MedplumClient user configures them. */
const ENDPOINTS = {
  baseUrl: brokerUrl,
  authorizeUrl: `${brokerUrl}/oauth2/authorize`,
  tokenUrl: `${brokerUrl}/oauth2/token`,
  logoutUrl: `${brokerUrl}/oauth2/logout`,
};

interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: URLSearchParams;
  /** The answer's JSON (MedplumClient reports only "Failed to fetch tokens"; the answer says why). */
  answer: Promise<unknown>;
}

/** A MedplumClient whose `fetch` records what it sends (and then sends it). */
function medplumClient(options: Partial<MedplumClientOptions> = {}) {
  const calls: Call[] = [];
  const medplum = new MedplumClient({
    ...ENDPOINTS,
    ...options,
    fetch: (url: string, init: RequestInit) => {
      const sent = fetch(url, init);
      calls.push({
        method: init.method ?? "GET", path: new URL(url).pathname, headers: { ...(init.headers as Record<string, string>) },
        body: new URLSearchParams(typeof init.body === "string" ? init.body : ""),
        answer: sent.then((response) => response.clone().json()).catch(() => undefined),
      });
      return sent;
    },
  });
  return { medplum, calls };
}

const post = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${brokerUrl}${path}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(params) });

let project: { id: string; token: string };
const newClient = async (body: Record<string, unknown>) => {
  const created = await admin(project.token, "POST", `/projects/${project.id}/clients`, body);
  expect(created.status).toBe(201);
  return { id: created.body.client.id as string, secret: created.body.clientSecret as string | undefined };
};
const machine = (extra: Record<string, unknown> = {}) =>
  newClient({ name: "medplum bot", kind: "confidential", grantTypes: ["client_credentials"], scopes: ["read"], ...extra });

beforeAll(async () => {
  project = await migratingProject(brokerUrl, adminToken, emulatorOrigin, "e2e medplum", { tokenExchange: { allowPublicClients: true } });
});

describe("MedplumClient in Node", () => {
  it("startClientLogin with the secret in the body: a Fedgate token, no profile request, and signOut revokes it", async () => {
    const bot = await machine();
    const { medplum, calls } = medplumClient();
    expect(await medplum.startClientLogin(bot.id, bot.secret!)).toBeUndefined();
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual(["POST /oauth2/token"]);
    expect(Object.fromEntries(calls[0]!.body)).toEqual({ grant_type: "client_credentials", client_id: bot.id, client_secret: bot.secret });
    expect(calls[0]!.headers["Authorization"]).toBeUndefined();
    const token = medplum.getAccessToken()!;
    const { payload } = await jwtVerify(token, jwks, { issuer: brokerUrl, audience: bot.id, typ: "at+jwt" });
    expect(payload).toMatchObject({ sub: bot.id, client_id: bot.id, gty: "client_credentials", scope: "read" });
    expect(medplum.isAuthenticated()).toBe(true);

    // The FHIR profile: none, and no request for one (auth/me is only asked about Medplum's own tokens).
    expect(medplum.getProfile()).toBeUndefined();
    expect(await medplum.getProfileAsync()).toBeUndefined();
    expect(medplum.getActiveLogin()).toEqual({ accessToken: token }); // no refresh token, project or profile
    expect(calls).toHaveLength(1);
    // A FHIR call goes to <baseUrl>/fhir/R4, which Fedgate does not serve: its 404 problem document
    // becomes the message of the OperationOutcomeError MedplumClient throws.
    await expect(medplum.readResource("Patient", "123")).rejects.toThrow(/"status":404,"detail":"No endpoint GET \/fhir\/R4\/Patient\/123"/);
    expect(calls.at(-1)).toMatchObject({ method: "GET", path: "/fhir/R4/Patient/123" });

    await medplum.signOut();
    expect(calls.at(-1)).toMatchObject({ method: "POST", path: "/oauth2/logout", headers: { Authorization: `Bearer ${token}`, "X-Medplum": "extended" } });
    expect(medplum.getAccessToken()).toBeUndefined();
    const introspection = await post("/oauth2/introspect", { token }, { Authorization: `Basic ${btoa(`${bot.id}:${bot.secret}`)}` });
    expect(await introspection.json()).toEqual({ active: false });
  });

  it("startClientLogin with authCredentialsMethod 'header': client_secret_basic", async () => {
    const bot = await machine();
    const { medplum, calls } = medplumClient({ authCredentialsMethod: "header" });
    expect(await medplum.startClientLogin(bot.id, bot.secret!)).toBeUndefined();
    expect(Object.fromEntries(calls[0]!.body)).toEqual({ grant_type: "client_credentials" });
    expect(calls[0]!.headers["Authorization"]).toBe(`Basic ${btoa(`${bot.id}:${bot.secret}`)}`);
    expect(decodeJwt(medplum.getAccessToken()!)).toMatchObject({ sub: bot.id, gty: "client_credentials" });
  });

  it("startJwtAssertionLogin: private_key_jwt, the client named by the assertion alone", async () => {
    const pair = await generateKeyPair("ES256");
    const bot = await machine({ jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), alg: "ES256" }] } });
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256" }).setIssuer(bot.id).setSubject(bot.id).setAudience(ENDPOINTS.tokenUrl)
      .setIssuedAt().setExpirationTime("2m").setJti(crypto.randomUUID()).sign(pair.privateKey);
    const { medplum, calls } = medplumClient({ clientId: bot.id });
    expect(await medplum.startJwtAssertionLogin(assertion)).toBeUndefined();
    expect([...calls[0]!.body.keys()].sort()).toEqual(["client_assertion", "client_assertion_type", "grant_type"]);
    expect(decodeJwt(medplum.getAccessToken()!)).toMatchObject({ sub: bot.id, client_id: bot.id, scope: "read" });
  });

  it("exchangeExternalAccessToken with a public client, then refreshIfExpired and signOut (the family ends)", async () => {
    const app = await newClient({
      name: "medplum spa (exchange)", kind: "public", redirectUris: [], grantTypes: [EXCHANGE, "refresh_token"], scopes: ["openid", "email", "offline_access"],
    });
    const upstream = await upstreamTokens(emulatorOrigin, "okta");
    const { medplum, calls } = medplumClient({ clientId: app.id });
    expect(await medplum.exchangeExternalAccessToken(upstream.access_token)).toBeUndefined();
    expect(Object.fromEntries(calls[0]!.body)).toEqual({
      grant_type: EXCHANGE, subject_token_type: "urn:ietf:params:oauth:token-type:access_token", client_id: app.id, subject_token: upstream.access_token,
    });
    const first = medplum.getActiveLogin()!;
    expect(first.refreshToken).toBeTruthy();
    const { payload } = await jwtVerify(first.accessToken, jwks, { issuer: brokerUrl, audience: app.id, typ: "at+jwt" });
    expect(payload).toMatchObject({ idp: "okta", email: "olivia@okta.example", client_id: app.id, scope: "openid email offline_access" });

    // Within a grace period longer than the token's life, it counts as expiring: MedplumClient refreshes.
    await medplum.refreshIfExpired(2 * 3600 * 1000);
    expect(Object.fromEntries(calls[1]!.body)).toEqual({ grant_type: "refresh_token", client_id: app.id, refresh_token: first.refreshToken });
    const second = medplum.getActiveLogin()!;
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);

    await medplum.signOut();
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual(["POST /oauth2/token", "POST /oauth2/token", "POST /oauth2/logout"]);
    expect(medplum.getActiveLogin()).toBeUndefined();
    const refused = await post("/oauth2/token", { grant_type: "refresh_token", refresh_token: second.refreshToken!, client_id: app.id });
    expect(await refused.json()).toMatchObject({ error: "invalid_grant" });
    const userinfo = await fetch(`${brokerUrl}/oauth2/userinfo`, { headers: { Authorization: `Bearer ${second.accessToken}` } });
    expect(userinfo.status).toBe(401);
  });

  it("startJwtBearerLogin (RFC 7523) with an Okta access token and ID token: only grant_type, client_id, assertion and scope; the same user as token exchange; an ID token once", async () => {
    const app = (await newClient({
      name: "medplum spa (jwt bearer)", kind: "public", redirectUris: [], grantTypes: [JWT_BEARER, EXCHANGE], scopes: ["openid", "email"],
    })).id;
    const upstream = await upstreamTokens(emulatorOrigin, "okta");
    const { medplum, calls } = medplumClient();
    expect(await medplum.startJwtBearerLogin(app, upstream.access_token, "openid email")).toBeUndefined();
    expect(Object.fromEntries(calls[0]!.body)).toEqual({ grant_type: JWT_BEARER, client_id: app, assertion: upstream.access_token, scope: "openid email" });
    const { payload } = await jwtVerify(medplum.getAccessToken()!, jwks, { issuer: brokerUrl, audience: app, typ: "at+jwt" });
    expect(payload).toMatchObject({ idp: "okta", email: "olivia@okta.example", client_id: app, scope: "openid email" });

    const byId = medplumClient();
    await byId.medplum.startJwtBearerLogin(app, upstream.id_token!, "openid");
    expect((await jwtVerify(byId.medplum.getAccessToken()!, jwks, { issuer: brokerUrl, audience: app })).payload.sub).toBe(payload.sub);
    // MedplumClient says only "Failed to fetch tokens"; the answer says why.
    const replay = medplumClient();
    await expect(replay.medplum.startJwtBearerLogin(app, upstream.id_token!, "openid")).rejects.toThrow();
    expect(await replay.calls[0]!.answer).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/already used/) });

    const exchanged = medplumClient({ clientId: app });
    await exchanged.medplum.exchangeExternalAccessToken((await upstreamTokens(emulatorOrigin, "okta")).access_token);
    expect((await jwtVerify(exchanged.medplum.getAccessToken()!, jwks, { issuer: brokerUrl, audience: app })).payload.sub).toBe(payload.sub);
  });
});

/** The SPA's page: MedplumClient configured for Fedgate, a Sign in button, and the redirect handled on return. */
const medplumPage = (clientId: () => string) => (origin: string) => `<!doctype html>
<html lang="en"><title>Medplum SPA</title><link rel="icon" href="data:,">
<script src="/medplum-core.js"></script>
<h1>Medplum SPA at ${origin}</h1>
<button type="button" id="sign-in">Sign in</button>
<p id="status" role="status"></p>
<script>
  window.medplum = new MedplumCore.MedplumClient({
    baseUrl: ${JSON.stringify(ENDPOINTS.baseUrl)},
    authorizeUrl: ${JSON.stringify(ENDPOINTS.authorizeUrl)},
    tokenUrl: ${JSON.stringify(ENDPOINTS.tokenUrl)},
    logoutUrl: ${JSON.stringify(ENDPOINTS.logoutUrl)},
    clientId: ${JSON.stringify(clientId())},
    fetch: window.fetch.bind(window),
  });
  const status = document.getElementById("status");
  document.getElementById("sign-in").onclick = () => medplum.signInWithRedirect({ scope: "openid email profile offline_access" });
  if (new URLSearchParams(location.search).has("code")) {
    medplum.signInWithRedirect().then(
      (profile) => { status.textContent = "Signed in, profile: " + JSON.stringify(profile ?? null); },
      (error) => { status.textContent = "Sign-in failed: " + error.message; },
    );
  }
</script>
</html>`;

describe("MedplumClient in Chromium", () => {
  let browser: Browser;
  let setup: SignInSetup;
  let spa: Spa;
  let stranger: Spa;
  let clientId = "";

  beforeAll(async () => {
    const bundle = await browserBundle('export { MedplumClient } from "@medplum/core";', "MedplumCore");
    const scripts = { "/medplum-core.js": bundle };
    [browser, setup, spa, stranger] = await Promise.all([
      launchBrowser(),
      setUpSignIn(brokerUrl, adminToken, inject("emulatorIssuers")),
      startSpa({ html: medplumPage(() => clientId), scripts }),
      startSpa({ html: medplumPage(() => clientId), scripts }),
    ]);
    // MedplumClient's default redirect URI is the page's origin and a slash; the allowed origin follows from it.
    clientId = await setup.addClient([`${spa.origin}/`]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), setup?.close(), spa?.stop(), stranger?.stop()]);
  });

  it("signInWithRedirect → Fedgate → emulated IdP → processCode, refreshIfExpired, signOut, cross-origin with credentials", async () => {
    const { context, page, problems } = await openPage(browser);
    const requested: string[] = [];
    page.on("request", (request) => requested.push(`${request.method()} ${request.url()}`));
    try {
      const { email, password } = PROVIDERS.okta;
      await signInFromApp(page, { appUrl: spa.origin, projectName: setup.projectName, emulatorOrigin, email, password });

      await page.getByRole("status").filter({ hasText: "Signed in, profile: null" }).waitFor();
      const login = await page.evaluate(() => (window as any).medplum.getActiveLogin());
      expect(decodeJwt(login.accessToken)).toMatchObject({ iss: brokerUrl, client_id: clientId, email, idp: "okta" });
      expect(login.refreshToken).toBeTruthy();
      expect(await page.evaluate(() => [(window as any).medplum.isAuthenticated(), (window as any).medplum.getProfile() ?? null])).toEqual([true, null]);

      const refreshed = await page.evaluate(async () => {
        await (window as any).medplum.refreshIfExpired(2 * 3600 * 1000);
        return (window as any).medplum.getActiveLogin();
      });
      expect(refreshed.accessToken).not.toBe(login.accessToken);
      expect(refreshed.refreshToken).not.toBe(login.refreshToken);

      await page.evaluate(() => (window as any).medplum.signOut());
      expect(await page.evaluate(() => [(window as any).medplum.getAccessToken() ?? null, localStorage.length])).toEqual([null, 0]);
      const refused = await post("/oauth2/token", { grant_type: "refresh_token", refresh_token: refreshed.refreshToken, client_id: clientId });
      expect(await refused.json()).toMatchObject({ error: "invalid_grant" });
      await expect.poll(() => setup.auditActions(), { timeout: 5_000 }).toEqual(expect.arrayContaining(["session.logout"]));

      const fromPage = requested.filter((line) => line.includes(brokerUrl) && !line.includes("/auth/") && !line.includes("/assets/"));
      expect(fromPage.map((line) => line.replace(/\?.*/, ""))).toEqual([
        `GET ${brokerUrl}/oauth2/authorize`, `POST ${brokerUrl}/oauth2/token`, `POST ${brokerUrl}/oauth2/token`, `POST ${brokerUrl}/oauth2/logout`,
      ]);
      expect(requested.filter((line) => /auth\/me|\/fhir\//.test(line))).toEqual([]);
      expect(problems.filter((problem) => problem.includes(brokerUrl) || problem.includes(spa.origin))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("AS-14: the browser reads token responses from the registered origin only", async () => {
    const { context, page } = await openPage(browser);
    const tokenCall = (id: string) =>
      page.evaluate(async ({ url, id }) => {
        try {
          const response = await fetch(url, {
            method: "POST", credentials: "include", headers: { "Content-Type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "not-a-token", client_id: id }),
          });
          return `${response.status} ${((await response.json()) as { error: string }).error}`;
        } catch (error) {
          return `blocked: ${(error as Error).message}`;
        }
      }, { url: ENDPOINTS.tokenUrl, id });
    try {
      await page.goto(spa.origin);
      expect(await tokenCall(clientId)).toBe("400 invalid_grant");
      await page.goto(stranger.origin);
      expect(await tokenCall(clientId)).toBe("blocked: Failed to fetch");
    } finally {
      await context.close();
    }
  });
});
