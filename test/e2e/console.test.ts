// The admin console end to end in Debian's Chromium: sign in through the emulated Auth0 as the
// operator, open a project's client applications, and create a client with the keyboard alone (Tab,
// typing, Enter), seeing its secret once (broker: console-broker.ts).
import { expect, it } from "vitest";
import { openPage } from "./browser";
import { consoleRun } from "./console-run";

const run = consoleRun();

it("signs in to the console through the emulator and creates a client with the keyboard alone", async () => {
  const watched = await openPage(run.browser);
  const { page } = watched;
  await run.broker.signIn(page, `${run.tenant}/clients/new`);
  await page.getByRole("heading", { level: 1, name: "New client application" }).waitFor();
  await page.getByText("Signed in as alice@auth0.example").waitFor();

  /** Presses Tab until the element with `id` has focus (at most 25 times). */
  const tabTo = async (id: string) => {
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
    }
    throw new Error(`Tab never reached #${id}`);
  };
  // The skip link comes first and takes the focus past the top bar and navigation.
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
  await page.keyboard.press("Enter");
  await tabTo("field-kind-first"); // confidential, checked by default
  expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).checked)).toBe(true);
  await tabTo("field-name");
  await page.keyboard.type("Keyboard app");
  await tabTo("field-redirectUris");
  await page.keyboard.type("https://keyboard.example/callback");
  await tabTo("field-scopes");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("openid email");
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Create client");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Client Keyboard app created" }).waitFor();
  const secret = await page.locator("code.secret").textContent();
  expect(secret?.length).toBeGreaterThan(30);
  await page.getByRole("link", { name: "Continue to Keyboard app" }).click();
  await page.getByRole("heading", { level: 1, name: "Keyboard app" }).waitFor();
  expect(await page.content()).not.toContain(secret!);
  expect(await page.locator("#field-redirectUris").inputValue()).toBe("https://keyboard.example/callback");
  expect(watched.problems.filter((problem) => problem.includes(run.broker.url))).toEqual([]);
  await watched.context.close();
});
