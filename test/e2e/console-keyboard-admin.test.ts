// The console's user, audit, signing-key and sign-out forms with the keyboard alone, in Debian's
// Chromium (signed in as the operator through the emulated Auth0; broker: console-broker.ts): disable
// and enable a user, detach an identity behind its confirmation step; filter the audit log (a time the
// API refuses answered on its field, then action, outcome by arrow keys, actor and time); rotate the
// signing keys (refused until forced, then forced); sign out. Keys only (keyboard.ts): Tab, Shift+Tab,
// Space, Enter, arrows and typing.
import { expect, inject, it } from "vitest";
import { alice } from "./console-broker";
import { keyboardJourney } from "./console-run";
import { activate, arrowToRadio, focused, skipToContent, tabTo, typeInto } from "./keyboard";

const emulatorOrigin = inject("emulatorOrigin");

let danaId: string;

const journey = keyboardJourney({
  prepare: async (broker) => {
    await broker.admin("POST", `/projects/${broker.tenantId}/providers`, {
      id: "okta", name: "Okta", kind: "okta", issuer: inject("emulatorIssuers").okta, clientId: "okta-client", clientSecret: "okta-secret", linkBy: "email", createUsers: true,
    });
    danaId = (await broker.admin("POST", `/projects/${broker.tenantId}/users`, {
      name: "Dana Example", email: "dana@tenant.example", emailVerified: true, externalIds: [{ providerId: "okta", subject: "00u-dana" }],
    })).id;
  },
  start: ({ tenant }) => `${tenant}/users/${danaId}`,
});
const { text, detail } = journey;

it("disables and enables a user and detaches their identity after the confirmation step", async () => {
  await skipToContent(journey.page);
  await activate(journey.page, "Disable user");
  expect(await text("[role=status]")).toBe("The user is disabled.");
  expect(await detail("Status")).toBe("Disabled: cannot sign in or receive tokens");
  await skipToContent(journey.page);
  await activate(journey.page, "Enable user");
  expect(await text("[role=status]")).toBe("The user is enabled.");
  expect(await detail("Status")).toBe("Active");

  // Detach: the link (named by its aria-label), then the confirmation page.
  await activate(journey.page, "Detach okta identity 00u-dana");
  expect(await text("h1")).toBe("Detach an identity from Dana Example");
  await tabTo(journey.page, { name: "Detach identity" });
  await journey.page.keyboard.press("Enter"); // the box is required: the focus moves to it, nothing is sent
  expect(await focused(journey.page)).toMatchObject({ id: "field-confirm", checked: false });
  await journey.page.keyboard.press("Space");
  await activate(journey.page, "Detach identity");
  expect(await text("[role=status]")).toBe("The identity was detached.");
  expect(await journey.page.getByText("This user has no external identity").count()).toBe(1);
});

it("filters the audit log with the keyboard, after a time the API refuses is named on its field", async () => {
  await journey.page.goto(`${journey.broker.url}${journey.tenant}/audit`);
  await skipToContent(journey.page);
  await typeInto(journey.page, "field-action", "user");
  await typeInto(journey.page, "field-since", "yesterday");
  await Promise.all([journey.page.waitForEvent("load"), journey.page.keyboard.press("Enter")]);
  // Autofocus lands after the load event; under load, a moment after.
  await expect.poll(() => journey.page.evaluate(() => document.activeElement?.id)).toBe("error-summary");
  await journey.page.keyboard.press("Tab");
  expect((await focused(journey.page)).name).toMatch(/^From: /);
  await journey.page.keyboard.press("Enter");
  expect((await focused(journey.page)).id).toBe("field-since");
  expect(await journey.page.locator("#field-since").getAttribute("aria-invalid")).toBe("true");
  expect(await journey.page.locator("#field-action").inputValue()).toBe("user");

  await journey.page.keyboard.press("Control+A");
  await journey.page.keyboard.type(new Date().toISOString().slice(0, 10));
  // Back to the outcome radios with Shift+Tab, then Success by arrow key; the actor; Enter submits.
  await tabTo(journey.page, { id: "field-outcome-first" }, { backwards: true });
  await arrowToRadio(journey.page, "Success");
  await typeInto(journey.page, "field-actor", alice.email);
  await Promise.all([journey.page.waitForEvent("load"), journey.page.keyboard.press("Enter")]);
  const url = new URL(journey.page.url());
  expect(Object.fromEntries(url.searchParams)).toMatchObject({ action: "user", outcome: "success", actor: alice.email });
  // The audit queue delivers within seconds: reload until the three changes show.
  const rows = journey.page.locator("tbody tr");
  for (let i = 0; i < 40 && (await rows.count()) < 3; i++) {
    await journey.page.waitForTimeout(250);
    await journey.page.reload();
  }
  expect(await rows.locator("td:nth-child(2)").allTextContents()).toEqual(["user.identity.detach", "user.enable", "user.disable"]);
  // An event's details open with Enter on its summary.
  await skipToContent(journey.page);
  await tabTo(journey.page, { name: /^Event / });
  await journey.page.keyboard.press("Enter");
  expect(await rows.first().locator("details").getAttribute("open")).not.toBeNull();
});

it("rotates the signing keys after the confirmation step: refused until forced, then forced", async () => {
  await journey.page.goto(`${journey.broker.url}/console/signing-keys`);
  await skipToContent(journey.page);
  await activate(journey.page, "Rotate keys");
  expect(await text("h1")).toBe("Rotate signing keys");
  await tabTo(journey.page, { id: "field-confirm" });
  await journey.page.keyboard.press("Space");
  await activate(journey.page, "Rotate");
  // The next keys were just created: the page says when, on the "When" field.
  // Autofocus lands after the load event; under load, a moment after.
  await expect.poll(() => journey.page.evaluate(() => document.activeElement?.id)).toBe("error-summary");
  expect(await text("#field-force-error")).toMatch(/Choose "Now \(forced\)" to rotate at once\.$/);

  await tabTo(journey.page, { id: "field-force-first" });
  await arrowToRadio(journey.page, "Now (forced)");
  await tabTo(journey.page, { id: "field-confirm" });
  await journey.page.keyboard.press("Space");
  await activate(journey.page, "Rotate");
  expect(await text("h1")).toBe("Signing keys");
  expect(await text("[role=status]")).toMatch(/^Rotated: [A-Z0-9, ]+\. The new active keys sign from now on\.$/);
});

it("signs out with the keyboard, and the console then asks to sign in again", async () => {
  await journey.page.keyboard.press("Tab");
  await activate(journey.page, "Sign out");
  expect(await text("h1")).toBe("You are signed out of the console");
  await journey.page.goto(`${journey.broker.url}/console/projects`);
  await journey.page.waitForURL((at) => at.origin === emulatorOrigin);
  // The pages' own answers (the refused filter, the refused rotation) aside, nothing went wrong.
  expect(journey.watched.problems.filter((problem) => problem.includes(journey.broker.url) && !/^HTTP (400: GET .*\/audit\?|409: POST .*\/rotate)/.test(problem))).toEqual([]);
});
