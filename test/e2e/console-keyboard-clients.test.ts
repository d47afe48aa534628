// The console's project and client forms with the keyboard alone, in Debian's Chromium (signed in as
// the operator through the emulated Auth0; broker: console-broker.ts): create and rename a project;
// save a client's settings (redirect URIs, grant types, IP rules, limits) after an error the page
// answers on the field; rotate its secret with an overlap window and see the new secret once and the
// old one's end; delete it behind its confirmation box. Keys only (keyboard.ts): Tab, Shift+Tab,
// Space, Enter, arrows and typing.
import { expect, it } from "vitest";
import { keyboardJourney } from "./console-run";
import { activate, focused, skipToContent, tabTo, typeInto } from "./keyboard";

const journey = keyboardJourney({ start: () => "/console/projects" });
const { text } = journey;

it("creates a project and renames it with the keyboard", async () => {
  await skipToContent(journey.page);
  await typeInto(journey.page, "field-name", "Keyboard project");
  // Enter in a text field submits its form.
  await Promise.all([journey.page.waitForEvent("load"), journey.page.keyboard.press("Enter")]);
  expect(await text("h1")).toBe("Project Keyboard project created");
  expect((await text("code.secret"))?.length).toBeGreaterThan(30);

  // The new project's settings, from the navigation.
  await activate(journey.page, "Settings");
  expect(await text("h1")).toBe("Keyboard project");
  await skipToContent(journey.page);
  await typeInto(journey.page, "field-name", "Renamed by keyboard");
  await activate(journey.page, "Save");
  expect(await text("[role=status]")).toBe("Saved.");
  expect(await text("h1")).toBe("Renamed by keyboard");
  expect(await journey.page.locator("#field-name").inputValue()).toBe("Renamed by keyboard");
});

it("saves a client's settings after fixing the field the page names, rotates its secret with an overlap, and deletes it", async () => {
  const { client } = await journey.broker.admin("POST", `/projects/${journey.broker.tenantId}/clients`, {
    name: "Orders app", kind: "confidential", redirectUris: ["https://orders.example/callback"], grantTypes: ["authorization_code"], scopes: ["openid", "email"],
  });
  await journey.page.goto(`${journey.broker.url}${journey.tenant}/clients/${client.id}`);
  await skipToContent(journey.page);
  // Redirect URIs: a second line; grant types: tick client credentials; IP rules; limits.
  await tabTo(journey.page, { id: "field-redirectUris" });
  await journey.page.keyboard.press("Control+End");
  await journey.page.keyboard.type("\nhttps://orders.example/silent");
  await tabTo(journey.page, { id: "field-grantTypes-2" });
  expect((await focused(journey.page)).name).toBe("Client credentials (machine to machine)");
  await journey.page.keyboard.press("Space");
  await typeInto(journey.page, "field-ipAllow", "203.0.113.0/24\nnot-a-network");
  await typeInto(journey.page, "field-ipDeny", "203.0.113.7/32");
  await typeInto(journey.page, "field-tokenPerMinute", "120");
  await typeInto(journey.page, "field-accessTokenSeconds", "900");
  await activate(journey.page, "Save settings");

  // The answer: the error summary has the focus; its link takes it to the field, input kept.
  // Autofocus lands after the load event; under load, a moment after.
  await expect.poll(() => journey.page.evaluate(() => document.activeElement?.id)).toBe("error-summary");
  await journey.page.keyboard.press("Tab");
  const link = await focused(journey.page);
  expect(link.name).toMatch(/^Allowed networks: line 2: /);
  await journey.page.keyboard.press("Enter");
  expect((await focused(journey.page)).id).toBe("field-ipAllow");
  expect(await journey.page.locator("#field-ipAllow").getAttribute("aria-invalid")).toBe("true");
  expect(await journey.page.locator("#field-tokenPerMinute").inputValue()).toBe("120");
  await journey.page.keyboard.press("Control+A");
  await journey.page.keyboard.type("203.0.113.0/24\n198.51.100.0/24");
  await activate(journey.page, "Save settings");
  expect(await text("[role=status]")).toBe("Settings saved.");
  expect(await journey.page.locator("dd").filter({ hasText: "orders.example/silent" }).textContent()).toBe("https://orders.example/callback, https://orders.example/silent");
  expect(await journey.page.locator("dd").filter({ hasText: "client_credentials" }).textContent()).toBe("authorization_code, client_credentials");
  expect(await journey.page.locator("#field-ipAllow").inputValue()).toBe("203.0.113.0/24\n198.51.100.0/24");
  expect(await journey.page.locator("#field-ipDeny").inputValue()).toBe("203.0.113.7/32");
  expect(await journey.page.locator("#field-tokenPerMinute").inputValue()).toBe("120");
  expect(await journey.page.locator("#field-accessTokenSeconds").inputValue()).toBe("900");

  // Rotate with an hour's overlap: Enter in the number field submits the rotation form.
  await skipToContent(journey.page);
  await typeInto(journey.page, "field-overlapSeconds", "3600");
  await Promise.all([journey.page.waitForEvent("load"), journey.page.keyboard.press("Enter")]);
  expect(await text("h1")).toBe("New secret for Orders app");
  const secret = (await text("code.secret"))!;
  expect(secret.length).toBeGreaterThan(30);
  await activate(journey.page, "Continue to Orders app");
  const secretState = await journey.page.locator("dt", { hasText: /^Secret$/ }).locator("xpath=following-sibling::dd[1]").textContent();
  expect(secretState).toMatch(/^set \d{4}-.*; the previous one works until \d{4}-/);
  expect(await journey.page.content()).not.toContain(secret);

  // Delete: Enter on the button without the box ticked leaves the page and moves the focus to the box.
  await tabTo(journey.page, { name: "Delete client" });
  await journey.page.keyboard.press("Enter");
  expect(await focused(journey.page)).toMatchObject({ id: "field-confirm", checked: false });
  expect(await text("h1")).toBe("Orders app");
  await journey.page.keyboard.press("Space");
  expect((await focused(journey.page)).checked).toBe(true);
  await activate(journey.page, "Delete client");
  expect(await text("[role=status]")).toBe("The client application was deleted.");
  expect(await journey.page.getByRole("link", { name: "Orders app" }).count()).toBe(0);
  // The page's own 400 (the first save) is its answer; nothing else went wrong.
  expect(journey.watched.problems.filter((problem) => problem.includes(journey.broker.url) && !problem.startsWith("HTTP 400: POST"))).toEqual([]);
});
