// The console's identity-provider and domain forms with the keyboard alone, in Debian's Chromium
// (signed in as the operator through the emulated Auth0; broker: console-broker.ts): add a provider
// (the kind's radio group by arrow keys, text fields, the link-by radios, the create-users checkbox),
// edit it, map a domain to it (the provider's <select> by arrow keys), change the domain's provider,
// get the TXT record and check it before and after it is published at the emulators' DNS-over-HTTPS
// resolver, have a delete refused while a domain uses a provider, and delete the other. Keys only
// (keyboard.ts): Tab, Shift+Tab, Space, Enter, arrows and typing.
import { expect, inject, it } from "vitest";
import { keyboardJourney } from "./console-run";
import { activate, arrowToOption, arrowToRadio, focused, skipToContent, tabTo, typeInto } from "./keyboard";

const emulatorOrigin = inject("emulatorOrigin");
const issuers = inject("emulatorIssuers");

const journey = keyboardJourney({
  vars: { DOH_RESOLVER_URL: `${emulatorOrigin}/dns/dns-query` },
  // A second provider for the domain to move to.
  prepare: async (broker) => {
    await broker.admin("POST", `/projects/${broker.tenantId}/providers`, {
      id: "workspace", name: "Workspace", kind: "google", issuer: issuers.google, clientId: "workspace-client", clientSecret: "workspace-secret", linkBy: "email", createUsers: true,
    });
  },
  start: ({ tenant }) => `${tenant}/providers/new`,
});
const { text, detail } = journey;

it("adds a provider and edits it with the keyboard: radio groups by arrow keys, checkboxes by Space", async () => {
  await skipToContent(journey.page);
  // The kind: Tab enters the group on the checked radio (Other OpenID Connect), arrows move and check.
  await journey.page.keyboard.press("Tab");
  expect(await focused(journey.page)).toMatchObject({ type: "radio", name: "Other OpenID Connect provider", checked: true });
  await arrowToRadio(journey.page, "Okta", "ArrowUp");
  await typeInto(journey.page, "field-issuer", issuers.okta);
  await typeInto(journey.page, "field-id", "kb-okta");
  await typeInto(journey.page, "field-name", "Keyboard Okta");
  await typeInto(journey.page, "field-clientId", "kb-client");
  await typeInto(journey.page, "field-clientSecret", "kb-secret-typed-once");
  // Link by: from verified email (checked) to subject; create users: untick.
  await tabTo(journey.page, { id: "field-linkBy-first" });
  await arrowToRadio(journey.page, "Subject only (only users already holding this provider's subject)");
  await tabTo(journey.page, { id: "field-createUsers" });
  await journey.page.keyboard.press("Space");
  expect((await focused(journey.page)).checked).toBe(false);
  await activate(journey.page, "Add provider");
  expect(await text("h1")).toBe("Keyboard Okta");
  expect(await text("[role=status]")).toBe("Provider added: its issuer's discovery document was checked.");
  expect(await detail("Kind")).toBe("Okta");
  expect(await detail("Links users by")).toBe("subject");
  expect(await detail("Creates users")).toBe("no");
  expect(await journey.page.content()).not.toContain("kb-secret-typed-once");

  // Edit: rename, link by verified email again, create users.
  await skipToContent(journey.page);
  await typeInto(journey.page, "field-name", "Keyboard Okta EU");
  await tabTo(journey.page, { id: "field-linkBy-1" });
  await arrowToRadio(journey.page, "Verified email (an existing user with the same verified address is linked)", "ArrowUp");
  await tabTo(journey.page, { id: "field-createUsers" });
  await journey.page.keyboard.press("Space");
  await activate(journey.page, "Save settings");
  expect(await text("[role=status]")).toBe("Settings saved.");
  expect(await text("h1")).toBe("Keyboard Okta EU");
  expect(await detail("Links users by")).toBe("verified email");
  expect(await detail("Creates users")).toBe("yes");
  expect(await detail("Client secret")).toBe("Set (never shown)");
});

it("maps a domain, changes its provider, proves it by DNS, and deletes a provider once no domain uses it", async () => {
  const domain = `kb-${Date.now().toString(36)}.example`;
  await activate(journey.page, "Domain mappings");
  await skipToContent(journey.page);
  await typeInto(journey.page, "field-domain", domain);
  await journey.page.keyboard.press("Tab");
  expect((await focused(journey.page)).id).toBe("field-providerId");
  await arrowToOption(journey.page, "Keyboard Okta EU");
  await activate(journey.page, "Map domain");
  expect(await text("h1")).toBe(domain);
  expect(await text("[role=status]")).toBe("Domain mapped.");
  expect(await detail("Identity provider")).toBe("Keyboard Okta EU (kb-okta)");

  // Change the provider with the arrow keys.
  await skipToContent(journey.page);
  await tabTo(journey.page, { id: "field-providerId" });
  await arrowToOption(journey.page, "Workspace");
  await activate(journey.page, "Change provider");
  expect(await text("[role=status]")).toBe("Provider changed.");
  expect(await detail("Identity provider")).toBe("Workspace (workspace)");

  // The proof: the record, a check before it is published (answered on the page), then after.
  await activate(journey.page, "Get the TXT record");
  expect(await text("[role=status]")).toBe("Here is the TXT record to publish.");
  const recordName = (await text("#record-name"))!;
  const recordValue = (await text("#record-value"))!;
  expect(recordName).toBe(`_fedgate-challenge.${domain}`);
  await activate(journey.page, "Check now");
  expect(await text("#check-result h3")).toBe("Not verified yet");
  expect(await text("#verification")).toBe("Not verified");
  const published = await fetch(`${emulatorOrigin}/__control/dns`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: recordName, txt: [recordValue] }),
  });
  expect(published.ok).toBe(true);
  await activate(journey.page, "Check now");
  expect(await text("#verification")).toBe("Verified by DNS");
  expect(await text("[role=status]")).toMatch(/^Verified: the TXT record is published/);

  // Workspace is in use by the domain: its delete is refused on the form.
  await journey.page.goto(`${journey.broker.url}${journey.tenant}/providers/workspace`);
  await tabTo(journey.page, { id: "field-confirm" });
  await journey.page.keyboard.press("Space");
  await activate(journey.page, "Delete provider");
  expect(await text("h1")).toBe("Workspace");
  expect(await journey.page.locator("#field-confirm").getAttribute("aria-invalid")).toBe("true");
  expect(await text("#field-confirm-error")).toMatch(/domain/i);

  // Keyboard Okta EU is not: it goes.
  await journey.page.goto(`${journey.broker.url}${journey.tenant}/providers/kb-okta`);
  await tabTo(journey.page, { id: "field-confirm" });
  await journey.page.keyboard.press("Space");
  await activate(journey.page, "Delete provider");
  expect(await text("[role=status]")).toBe("The identity provider was deleted.");
  expect(await journey.page.getByRole("link", { name: "Keyboard Okta EU" }).count()).toBe(0);
  // The check's 422 and the refused delete are the pages' own answers; nothing else went wrong.
  expect(journey.watched.problems.filter((problem) => problem.includes(journey.broker.url) && !/^HTTP (422|409): POST/.test(problem))).toEqual([]);
});
