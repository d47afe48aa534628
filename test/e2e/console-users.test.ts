// The console's user, audit and signing-key pages end to end in Debian's Chromium: signed in through
// the emulated Auth0 as the operator, find a user by email with the keyboard, disable them (the
// button, then the notice and the status), see the `user.disable` event on the project's audit page
// filtered by action, and open the signing keys from the navigation (broker: console-broker.ts).
import { expect, it } from "vitest";
import { openPage } from "./browser";
import { alice } from "./console-broker";
import { consoleRun } from "./console-run";

let danaId: string;

const run = consoleRun({
  prepare: async (broker) => {
    danaId = (await broker.admin("POST", `/projects/${broker.tenantId}/users`, { name: "Dana Example", email: "dana@tenant.example", emailVerified: true })).id;
    await broker.admin("POST", `/projects/${broker.tenantId}/users`, { name: "Eve Example", email: "eve@tenant.example", emailVerified: true });
  },
});

it("finds a user by email with the keyboard, disables them, and sees the event on the audit page filtered by action", async () => {
  const watched = await openPage(run.browser);
  const { page } = watched;
  await run.broker.signIn(page, `${run.tenant}/users`);
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
  expect(page.url()).toBe(`${run.broker.url}${run.tenant}/users/${danaId}`);

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
  expect(watched.problems.filter((problem) => problem.includes(run.broker.url))).toEqual([]);
  await watched.context.close();
}, 60_000);
