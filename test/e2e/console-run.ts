// What the console's browser test files share: Chromium and a console broker (console-broker.ts),
// started before a file's tests and closed after them. `consoleRun()` registers those hooks and
// returns the object they fill; `keyboardJourney()` also opens one page and signs in as Alice there,
// for the keyboard-only files, whose tests run in order on that one page.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchBrowser, openPage, type WatchedPage } from "./browser";
import { startConsoleBroker, type ConsoleBroker } from "./console-broker";

export interface ConsoleRun {
  browser: Browser;
  broker: ConsoleBroker;
  /** The tenant project's pages: `/console/projects/<its id>`. */
  tenant: string;
}

export interface RunOptions {
  /** More of the broker's settings, e.g. DOH_RESOLVER_URL. */
  vars?: Record<string, string>;
  /** What the file's tests need in the tenant project, made through the admin API before they run. */
  prepare?: (broker: ConsoleBroker) => Promise<void>;
}

export function consoleRun(options: RunOptions = {}): ConsoleRun {
  const run = {} as ConsoleRun;
  beforeAll(async () => {
    const [browser, broker] = await Promise.all([launchBrowser(), startConsoleBroker(options.vars ? { vars: options.vars } : {})]);
    Object.assign(run, { browser, broker, tenant: `/console/projects/${broker.tenantId}` });
    await options.prepare?.(broker);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([run.browser?.close(), run.broker?.dispose()]);
  });
  return run;
}

export interface KeyboardJourney extends ConsoleRun {
  watched: WatchedPage;
  page: Page;
  /** The text of the first element matching `selector`. */
  text(selector: string): Promise<string | null>;
  /** The <dd> after the <dt> named `term`. */
  detail(term: string): Promise<string | null>;
}

/** `start`: the page to sign in at, once the broker is prepared. */
export function keyboardJourney(options: RunOptions & { start: (run: ConsoleRun) => string }): KeyboardJourney {
  const journey = consoleRun(options) as KeyboardJourney;
  beforeAll(async () => {
    journey.watched = await openPage(journey.browser);
    journey.page = journey.watched.page;
    await journey.broker.signIn(journey.page, options.start(journey));
  }, 90_000);
  journey.text = (selector) => journey.page.locator(selector).first().textContent();
  journey.detail = (term) => journey.page.locator("dt", { hasText: new RegExp(`^${term}$`) }).locator("xpath=following-sibling::dd[1]").textContent();
  return journey;
}
