// Debian's Chromium (`apt-get install chromium`, /usr/bin/chromium) driven by playwright-core: no
// browser download (never `npx playwright install`). Flags from TOOLCHAIN.md: no sandbox (root in CI),
// no GPU, and nothing that reaches the network on its own (the machines are offline).
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Launches headless Chromium; close it with `browser.close()` (in afterAll). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 15_000 });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught page errors, failed requests and HTTP errors, in order. */
  problems: string[];
}

/** Opens a page in a fresh context (no shared cookies) that records everything that went wrong. */
export async function openPage(browser: Browser, options: { viewport?: { width: number; height: number } } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000); // below the test timeout, so a missing element fails with its selector
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText})`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  return { context, page, problems };
}

/**
 * The person's part of a sign-in from an app's page: the app's "Sign in" button, Fedgate's page
 * (project heading, email), then the emulated provider's form. Returns when the provider's form is
 * submitted; the caller waits for what its app shows next.
 */
export async function signInFromApp(page: Page, options: { appUrl: string; projectName: string; emulatorOrigin: string; email: string; password: string }): Promise<void> {
  await page.goto(options.appUrl);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: `Sign in to ${options.projectName}` }).waitFor();
  await page.getByLabel("Email address").fill(options.email);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL((url) => url.origin === options.emulatorOrigin);
  await page.locator("#email").fill(options.email);
  await page.locator("#password").fill(options.password);
  await page.locator('button[type="submit"]').click();
}
