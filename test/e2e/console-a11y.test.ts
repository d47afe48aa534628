// The admin console's pages under axe-core (the accessibility engine of Lighthouse and Playwright's
// own checks) in Debian's Chromium: every page a signed-in operator reaches, a form answered with
// errors, and a confirmation page; none may have a serious or critical violation. The pages' CSP
// forbids every script, so the test's browser context bypasses CSP to inject axe (the pages under
// test are otherwise exactly what a person gets).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { consoleRun } from "./console-run";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const run = consoleRun({
  // Something on each page: a client, a user, a domain mapping.
  prepare: async (broker) => {
    await broker.admin("POST", `/projects/${broker.tenantId}/clients`, {
      name: "Orders app", kind: "confidential", redirectUris: ["https://orders.example/callback"], grantTypes: ["authorization_code"], scopes: ["openid", "email"],
    });
    await broker.admin("POST", `/projects/${broker.tenantId}/users`, { email: "dana@example.com", emailVerified: true, name: "Dana" });
  },
});

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe's serious and critical violations on the page as it is now, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Violation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ["violations"] })).violations;
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${page.url()}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

it("has no serious or critical axe violation on any console page", async () => {
  const context = await run.browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const tenant = run.tenant;
  await run.broker.signIn(page, "/console/projects");

  const found: string[] = [];
  const visit = async (path: string) => {
    const response = await page.goto(`${run.broker.url}${path}`);
    expect(response?.status(), path).toBeLessThan(400);
    found.push(...(await seriousViolations(page)));
  };
  for (const path of ["/console/projects", tenant, `${tenant}/clients`, `${tenant}/clients/new`, `${tenant}/providers`, `${tenant}/providers/new`,
    `${tenant}/domains`, `${tenant}/users`, `${tenant}/audit`, `${tenant}/migration-report`, "/console/audit", "/console/signing-keys"]) {
    await visit(path);
  }
  // Pages reached from the lists: a client, a user.
  await visit(`${tenant}/clients`);
  await page.getByRole("link", { name: "Orders app" }).click();
  found.push(...(await seriousViolations(page)));
  await visit(`${tenant}/users?email=dana%40example.com`);
  await page.getByRole("link", { name: /dana@example\.com|Dana/ }).first().click();
  found.push(...(await seriousViolations(page)));
  // A form answered with errors: a new client whose redirect URI is plain http off loopback.
  await visit(`${tenant}/clients/new`);
  await page.locator("#field-name").fill("Bad redirect");
  await page.locator("#field-redirectUris").fill("http://insecure.example/callback");
  await page.getByRole("button", { name: "Create client" }).click();
  await page.locator("[aria-invalid=true]").first().waitFor();
  found.push(...(await seriousViolations(page)));

  await context.close();
  expect(found).toEqual([]);
}, 60_000); // a dozen pages, each loaded and scanned by axe in one browser
