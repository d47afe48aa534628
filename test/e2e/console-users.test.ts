// The console's user, audit and signing-key pages end to end in Debian's Chromium: signed in through
// the emulated Auth0 as the operator, find a user by email with the keyboard, disable them (the
// button, then the notice and the status), see the `user.disable` event on the project's audit page
// filtered by action, and open the signing keys from the navigation. Like console.test.ts, this file
// runs its own broker twice on one port and one persisted store (seed, then with the CONSOLE_* settings).
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
let danaId: string;
const state = mkdtempSync(join(tmpdir(), "fedgate-console-users-e2e-"));

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
  danaId = (await admin("POST", `/projects/${tenantId}/users`, { name: "Dana Example", email: "dana@tenant.example", emailVerified: true })).id;
  await admin("POST", `/projects/${tenantId}/users`, { name: "Eve Example", email: "eve@tenant.example", emailVerified: true });
  await worker.dispose();
  worker = await startBroker(port, { CONSOLE_PROJECT_ID: operators, CONSOLE_CLIENT_ID: consoleClient.client.id });
}, 60_000);

afterAll(async () => {
  await Promise.all([browser?.close(), worker?.dispose()]);
  rmSync(state, { recursive: true, force: true });
});

it("finds a user by email with the keyboard, disables them, and sees the event on the audit page filtered by action", async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${url}/console/projects/${tenantId}/users`);
  await page.waitForURL((at) => at.origin === emulatorOrigin);
  await page.locator("#email").fill(alice.email);
  await page.locator("#password").fill(alice.password);
  await Promise.all([page.waitForURL(`${url}/console/projects/${tenantId}/users`), page.locator('button[type="submit"]').click()]);
  await page.getByRole("heading", { level: 1, name: "Users" }).waitFor();

  // Search with the keyboard alone: skip link, Tab to the field, type, Enter.
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
  await page.keyboard.press("Enter");
  for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.id)) !== "field-email"; i++) await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.id)).toBe("field-email");
  await page.keyboard.type("DANA@tenant.example");
  await Promise.all([page.waitForURL((at) => at.searchParams.get("email") === "DANA@tenant.example"), page.keyboard.press("Enter")]);
  const rows = page.locator("tbody tr");
  expect(await rows.count()).toBe(1);
  await page.getByRole("link", { name: "Dana Example" }).click();
  await page.getByRole("heading", { level: 1, name: "Dana Example" }).waitFor();
  expect(page.url()).toBe(`${url}/console/projects/${tenantId}/users/${danaId}`);

  // Disable: the button, the notice, the status, and the button that now enables.
  await page.getByRole("button", { name: "Disable user" }).click();
  await page.getByRole("status").filter({ hasText: "The user is disabled." }).waitFor();
  await page.getByText("Disabled: cannot sign in or receive tokens").waitFor();
  await page.getByRole("button", { name: "Enable user" }).waitFor();

  // The project's audit log, from the navigation, filtered by action.
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Audit log", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: "Audit log of Tenant" }).waitFor();
  await page.getByLabel("Action").fill("user.disable");
  await Promise.all([page.waitForURL((at) => at.searchParams.get("action") === "user.disable"), page.getByRole("button", { name: "Show events" }).click()]);
  // The audit queue delivers within seconds: reload until the event shows.
  const events = page.locator("tbody tr");
  for (let i = 0; i < 20 && (await events.count()) === 0; i++) {
    await page.waitForTimeout(250);
    await page.reload();
  }
  expect(await events.count()).toBe(1);
  const row = events.first();
  expect(await row.locator("td").nth(1).textContent()).toBe("user.disable");
  expect(await row.locator("td").nth(3).textContent()).toContain(alice.email);
  expect(await row.locator("td").nth(4).textContent()).toContain(danaId);
  // The details open with the keyboard (a <details>, no script).
  await row.locator("summary").focus();
  await page.keyboard.press("Enter");
  expect(await row.locator("pre[aria-label='After']").textContent()).toContain('"disabled": true');

  // The operator's platform pages are in the navigation.
  await page.getByRole("link", { name: "Signing keys" }).click();
  await page.getByRole("heading", { level: 1, name: "Signing keys" }).waitFor();
  expect(await page.locator("tbody tr").count()).toBeGreaterThanOrEqual(2);
  expect(watched.problems.filter((problem) => problem.includes(url))).toEqual([]);
  await watched.context.close();
}, 60_000);
