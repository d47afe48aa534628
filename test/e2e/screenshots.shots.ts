// The README's screenshots (`npm run screenshots`, scripts/screenshots.mjs): run by Vitest with the
// e2e project's global setup (test/e2e/screenshots.config.ts), not part of `npm test`. It seeds a
// console broker (console-broker.ts) with a little of everything, signs in as Alice, and saves one
// 1280×800 PNG per entry of SHOTS into SCREENSHOTS_DIR. To add a page, add an entry: `path` is opened
// (signed in), then `before` may act on the page (click, type) before the picture is taken.
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { launchBrowser } from "./browser";
import { startConsoleBroker, type ConsoleBroker } from "./console-broker";

/** What a shot's path and `before` may use: the broker, the seeded project ("Acme Health"), what was seeded in it. */
export interface ShotContext {
  page: Page;
  broker: ConsoleBroker;
  /** `/console/projects/<Acme Health's id>` */
  tenant: string;
  clientId: string;
  domain: string;
  /** `/setup/<token>`: a setup link for "Northwind Labs" in Acme Health (no account needed to open it). */
  setup: string;
}

export interface Shot {
  /** The file name, without `.png`. */
  name: string;
  path: (ctx: ShotContext) => string;
  before?: (ctx: ShotContext) => Promise<void>;
}

/** Scrolls so the element is `above` pixels below the window's top. */
async function scrollTo(page: Page, selector: string, above: number): Promise<void> {
  await page.locator(selector).evaluate((el, gap) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - gap), above);
}

export const SHOTS: Shot[] = [
  { name: "console-projects", path: () => "/console/projects" },
  { name: "console-clients", path: ({ tenant }) => `${tenant}/clients` },
  { name: "console-client-settings", path: ({ tenant, clientId }) => `${tenant}/clients/${clientId}` },
  { name: "console-provider-new", path: ({ tenant }) => `${tenant}/providers/new` },
  {
    name: "console-domain-dns-challenge", path: ({ tenant, domain }) => `${tenant}/domains/${domain}`,
    before: async ({ page }) => {
      await page.getByRole("button", { name: "Get the TXT record" }).click();
      await page.getByRole("button", { name: "Check now" }).click();
      await page.locator("#check-result").waitFor();
      await scrollTo(page, "#dns", 24);
    },
  },
  { name: "console-users", path: ({ tenant }) => `${tenant}/users` },
  {
    name: "console-audit-filtered", path: ({ tenant }) => `${tenant}/audit?action=client&outcome=success`,
    // The audit queue delivers within seconds.
    before: async ({ page }) => {
      for (let i = 0; i < 40 && (await page.locator("tbody tr").count()) < 2; i++) {
        await page.waitForTimeout(250);
        await page.reload();
      }
      await scrollTo(page, "#events", 190);
    },
  },
  { name: "console-signing-keys", path: () => "/console/signing-keys" },
  { name: "console-setup-links", path: ({ tenant }) => `${tenant}/setup-links` },
  // The customer's side of the setup link, in order.
  { name: "setup-1-provider", path: ({ setup }) => `${setup}/provider?kind=okta` },
  { name: "setup-2-register", path: ({ setup }) => `${setup}/register?kind=okta` },
  {
    name: "setup-3-credentials", path: ({ setup }) => `${setup}/credentials?kind=okta`,
    before: async ({ page }) => {
      await page.getByLabel("Issuer URL").fill(inject("emulatorIssuers").okta);
      await page.getByLabel("Client id", { exact: true }).fill("northwind-fedgate");
    },
  },
  {
    name: "setup-5-domains", path: ({ setup }) => `${setup}/credentials?kind=okta`,
    // Save the provider (the emulated Okta), then add a domain: the page shows the TXT record to publish.
    before: async ({ page }) => {
      await page.getByLabel("Issuer URL").fill(inject("emulatorIssuers").okta);
      await page.getByLabel("Client id", { exact: true }).fill("northwind-fedgate");
      await page.getByLabel("Client secret", { exact: true }).fill("typed-once");
      await page.getByRole("button", { name: "Add the provider" }).click();
      await page.getByRole("link", { name: "Continue: test a sign-in" }).waitFor();
      await page.goto(page.url().replace(/\/[^/]+(\?.*)?$/, "/domains"));
      await page.getByLabel("Email domain").fill("northwind.example");
      await page.getByRole("button", { name: "Add domain" }).click();
      await page.getByRole("button", { name: "Check now: northwind.example" }).waitFor();
    },
  },
  {
    name: "console-form-error", path: ({ tenant }) => `${tenant}/clients/new`,
    before: async ({ page }) => {
      await page.locator("#field-name").fill("Billing portal");
      await page.locator("#field-redirectUris").fill("http://billing.example/callback");
      await page.getByRole("button", { name: "Create client" }).click();
      await page.locator("#error-summary").waitFor();
    },
  },
];

