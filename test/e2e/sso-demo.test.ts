// Single sign-on in Chromium: two copies of the demo app (demo/), each a client of the same project,
// against the e2e broker and emulators. Signing in to the first goes through Fedgate's page and the
// emulated provider; the second app's "Sign in" comes straight back signed in, from Fedgate's broker
// session, without the provider. Signing out of one (RP-initiated logout) ends the session: the next
// sign-in at the other asks again.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, openPage, signInFromApp } from "./browser";
import { freePort, startDemoApp, type DemoApp } from "./demo-app";
import { PROVIDERS, setUpSignIn, type SignInSetup } from "./signin-setup";

const brokerUrl = inject("brokerUrl");
const emulatorOrigin = inject("emulatorOrigin");

let browser: Browser;
let setup: SignInSetup;
let apps: DemoApp[] = [];
beforeAll(async () => {
  [browser, setup] = await Promise.all([launchBrowser(), setUpSignIn(brokerUrl, inject("adminToken"), inject("emulatorIssuers"))]);
  // Cookies are per host, not per port: the second app is "localhost", so the two keep their own sessions.
  apps = await Promise.all((["127.0.0.1", "localhost"] as const).map(async (host) => {
    const port = await freePort();
    const clientId = await setup.addClient([`http://${host}:${port}/callback`], [`http://${host}:${port}/`]);
    return startDemoApp({ issuer: brokerUrl, port, clientId, host });
  }));
});
afterAll(async () => {
  await Promise.all([browser?.close(), setup?.close(), ...apps.map((app) => app.stop())]);
});

const idClaims = async (page: Page) => JSON.parse((await page.locator("#id-token-claims").textContent()) ?? "{}") as Record<string, unknown>;

describe("single sign-on across two apps", () => {
  it("signs the second app in from Fedgate's session without the provider, and signing out of one ends it for both", async () => {
    const { context, page, problems } = await openPage(browser);
    const atProvider: string[] = [];
    page.on("request", (request) => {
      if (request.url().startsWith(emulatorOrigin) && request.isNavigationRequest()) atProvider.push(request.url());
    });
    try {
      const [first, second] = apps as [DemoApp, DemoApp];
      const { email, password } = PROVIDERS.okta;
      await signInFromApp(page, { appUrl: first.url, projectName: setup.projectName, emulatorOrigin, email, password });
      await page.getByRole("heading", { level: 1, name: `Signed in as ${email}` }).waitFor();
      const firstClaims = await idClaims(page);
      expect(atProvider).toHaveLength(2); // the provider's form, and its submission

      await page.goto(second.url);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { level: 1, name: `Signed in as ${email}` }).waitFor();
      expect(page.url()).toBe(`${second.url}/`);
      const secondClaims = await idClaims(page);
      expect(atProvider, "the second sign-in never reached the provider").toHaveLength(2);
      expect(secondClaims).toMatchObject({ sub: firstClaims.sub, sid: firstClaims.sid, auth_time: firstClaims.auth_time });
      expect(secondClaims.aud).not.toEqual(firstClaims.aud);

      // Sign out of the first app: Fedgate ends the session for both.
      await page.goto(first.url);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("heading", { level: 1, name: "Welcome" }).waitFor();
      // The second app keeps its own cookie session until it is told (back-channel logout) or signs out;
      // signing in there again now needs the person.
      await page.context().clearCookies({ domain: "localhost" });
      await page.goto(second.url);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { level: 1, name: `Sign in to ${setup.projectName}` }).waitFor();
      expect(problems.filter((problem) => problem.includes(brokerUrl))).toEqual([]);
      await expect.poll(() => setup.auditActions(), { timeout: 5_000 }).toEqual(expect.arrayContaining(["session.end", "session.logout"]));
    } finally {
      await context.close();
    }
  }, 60_000); // two apps' and the broker's first requests, two sign-ins and a sign-out in one browser
});
