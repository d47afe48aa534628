// Federated sign-in end to end, in Debian's Chromium: an app sends the browser to Fedgate's
// /oauth2/authorize; the person types their email on Fedgate's sign-in page, is sent to the emulated
// provider their domain maps to, signs in on its form, and comes back to the app with `code`,
// `state` and `iss` (RFC 9207, AS-5). The app redeems the code with its PKCE verifier, and the tokens
// verify against Fedgate's JWKS. Once per emulated provider, then login_hint and an unmapped domain.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, openPage, type WatchedPage } from "./browser";
import { authorizationRequest, PROVIDERS, redeem, setUpSignIn, type Kind, type SignInSetup } from "./signin-setup";

const brokerUrl = inject("brokerUrl");
const emulatorOrigin = inject("emulatorOrigin");
const ARTIFACTS = join(import.meta.dirname, ".artifacts");
const jwks = createRemoteJWKSet(new URL(`${brokerUrl}/.well-known/jwks.json`));

let browser: Browser;
let setup: SignInSetup;
beforeAll(async () => {
  [browser, setup] = await Promise.all([
    launchBrowser(),
    setUpSignIn(brokerUrl, inject("adminToken"), inject("emulatorIssuers")),
  ]);
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await Promise.all([browser?.close(), setup?.close()]);
});

/** Problems on Fedgate's own pages and requests (the emulators' pages are not under test here). */
const brokerProblems = (watched: WatchedPage) => watched.problems.filter((problem) => problem.includes(brokerUrl));

/** Signs in on the emulator's form and waits for the browser to land on the app's redirect URI. */
async function signInUpstream(page: Page, kind: Kind): Promise<URL> {
  await page.waitForURL((url) => url.origin === emulatorOrigin);
  await page.locator("#email").fill(PROVIDERS[kind].email);
  await page.locator("#password").fill(PROVIDERS[kind].password);
  await Promise.all([page.waitForURL((url) => url.href.startsWith(`${setup.redirectUri}?`)), page.locator('button[type="submit"]').click()]);
  return new URL(page.url());
}

/** The authorization response carries code, state unchanged and Fedgate's issuer (AS-5). */
function expectAuthorizationResponse(landed: URL, state: string): string {
  expect(landed.searchParams.get("error"), landed.searchParams.get("error_description") ?? "").toBeNull();
  expect(landed.searchParams.get("state")).toBe(state);
  expect(landed.searchParams.get("iss")).toBe(brokerUrl);
  const code = landed.searchParams.get("code");
  expect(code).toBeTruthy();
  return code!;
}

/** Redeems the code and verifies both tokens against Fedgate's JWKS. */
async function expectValidTokens(code: string, request: { verifier: string; nonce: string }, kind: Kind) {
  const tokens = await redeem(brokerUrl, setup, code, request.verifier);
  expect(tokens.token_type).toBe("Bearer");
  expect(tokens.refresh_token, "offline_access grants a refresh token").toBeTruthy();

  const { payload: access, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: brokerUrl, audience: setup.clientId, typ: "at+jwt" });
  expect(protectedHeader.alg).toBe("ES256");
  expect(access).toMatchObject({ client_id: setup.clientId, email: PROVIDERS[kind].email, idp: kind });
  expect(String(access.scope).split(" ").sort()).toEqual(["email", "offline_access", "openid", "profile"]);

  const { payload: id } = await jwtVerify(tokens.id_token, jwks, { issuer: brokerUrl, audience: setup.clientId });
  expect(id).toMatchObject({ nonce: request.nonce, email: PROVIDERS[kind].email, email_verified: true, sub: access.sub });
  expect(id.at_hash).toBeTruthy();
}

describe("sign-in through Fedgate's page and an emulated provider, in Chromium", () => {
  it.each(Object.keys(PROVIDERS) as Kind[])("%s: email on Fedgate's page, password at the provider, back with a code that redeems for valid tokens", async (kind) => {
    const watched = await openPage(browser);
    const { page } = watched;
    try {
      const request = authorizationRequest(brokerUrl, setup);
      const response = await page.goto(request.url);
      expect(response?.status()).toBe(200);
      // Chromium applies form-action to the 303 after the form post: the providers' origin must be allowed.
      expect(response?.headers()["content-security-policy"]).toMatch(new RegExp(`form-action 'self'[^;]* ${emulatorOrigin.replace(/\W/g, "\\$&")}`));
      await expect.poll(() => page.title()).toBe(`Sign in to ${setup.projectName}`);
      await page.getByRole("heading", { level: 1, name: `Sign in to ${setup.projectName}` }).waitFor();
      if (kind === "auth0") await page.screenshot({ path: join(ARTIFACTS, "signin.png") });

      await page.getByLabel("Email address").fill(PROVIDERS[kind].email);
      await page.getByRole("button", { name: "Continue" }).click();
      const landed = await signInUpstream(page, kind);

      await expectValidTokens(expectAuthorizationResponse(landed, request.state), request, kind);
      expect(brokerProblems(watched)).toEqual([]);
    } finally {
      await watched.context.close();
    }
  });

  it("login_hint skips Fedgate's page: straight to the provider of the hinted email's domain", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    try {
      const request = authorizationRequest(brokerUrl, setup, { login_hint: PROVIDERS.okta.email });
      const seen: string[] = [];
      page.on("framenavigated", (frame) => frame === page.mainFrame() && seen.push(new URL(frame.url()).origin + new URL(frame.url()).pathname));
      await page.goto(request.url);
      await page.waitForURL((url) => url.origin === emulatorOrigin);
      expect(seen.filter((url) => url.startsWith(brokerUrl)), "no Fedgate page was shown").toEqual([]);
      expect(await page.locator("#email").inputValue(), "the hint travels upstream").toBe(PROVIDERS.okta.email);

      const landed = await signInUpstream(page, "okta");
      await expectValidTokens(expectAuthorizationResponse(landed, request.state), request, "okta");
      expect(brokerProblems(watched)).toEqual([]);
    } finally {
      await watched.context.close();
    }
  });

  it("an email whose domain has no mapping gets a clear message on the sign-in page (role=alert), and nothing leaves Fedgate", async () => {
    const watched = await openPage(browser);
    const { page } = watched;
    try {
      await page.goto(authorizationRequest(brokerUrl, setup).url);
      await page.getByLabel("Email address").fill("kim@unmapped.example");
      await page.getByRole("button", { name: "Continue" }).click();

      const alert = page.getByRole("alert");
      await alert.waitFor();
      expect(new URL(page.url()).origin).toBe(brokerUrl);
      expect(await alert.textContent()).toMatch(/No sign-in is set up for unmapped\.example/);
      const field = page.getByLabel("Email address");
      expect(await field.inputValue(), "what the person typed stays in the field").toBe("kim@unmapped.example");
      expect(await field.getAttribute("aria-invalid")).toBe("true");
      expect(await field.getAttribute("aria-describedby")).toBe(await alert.getAttribute("id"));
      await page.screenshot({ path: join(ARTIFACTS, "signin-unmapped.png") });
      // The form's answer may be a 400 (the page with the message); nothing else on Fedgate's side failed.
      expect(brokerProblems(watched).filter((problem) => problem !== `HTTP 400: POST ${brokerUrl}/auth/signin`)).toEqual([]);
    } finally {
      await watched.context.close();
    }
  });
});
