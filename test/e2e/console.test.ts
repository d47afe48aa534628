// The admin console end to end in Debian's Chromium: sign in through the emulated Auth0 as the
// operator, open a project's client applications, and create a client with the keyboard alone (Tab,
// typing, Enter), seeing its secret once. The console's settings (CONSOLE_PROJECT_ID,
// CONSOLE_CLIENT_ID) name records that exist only once seeded, so this file runs its own broker
// twice on one port and one persisted store, as `npm run dev` does on its first run: once to seed
// through the admin API, then with the settings.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { unstable_startWorker } from "wrangler";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import clients from "../../idp-fixtures/clients.json" with { type: "json" };
import users from "../../idp-fixtures/users.json" with { type: "json" };
import { testVars } from "../../vitest.config";
import { ensureAssets } from "../../scripts/copy-assets.mjs";
import { freePort } from "./broker";
import { launchBrowser, openPage } from "./browser";

const ROOT = join(import.meta.dirname, "../..");
const emulatorOrigin = inject("emulatorOrigin");
const auth0Issuer = inject("emulatorIssuers").auth0;
const alice = users.auth0.find((user) => user.email === "alice@auth0.example")!;
const upstream = clients.auth0.find((client) => client.allowLoopbackRedirects && client.clientSecret)!;

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;
let browser: Browser;
let worker: Worker | undefined;
let url: string;
let tenantId: string;
const state = mkdtempSync(join(tmpdir(), "fedgate-console-e2e-"));

/** The broker on `port` over the persisted store in `state`, with `vars` besides the test ones. */
async function startBroker(port: number, vars: Record<string, string>): Promise<Worker> {
  const bindings = Object.fromEntries(Object.entries({ ...testVars, ISSUER: url, ...vars }).map(([name, value]) => [name, { type: "plain_text" as const, value }]));
  const started = await unstable_startWorker({
    config: join(ROOT, "wrangler.toml"),
    envFiles: [join(ROOT, ".wrangler/e2e-no-env-file")],
    bindings,
    dev: { server: { hostname: "127.0.0.1", port }, inspector: false, persist: state, watch: false } as never,
  });
  await started.ready;
  return started;
}

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}/admin/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${testVars.ADMIN_BOOTSTRAP_TOKEN}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await response.json()) as Record<string, any>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

beforeAll(async () => {
  process.env.WRANGLER_LOG ??= "warn";
  process.env.WRANGLER_SEND_METRICS ??= "false";
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  ensureAssets();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  browser = await launchBrowser();

  // First run: seed the operator project, its provider, the console client and Alice the operator.
  worker = await startBroker(port, {});
  const operators = (await admin("POST", "/projects", { name: "Operators" })).project.id as string;
  await admin("POST", `/projects/${operators}/providers`, {
    id: "auth0", name: "Auth0", kind: "auth0", issuer: auth0Issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, linkBy: "subject", createUsers: false,
  });
  const consoleClient = await admin("POST", `/projects/${operators}/clients`, {
    name: "Fedgate console", kind: "public", redirectUris: [`${url}/console/callback`], providerId: "auth0",
    grantTypes: ["authorization_code", "refresh_token"], scopes: ["openid", "email", "profile", "offline_access"],
  });
  await admin("POST", `/projects/${operators}/users`, { email: alice.email, externalIds: [{ providerId: "auth0", subject: alice.id }], roles: ["operator"] });
  tenantId = (await admin("POST", "/projects", { name: "Tenant" })).project.id;
  await worker.dispose();

  // Second run: the same store and port, with the console's settings.
  worker = await startBroker(port, { CONSOLE_PROJECT_ID: operators, CONSOLE_CLIENT_ID: consoleClient.client.id });
}, 60_000);

afterAll(async () => {
  await Promise.all([browser?.close(), worker?.dispose()]);
  rmSync(state, { recursive: true, force: true });
});

it("signs in to the console through the emulator and creates a client with the keyboard alone", async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${url}/console/projects/${tenantId}/clients/new`);
  await page.waitForURL((at) => at.origin === emulatorOrigin);
  await page.locator("#email").fill(alice.email);
  await page.locator("#password").fill(alice.password);
  await Promise.all([page.waitForURL(`${url}/console/projects/${tenantId}/clients/new`), page.locator('button[type="submit"]').click()]);
  await page.getByRole("heading", { level: 1, name: "New client application" }).waitFor();
  await page.getByText("Signed in as alice@auth0.example").waitFor();

  /** Presses Tab until the element with `id` has focus (at most 25 times). */
  const tabTo = async (id: string) => {
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
    }
    throw new Error(`Tab never reached #${id}`);
  };
  // The skip link comes first and takes the focus past the top bar and navigation.
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
  await page.keyboard.press("Enter");
  await tabTo("field-kind-first"); // confidential, checked by default
  expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).checked)).toBe(true);
  await tabTo("field-name");
  await page.keyboard.type("Keyboard app");
  await tabTo("field-redirectUris");
  await page.keyboard.type("https://keyboard.example/callback");
  await tabTo("field-scopes");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("openid email");
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Create client");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Client Keyboard app created" }).waitFor();
  const secret = await page.locator("code.secret").textContent();
  expect(secret?.length).toBeGreaterThan(30);
  await page.getByRole("link", { name: "Continue to Keyboard app" }).click();
  await page.getByRole("heading", { level: 1, name: "Keyboard app" }).waitFor();
  expect(await page.content()).not.toContain(secret!);
  expect(await page.locator("#field-redirectUris").inputValue()).toBe("https://keyboard.example/callback");
  expect(watched.problems.filter((problem) => problem.includes(url))).toEqual([]);
  await watched.context.close();
});
