// The console's provider and domain pages end to end in Debian's Chromium: signed in through the
// emulated Auth0 as the operator, add an identity provider (the emulated Okta, its discovery checked),
// run a test sign-in at it (claims and the linking verdict, nothing written), map a domain to it, get the TXT record, publish it at the emulators' DNS-over-HTTPS resolver and
// "Check now" until the domain shows verified (broker: console-broker.ts).
import { expect, inject, it } from "vitest";
import clients from "../../idp-fixtures/clients.json" with { type: "json" };
import users from "../../idp-fixtures/users.json" with { type: "json" };
import { openPage } from "./browser";
import { consoleRun } from "./console-run";

const emulatorOrigin = inject("emulatorOrigin");
const issuers = inject("emulatorIssuers");
/** The emulated Okta's client that accepts loopback callbacks, and a person of its directory. */
const okta = clients.okta.find((client) => client.allowLoopbackRedirects && client.clientSecret)!;
const olivia = users.okta.find((user) => user.email === "olivia@okta.example")!;

const run = consoleRun({ vars: { DOH_RESOLVER_URL: `${emulatorOrigin}/dns/dns-query` } });

it("adds a provider, test-signs in at it, maps a domain to it and proves it through the emulated DNS until it shows verified", async () => {
  const watched = await openPage(run.browser);
  const { page } = watched;
  await run.broker.signIn(page, `${run.tenant}/providers/new`);

  // The provider: Okta, by its labels.
  await page.getByRole("heading", { level: 1, name: "New identity provider" }).waitFor();
  await page.getByLabel("Okta", { exact: true }).check();
  await page.getByLabel("Issuer", { exact: true }).fill(issuers.okta);
  await page.getByLabel("Name", { exact: true }).fill("Partner Okta");
  await page.getByLabel("Client id", { exact: true }).fill(okta.clientId);
  await page.getByLabel("Client secret", { exact: true }).fill(okta.clientSecret!);
  await page.getByRole("button", { name: "Add provider" }).click();
  await page.getByRole("heading", { level: 1, name: "Partner Okta" }).waitFor();
  expect(await page.locator("#callback-url").textContent()).toMatch(new RegExp(`^${run.broker.url}/auth/callback/`));
  expect(await page.content()).not.toContain(okta.clientSecret!);

  // A test sign-in at it: through the emulated Okta and back, the claims and the verdict; nobody is created.
  const providerPage = page.url();
  await page.getByRole("button", { name: "Test sign-in" }).click();
  await page.getByRole("link", { name: "Continue to Partner Okta" }).click();
  await page.waitForURL((at) => at.origin === emulatorOrigin);
  await page.locator("#email").fill(olivia.email);
  await page.locator("#password").fill(olivia.password);
  await page.locator('button[type="submit"]').click();
  await page.locator("#claim-subject", { hasText: olivia.id }).waitFor();
  expect(await page.locator("#claim-email").textContent()).toBe(olivia.email);
  await page.getByText("Nothing was written").waitFor();
  const found = await run.broker.admin("GET", `/projects/${run.broker.tenantId}/users?email=${encodeURIComponent(olivia.email)}`);
  expect(found.items).toEqual([]);
  await page.goto(providerPage);

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
  expect(watched.problems.filter((problem) => problem.includes(run.broker.url) && !problem.includes("422"))).toEqual([]);
  await watched.context.close();
});
