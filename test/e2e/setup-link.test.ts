// A self-service SSO setup end to end in Debian's Chromium: the operator creates a setup link in the
// console; the customer opens it in a fresh browser context (no account, no console cookie) and goes
// through every step (the kind and the credentials forms with the keyboard alone), a test sign-in at
// the emulated Okta, a domain proved at the emulators' DNS-over-HTTPS resolver, completion; then the
// console's audit log shows the steps with the actor "setup link". axe-core runs on every setup page
// (no serious or critical violation); that context bypasses CSP only to inject axe.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import users from "../../idp-fixtures/users.json" with { type: "json" };
import { launchBrowser, openPage } from "./browser";
import { startConsoleBroker, type ConsoleBroker } from "./console-broker";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const emulatorOrigin = inject("emulatorOrigin");
const issuers = inject("emulatorIssuers");
const olivia = users.okta.find((user) => user.email === "olivia@okta.example")!;

let browser: Browser;
let broker: ConsoleBroker;

beforeAll(async () => {
  [browser, broker] = await Promise.all([launchBrowser(), startConsoleBroker({ vars: { DOH_RESOLVER_URL: `${emulatorOrigin}/dns/dns-query` } })]);
}, 90_000);

afterAll(async () => {
  await Promise.all([browser?.close(), broker?.dispose()]);
});

/** axe's serious and critical violations on the page as it is now, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ["violations"] })).violations;
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${page.url()}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

it("creates a link in the console, completes every step as the customer, and shows the steps in the console's audit log", async () => {
  // The project admin's side: create the link in the console.
  const admin = await openPage(browser);
  const tenant = `/console/projects/${broker.tenantId}`;
  await broker.signIn(admin.page, `${tenant}/setup-links`);
  await admin.page.getByLabel("Customer organisation").fill("Acme Corp");
  await admin.page.getByRole("button", { name: "Create setup link" }).click();
  const link = await admin.page.locator("#setup-link-url").inputValue();
  expect(link).toMatch(new RegExp(`^${broker.url}/setup/[A-Za-z0-9_-]{43}$`));

  // The customer's side: a fresh context, no console cookie.
  const customer = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await customer.newPage();
  page.setDefaultTimeout(10_000);
  const found: string[] = [];
  const check = async () => found.push(...(await seriousViolations(page)));

  await page.goto(link);
  await page.getByRole("heading", { level: 1, name: "Choose your identity provider" }).waitFor();
  await check();
  // Step 1 with the keyboard: the radio, then Tab to Continue and Enter.
  await page.getByLabel("Okta", { exact: true }).focus();
  await page.keyboard.press("Space");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Register Fedgate at Okta" }).waitFor();
  await check();
  const callback = (await page.locator("#callback-url").textContent())!;
  expect(callback).toMatch(new RegExp(`^${broker.url}/auth/callback/setup-`));
  const clientId = `acme-${Date.now().toString(36)}`;
  const registered = await fetch(`${emulatorOrigin}/__control/clients`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ provider: "okta", clientId, clientSecret: "acme-secret-typed-once", redirectUris: [callback] }),
  });
  expect(registered.ok).toBe(true);
  await page.getByRole("link", { name: "Continue: enter the issuer and client" }).click();
  await page.getByRole("heading", { level: 1, name: "Enter the issuer and client of Okta" }).waitFor();
  await check();
  // Step 3 with the keyboard: type in each field, Tab between them, Enter submits.
  await page.getByLabel("Issuer URL").focus();
  await page.keyboard.type(issuers.okta);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab"); // the name keeps the organisation's
  await page.keyboard.type(clientId);
  await page.keyboard.press("Tab");
  await page.keyboard.type("acme-secret-typed-once");
  await page.keyboard.press("Enter");
  await page.getByText("Saved. Your provider is added").waitFor();
  expect(await page.content()).not.toContain("acme-secret-typed-once");

  // Step 4: a test sign-in at the emulated Okta.
  await page.getByRole("link", { name: "Continue: test a sign-in" }).click();
  await check();
  await page.getByRole("button", { name: "Start a test sign-in" }).click();
  await page.getByRole("link", { name: "Continue to your provider" }).click();
  await page.waitForURL((at) => at.origin === emulatorOrigin);
  await page.locator("#email").fill(olivia.email);
  await page.locator("#password").fill(olivia.password);
  await page.locator('button[type="submit"]').click();
  await page.locator("#claim-subject", { hasText: olivia.id }).waitFor();
  await check();

  // Step 5: a domain, its record published at the emulated resolver, checked.
  await page.getByRole("link", { name: "Continue: prove your domains" }).click();
  const domain = `acme-${Date.now().toString(36)}.example`;
  await page.getByLabel("Email domain").fill(domain);
  await page.getByRole("button", { name: "Add domain" }).click();
  const value = (await page.locator("code.secret").textContent())!;
  await check();
  const published = await fetch(`${emulatorOrigin}/__control/dns`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: `_fedgate-challenge.${domain}`, txt: [value] }),
  });
  expect(published.ok).toBe(true);
  await page.getByRole("button", { name: `Check now: ${domain}` }).click();
  await page.getByText(`${domain} is verified`).waitFor();

  // Step 6: complete; the link then says so.
  await page.getByRole("link", { name: "Continue: finish" }).click();
  await check();
  await page.getByRole("button", { name: "Complete setup" }).click();
  await page.getByRole("heading", { level: 1, name: "Single sign-on is set up" }).waitFor();
  await check();
  await page.goto(link);
  await page.getByRole("heading", { level: 1, name: "This setup is complete" }).waitFor();
  await check();
  expect(found).toEqual([]);
  await customer.close();

  // The console: the link completed, the steps in the audit log with the actor "setup link".
  await admin.page.goto(`${broker.url}${tenant}/setup-links`);
  await admin.page.getByRole("row", { name: /Acme Corp/ }).getByText("Completed").waitFor();
  await admin.page.getByRole("navigation").getByRole("link", { name: "Audit log", exact: true }).click();
  await admin.page.getByLabel("Actor", { exact: true }).fill("setup-link");
  await admin.page.getByRole("button", { name: "Show events" }).click();
  for (const action of ["provider.create", "provider.test", "domain.verify", "domain.create", "setup-link.complete"]) {
    await admin.page.getByText(action, { exact: true }).first().waitFor();
  }
  expect(await admin.page.getByText(/setup link sul_[a-z2-7]{16} \(Acme Corp\)/).count()).toBeGreaterThan(0);
  await admin.context.close();
}, 90_000);
