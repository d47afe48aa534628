// The console's identity-provider and domain forms with the keyboard alone, in Debian's Chromium
// (signed in as the operator through the emulated Auth0; broker: console-broker.ts): add a provider
// (the kind's radio group by arrow keys, text fields, the link-by radios, the create-users checkbox),
// edit it, map a domain to it (the provider's <select> by arrow keys), change the domain's provider,
// get the TXT record and check it before and after it is published at the emulators' DNS-over-HTTPS
// resolver, have a delete refused while a domain uses a provider, and delete the other. Keys only
// (keyboard.ts): Tab, Shift+Tab, Space, Enter, arrows and typing.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { launchBrowser, openPage, type WatchedPage } from "./browser";
import { startConsoleBroker, type ConsoleBroker } from "./console-broker";
import { activate, arrowToOption, arrowToRadio, focused, skipToContent, tabTo, typeInto } from "./keyboard";

const emulatorOrigin = inject("emulatorOrigin");
const issuers = inject("emulatorIssuers");

let browser: Browser;
let broker: ConsoleBroker;
let watched: WatchedPage;
let page: Page;
let tenant: string;

beforeAll(async () => {
  [browser, broker] = await Promise.all([launchBrowser(), startConsoleBroker({ vars: { DOH_RESOLVER_URL: `${emulatorOrigin}/dns/dns-query` } })]);
  tenant = `/console/projects/${broker.tenantId}`;
  // A second provider for the domain to move to.
  await broker.admin("POST", `/projects/${broker.tenantId}/providers`, {
    id: "workspace", name: "Workspace", kind: "google", issuer: issuers.google, clientId: "workspace-client", clientSecret: "workspace-secret", linkBy: "email", createUsers: true,
  });
  watched = await openPage(browser);
  page = watched.page;
  await broker.signIn(page, `${tenant}/providers/new`);
}, 90_000);

afterAll(async () => {
  await Promise.all([browser?.close(), broker?.dispose()]);
});

const text = (selector: string) => page.locator(selector).first().textContent();
/** The <dd> after the <dt> named `term`. */
const detail = (term: string) => page.locator("dt", { hasText: new RegExp(`^${term}$`) }).locator("xpath=following-sibling::dd[1]").textContent();

it("adds a provider and edits it with the keyboard: radio groups by arrow keys, checkboxes by Space", async () => {
  await skipToContent(page);
  // The kind: Tab enters the group on the checked radio (Other OpenID Connect), arrows move and check.
  await page.keyboard.press("Tab");
  expect(await focused(page)).toMatchObject({ type: "radio", name: "Other OpenID Connect provider", checked: true });
  await arrowToRadio(page, "Okta", "ArrowUp");
  await typeInto(page, "field-issuer", issuers.okta);
  await typeInto(page, "field-id", "kb-okta");
  await typeInto(page, "field-name", "Keyboard Okta");
  await typeInto(page, "field-clientId", "kb-client");
  await typeInto(page, "field-clientSecret", "kb-secret-typed-once");
  // Link by: from verified email (checked) to subject; create users: untick.
  await tabTo(page, { id: "field-linkBy-first" });
  await arrowToRadio(page, "Subject only (only users already holding this provider's subject)");
  await tabTo(page, { id: "field-createUsers" });
  await page.keyboard.press("Space");
  expect((await focused(page)).checked).toBe(false);
  await activate(page, "Add provider");
  expect(await text("h1")).toBe("Keyboard Okta");
  expect(await text("[role=status]")).toBe("Provider added: its issuer's discovery document was checked.");
  expect(await detail("Kind")).toBe("Okta");
  expect(await detail("Links users by")).toBe("subject");
  expect(await detail("Creates users")).toBe("no");
  expect(await page.content()).not.toContain("kb-secret-typed-once");

  // Edit: rename, link by verified email again, create users.
  await skipToContent(page);
  await typeInto(page, "field-name", "Keyboard Okta EU");
  await tabTo(page, { id: "field-linkBy-1" });
  await arrowToRadio(page, "Verified email (an existing user with the same verified address is linked)", "ArrowUp");
  await tabTo(page, { id: "field-createUsers" });
  await page.keyboard.press("Space");
  await activate(page, "Save settings");
  expect(await text("[role=status]")).toBe("Settings saved.");
  expect(await text("h1")).toBe("Keyboard Okta EU");
  expect(await detail("Links users by")).toBe("verified email");
  expect(await detail("Creates users")).toBe("yes");
  expect(await detail("Client secret")).toBe("Set (never shown)");
});

it("maps a domain, changes its provider, proves it by DNS, and deletes a provider once no domain uses it", async () => {
  const domain = `kb-${Date.now().toString(36)}.example`;
  await activate(page, "Domain mappings");
  await skipToContent(page);
  await typeInto(page, "field-domain", domain);
  await page.keyboard.press("Tab");
  expect((await focused(page)).id).toBe("field-providerId");
  await arrowToOption(page, "Keyboard Okta EU");
  await activate(page, "Map domain");
  expect(await text("h1")).toBe(domain);
  expect(await text("[role=status]")).toBe("Domain mapped.");
  expect(await detail("Identity provider")).toBe("Keyboard Okta EU (kb-okta)");

  // Change the provider with the arrow keys.
  await skipToContent(page);
  await tabTo(page, { id: "field-providerId" });
  await arrowToOption(page, "Workspace");
  await activate(page, "Change provider");
  expect(await text("[role=status]")).toBe("Provider changed.");
  expect(await detail("Identity provider")).toBe("Workspace (workspace)");

  // The proof: the record, a check before it is published (answered on the page), then after.
  await activate(page, "Get the TXT record");
  expect(await text("[role=status]")).toBe("Here is the TXT record to publish.");
  const recordName = (await text("#record-name"))!;
  const recordValue = (await text("#record-value"))!;
  expect(recordName).toBe(`_fedgate-challenge.${domain}`);
  await activate(page, "Check now");
  expect(await text("#check-result h3")).toBe("Not verified yet");
  expect(await text("#verification")).toBe("Not verified");
  const published = await fetch(`${emulatorOrigin}/__control/dns`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: recordName, txt: [recordValue] }),
  });
  expect(published.ok).toBe(true);
  await activate(page, "Check now");
  expect(await text("#verification")).toBe("Verified by DNS");
  expect(await text("[role=status]")).toMatch(/^Verified: the TXT record is published/);

  // Workspace is in use by the domain: its delete is refused on the form.
  await page.goto(`${broker.url}${tenant}/providers/workspace`);
  await tabTo(page, { id: "field-confirm" });
  await page.keyboard.press("Space");
  await activate(page, "Delete provider");
  expect(await text("h1")).toBe("Workspace");
  expect(await page.locator("#field-confirm").getAttribute("aria-invalid")).toBe("true");
  expect(await text("#field-confirm-error")).toMatch(/domain/i);

  // Keyboard Okta EU is not: it goes.
  await page.goto(`${broker.url}${tenant}/providers/kb-okta`);
  await tabTo(page, { id: "field-confirm" });
  await page.keyboard.press("Space");
  await activate(page, "Delete provider");
  expect(await text("[role=status]")).toBe("The identity provider was deleted.");
  expect(await page.getByRole("link", { name: "Keyboard Okta EU" }).count()).toBe(0);
  // The check's 422 and the refused delete are the pages' own answers; nothing else went wrong.
  expect(watched.problems.filter((problem) => problem.includes(broker.url) && !/^HTTP (422|409): POST/.test(problem))).toEqual([]);
});
