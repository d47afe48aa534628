// The console's provider and domain pages end to end in Debian's Chromium: signed in through the
// emulated Auth0 as the operator, add an identity provider (the emulated Okta, its discovery checked),
// map a domain to it, get the TXT record, publish it at the emulators' DNS-over-HTTPS resolver and
// "Check now" until the domain shows verified. Like console.test.ts, this file runs its own broker
// twice on one port and one persisted store (seed, then with the CONSOLE_* settings).
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
const issuers = inject("emulatorIssuers");
const alice = users.auth0.find((user) => user.email === "alice@auth0.example")!;
const upstream = clients.auth0.find((client) => client.allowLoopbackRedirects && client.clientSecret)!;

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;
let browser: Browser;
let worker: Worker | undefined;
let url: string;
let tenantId: string;
const state = mkdtempSync(join(tmpdir(), "fedgate-console-domains-e2e-"));

async function startBroker(port: number, vars: Record<string, string>): Promise<Worker> {
  const all = { ...testVars, ISSUER: url, DOH_RESOLVER_URL: `${emulatorOrigin}/dns/dns-query`, ...vars };
  const bindings = Object.fromEntries(Object.entries(all).map(([name, value]) => [name, { type: "plain_text" as const, value }]));
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
    id: "auth0", name: "Auth0", kind: "auth0", issuer: issuers.auth0, clientId: upstream.clientId, clientSecret: upstream.clientSecret, linkBy: "subject", createUsers: false,
  });
  const consoleClient = await admin("POST", `/projects/${operators}/clients`, {
    name: "Fedgate console", kind: "public", redirectUris: [`${url}/console/callback`], providerId: "auth0",
    grantTypes: ["authorization_code", "refresh_token"], scopes: ["openid", "email", "profile", "offline_access"],
  });
  await admin("POST", `/projects/${operators}/users`, { email: alice.email, externalIds: [{ providerId: "auth0", subject: alice.id }], roles: ["operator"] });
  tenantId = (await admin("POST", "/projects", { name: "Tenant" })).project.id;
  await worker.dispose();
  worker = await startBroker(port, { CONSOLE_PROJECT_ID: operators, CONSOLE_CLIENT_ID: consoleClient.client.id });
}, 60_000);

afterAll(async () => {
  await Promise.all([browser?.close(), worker?.dispose()]);
  rmSync(state, { recursive: true, force: true });
});

it("adds a provider, maps a domain to it and proves it through the emulated DNS until it shows verified", async () => {
  const watched = await openPage(browser);
  const { page } = watched;
  await page.goto(`${url}/console/projects/${tenantId}/providers/new`);
  await page.waitForURL((at) => at.origin === emulatorOrigin);
  await page.locator("#email").fill(alice.email);
  await page.locator("#password").fill(alice.password);
  await Promise.all([page.waitForURL(`${url}/console/projects/${tenantId}/providers/new`), page.locator('button[type="submit"]').click()]);

  // The provider: Okta, by its labels.
  await page.getByRole("heading", { level: 1, name: "New identity provider" }).waitFor();
  await page.getByLabel("Okta", { exact: true }).check();
  await page.getByLabel("Issuer", { exact: true }).fill(issuers.okta);
  await page.getByLabel("Name", { exact: true }).fill("Partner Okta");
  await page.getByLabel("Client id", { exact: true }).fill("partner-client");
  await page.getByLabel("Client secret", { exact: true }).fill("partner-secret-typed-once");
  await page.getByRole("button", { name: "Add provider" }).click();
  await page.getByRole("heading", { level: 1, name: "Partner Okta" }).waitFor();
  expect(await page.locator("#callback-url").textContent()).toMatch(new RegExp(`^${url}/auth/callback/`));
  expect(await page.content()).not.toContain("partner-secret-typed-once");

  // The domain, mapped to it from the project's navigation.
  const domain = `partner-${Date.now().toString(36)}.example`;
  await page.getByRole("navigation").getByRole("link", { name: "Domain mappings" }).click();
  await page.getByRole("heading", { level: 1, name: "Domain mappings" }).waitFor();
  await page.getByLabel("Domain", { exact: true }).fill(domain);
  // The project's only provider is the one chosen.
  expect(await page.getByLabel("Identity provider", { exact: true }).locator("option:checked").textContent()).toMatch(/^Partner Okta /);
  await page.getByRole("button", { name: "Map domain" }).click();
  await page.getByRole("heading", { level: 1, name: domain }).waitFor();
  expect(await page.locator("#verification").textContent()).toBe("Not verified");

  // The proof: the record to publish, a check before it is published, then after.
  await page.getByRole("button", { name: "Get the TXT record" }).click();
  const recordName = (await page.locator("#record-name").textContent())!;
  const recordValue = (await page.locator("#record-value").textContent())!;
  expect(recordName).toBe(`_fedgate-challenge.${domain}`);
  await page.getByRole("button", { name: "Check now" }).click();
  await page.getByRole("heading", { level: 3, name: "Not verified yet" }).waitFor();
  const published = await fetch(`${emulatorOrigin}/__control/dns`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: recordName, txt: [recordValue] }),
  });
  expect(published.ok).toBe(true);
  await page.getByRole("button", { name: "Check now" }).click();
  await page.locator("#verification", { hasText: "Verified by DNS" }).waitFor();
  await page.getByRole("navigation").getByRole("link", { name: "Domain mappings" }).click();
  await page.getByRole("row", { name: new RegExp(domain.replace(/\./g, "\\.")) }).getByText("Verified by DNS").waitFor();
  // The 422 of the first check is the page's own answer; nothing else went wrong.
  expect(watched.problems.filter((problem) => problem.includes(url) && !problem.includes("422"))).toEqual([]);
  await watched.context.close();
});
