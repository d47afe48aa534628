// The admin API reference at /admin/v1/docs in real Chromium: Swagger UI loads from Workers Static
// Assets, renders every operation of /admin/v1/openapi.json under a strict CSP without a single
// console error or failed request, and "Try it out" reaches the API with the token typed into Authorize.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, openPage, type WatchedPage } from "./browser";

const brokerUrl = inject("brokerUrl");
const adminToken = inject("adminToken");
const ARTIFACTS = join(import.meta.dirname, ".artifacts");

// One browser and one page for the file: Swagger UI takes ~2 s to parse and render on these machines.
let browser: Browser;
let watched: WatchedPage;
beforeAll(async () => {
  browser = await launchBrowser();
  watched = await openPage(browser);
});
afterAll(async () => {
  await browser?.close();
});

describe("GET /admin/v1/docs", () => {
  it("answers HTML with a strict CSP, caching and nosniff, and its scripts come from this origin", async () => {
    const res = await fetch(`${brokerUrl}/admin/v1/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).not.toMatch(/<script>|\son\w+=|https?:\/\//); // no inline code, nothing from elsewhere

    for (const [path, type] of [["/admin/v1/docs/swagger-ui/swagger-ui-bundle.js", /javascript/], ["/admin/v1/docs/swagger-ui/swagger-ui.css", /text\/css/]] as const) {
      const asset = await fetch(brokerUrl + path);
      await asset.arrayBuffer();
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get("content-type"), path).toMatch(type);
      expect(asset.headers.get("x-content-type-options"), path).toBe("nosniff");
    }
  });

  it("renders every operation in Chromium with no console errors and no failed requests", async () => {
    const document = (await (await fetch(`${brokerUrl}/admin/v1/openapi.json`)).json()) as { info: { title: string }; paths: Record<string, object> };
    const { page, problems } = watched;
    const loaded = await page.goto(`${brokerUrl}/admin/v1/docs`);
    expect(loaded?.status(), "GET /admin/v1/docs").toBe(200);
    await page.locator(".swagger-ui .info .title").filter({ hasText: document.info.title }).waitFor();
    await page.locator('.opblock-summary-path[data-path$="/projects"]').first().waitFor();
    const operationCount = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).filter((k) => k !== "parameters").length, 0);
    expect(await page.locator(".opblock").count()).toBe(operationCount);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "admin-docs.png") });
    expect(problems).toEqual([]);
  });

  it("tries GET /admin/v1/projects with the token typed into Authorize", async () => {
    const { page, problems } = watched;
    expect(await page.locator(".opblock").count(), "the reference rendered (previous test)").toBeGreaterThan(0);
    await page.locator("button.authorize").click();
    await page.locator(".auth-container input").fill(adminToken);
    await page.locator(".auth-container button.authorize").click();
    await page.locator("button.btn-done").click();

    const operation = page.locator(".opblock-get").filter({ has: page.locator('.opblock-summary-path[data-path$="/projects"]') }).first();
    await operation.locator(".opblock-summary-control").click();
    await operation.locator("button.try-out__btn").click();
    const answered = page.waitForResponse((res) => new URL(res.url()).pathname === "/admin/v1/projects");
    await operation.locator("button.execute").click();
    const res = await answered;
    expect(res.request().headers()["authorization"]).toBe(`Bearer ${adminToken}`);
    expect(res.status()).toBe(200);
    await operation.locator(".live-responses-table .response-col_status").filter({ hasText: "200" }).first().waitFor();

    await operation.screenshot({ path: join(ARTIFACTS, "admin-docs-try-it-out.png") });
    expect(problems).toEqual([]);
  });
});
