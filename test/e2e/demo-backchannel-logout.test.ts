// Back-channel logout end to end, with the demo app (demo/) as the app told: signed in in Chromium,
// its Fedgate session ended by an admin, Fedgate's logout queue posts a logout token to the demo's
// /backchannel-logout, which verifies it against Fedgate's JWKS and records the sid; the demo's
// signed-in page then clears its cookie and says "You were signed out".
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, openPage, signInFromApp } from "./browser";
import { freePort, startDemoApp, type DemoApp } from "./demo-app";
import { PROVIDERS, setUpSignIn, type SignInSetup } from "./signin-setup";

const brokerUrl = inject("brokerUrl");
const adminToken = inject("adminToken");
const emulatorOrigin = inject("emulatorOrigin");

let browser: Browser;
let setup: SignInSetup;
let demo: DemoApp;
let clientId: string;

/** An admin API call with the operator token. */
async function operator(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${brokerUrl}/admin/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  [browser, setup] = await Promise.all([launchBrowser(), setUpSignIn(brokerUrl, adminToken, inject("emulatorIssuers"))]);
  const port = await freePort();
  clientId = await setup.addClient([`http://127.0.0.1:${port}/callback`], [`http://127.0.0.1:${port}/`]);
  // As scripts/seed.mjs registers the demo client for `npm run dev`.
  const path = `/projects/${clientId.split(".")[0]}/clients/${clientId}`;
  const read = await operator("GET", path);
  const patched = await operator("PATCH", path, { backchannelLogoutUri: `http://127.0.0.1:${port}/backchannel-logout` }, { "If-Match": read.headers.get("ETag")! });
  if (patched.status !== 200) throw new Error(`registering the back-channel logout URI: ${patched.status} ${await patched.text()}`);
  demo = await startDemoApp({ issuer: brokerUrl, port, clientId });
});
afterAll(async () => {
  await Promise.all([browser?.close(), setup?.close(), demo?.stop()]);
});

describe("the demo app's back-channel logout", () => {
  it("refuses what is not a logout token from Fedgate with 400, no-store, whatever its origin", async () => {
    for (const body of ["logout_token=eyJhbGciOiJFUzI1NiJ9.eyJzaWQiOiJ4In0.c2ln", "nothing=here"]) {
      const response = await fetch(`${demo.url}/backchannel-logout`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
      expect(response.status, body).toBe(400);
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      expect(await response.json()).toMatchObject({ error: "invalid_request" });
    }
  });

  it("signs the person out of the demo when an admin ends their Fedgate session", async () => {
    const { context, page } = await openPage(browser);
    try {
      const { email, password } = PROVIDERS.okta;
      await signInFromApp(page, { appUrl: demo.url, projectName: setup.projectName, emulatorOrigin, email, password });
      await page.getByRole("heading", { level: 1, name: `Signed in as ${email}` }).waitFor();
      const idClaims = JSON.parse((await page.locator("#id-token-claims").textContent()) ?? "{}");
      expect(idClaims.sid).toMatch(/^ses_/);

      const ended = await operator("DELETE", `/projects/${clientId.split(".")[0]}/users/${idClaims.sub}/sessions/${idClaims.sid}`);
      expect(ended.status).toBe(204);

      // The logout queue delivers within its batch timeout (wrangler.toml: 1 s).
      await expect
        .poll(async () => {
          await page.goto(demo.url);
          return page.getByRole("status").filter({ hasText: "You were signed out" }).count();
        }, { timeout: 10_000, interval: 500 })
        .toBe(1);
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      // The cookie went with it: the next visit is an ordinary signed-out page.
      await page.goto(demo.url);
      await page.getByRole("heading", { level: 1, name: "Welcome" }).waitFor();
      expect(await page.getByRole("status").count()).toBe(0);
      await expect.poll(() => setup.auditActions(), { timeout: 5_000 }).toEqual(expect.arrayContaining(["session.end", "session.backchannel-logout"]));
    } finally {
      await context.close();
    }
  });
});