const DIR = process.env.SCREENSHOTS_DIR;
/** README images stay small. */
const MAX_BYTES = 150 * 1024;

let browser: Browser;
let broker: ConsoleBroker;
let ctx: Omit<ShotContext, "page">;

beforeAll(async () => {
  if (!DIR) throw new Error("SCREENSHOTS_DIR is not set: run `npm run screenshots`");
  mkdirSync(DIR, { recursive: true });
  const emulatorOrigin = inject("emulatorOrigin");
  [browser, broker] = await Promise.all([launchBrowser(), startConsoleBroker({ vars: { DOH_RESOLVER_URL: `${emulatorOrigin}/dns/dns-query` } })]);
  const id = (await broker.admin("POST", "/projects", { name: "Acme Health" })).project.id as string;
  await broker.admin("POST", `/projects/${id}/providers`, {
    id: "acme-okta", name: "Acme Okta", kind: "okta", issuer: inject("emulatorIssuers").okta, clientId: "fedgate-acme", clientSecret: "not-shown", linkBy: "email", createUsers: true,
  });
  const { client } = await broker.admin("POST", `/projects/${id}/clients`, {
    name: "Patient portal", kind: "confidential", redirectUris: ["https://portal.acme.example/callback"],
    grantTypes: ["authorization_code", "refresh_token"], scopes: ["openid", "profile", "email", "offline_access"],
  });
  await broker.admin("POST", `/projects/${id}/clients`, {
    name: "Scheduling SPA", kind: "public", redirectUris: ["https://schedule.acme.example/callback"], grantTypes: ["authorization_code", "refresh_token"], scopes: ["openid", "email"],
  });
  await broker.admin("POST", `/projects/${id}/clients`, { name: "Lab results sync", kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"], scopes: ["results:write"] });
  for (const [i, name] of ["Dana Reyes", "Sam Okafor", "Priya Natarajan"].entries()) {
    const email = `${name.split(" ")[0]!.toLowerCase()}@acme.example`;
    await broker.admin("POST", `/projects/${id}/users`, { name, email, emailVerified: true, externalIds: [{ providerId: "acme-okta", subject: `00u-acme-${i}` }] });
  }
  const domain = "acme.example";
  await broker.admin("POST", `/projects/${id}/domains`, { domain, providerId: "acme-okta" });
  await broker.admin("POST", `/projects`, { name: "Globex Clinics" });
  const link = await broker.admin("POST", `/projects/${id}/setup-links`, { organization: "Northwind Labs" });
  ctx = { broker, tenant: `/console/projects/${id}`, clientId: client.id, domain, setup: new URL(link.url).pathname };
}, 90_000);

afterAll(async () => {
  await Promise.all([browser?.close(), broker?.dispose()]);
});

it("saves a screenshot of each console page in SHOTS", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await ctx.broker.signIn(page, "/console/projects");
  for (const shot of SHOTS) {
    const at = { ...ctx, page };
    const response = await page.goto(`${ctx.broker.url}${shot.path(at)}`);
    expect(response?.status(), shot.name).toBeLessThan(400);
    await shot.before?.(at);
    const file = join(DIR!, `${shot.name}.png`);
    await page.screenshot({ path: file, type: "png" });
    expect(statSync(file).size, `${file} is over ${MAX_BYTES} bytes`).toBeLessThanOrEqual(MAX_BYTES);
  }
  await context.close();
}, 120_000);
