// The demo app of `npm run dev` (demo/), driven in Chromium against the e2e broker and emulators:
// "Sign in" → Fedgate's page → the emulated provider → back to a signed-in page showing the token
// claims; "Refresh tokens" rotates them; "Sign out" goes through Fedgate's end_session_endpoint and
// back. It is the integration example in the README, so it must keep working.
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, openPage, signInFromApp } from "./browser";
import { freePort, startDemoApp, type DemoApp } from "./demo-app";
import { PROVIDERS, setUpSignIn, type SignInSetup } from "./signin-setup";

const brokerUrl = inject("brokerUrl");
const emulatorOrigin = inject("emulatorOrigin");
const ARTIFACTS = join(import.meta.dirname, ".artifacts");

let browser: Browser;
let setup: SignInSetup;
let demo: DemoApp;
beforeAll(async () => {
  [browser, setup] = await Promise.all([launchBrowser(), setUpSignIn(brokerUrl, inject("adminToken"), inject("emulatorIssuers"))]);
  const port = await freePort();
  const clientId = await setup.addClient([`http://127.0.0.1:${port}/callback`], [`http://127.0.0.1:${port}/`]);
  demo = await startDemoApp({ issuer: brokerUrl, port, clientId });
});
afterAll(async () => {
  await Promise.all([browser?.close(), setup?.close(), demo?.stop()]);
});

describe("the demo app", () => {
  it("signs in through Fedgate and an emulated provider, shows the claims, refreshes, revokes and signs out (openid-client, no special cases)", async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      const { email, password } = PROVIDERS.cognito;
      await signInFromApp(page, { appUrl: demo.url, projectName: setup.projectName, emulatorOrigin, email, password });

      await page.getByRole("heading", { level: 1, name: `Signed in as ${email}` }).waitFor();
      expect(page.url()).toBe(`${demo.url}/`);
      const idClaims = JSON.parse((await page.locator("#id-token-claims").textContent()) ?? "{}");
      const accessClaims = JSON.parse((await page.locator("#access-token-claims").textContent()) ?? "{}");
      expect(idClaims).toMatchObject({ iss: brokerUrl, email });
      expect(accessClaims, "the access token verified against Fedgate's JWKS").toMatchObject({ iss: brokerUrl, email, idp: "cognito" });
      expect(accessClaims.invalid).toBeUndefined();
      await page.screenshot({ path: join(ARTIFACTS, "demo-signed-in.png"), fullPage: true });

      await page.getByRole("button", { name: "Refresh tokens" }).click();
      await page.getByRole("status").filter({ hasText: "Tokens refreshed" }).waitFor();
      const refreshed = JSON.parse((await page.locator("#access-token-claims").textContent()) ?? "{}");
      expect(refreshed.jti).not.toBe(accessClaims.jti);
      expect(refreshed.sub).toBe(accessClaims.sub);

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("heading", { level: 1, name: "Welcome" }).waitFor();
      expect(page.url()).toBe(`${demo.url}/`);
      // openid-client revoked the refresh token and ended the session: both on the record.
      await expect.poll(() => setup.auditActions(), { timeout: 5_000 }).toEqual(expect.arrayContaining(["token.revoke", "session.logout"]));
      expect(problems.filter((problem) => problem.includes(brokerUrl) || problem.includes(demo.url))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
