/**
 * The console's audit pages over HTTP: a project's log with filters (action, outcome, actor, time
 * range) passed to the admin API, newest first, paged with its cursor; a filter the API refuses named
 * on the form; the operator's platform log (/console/audit, any project by id); a project admin
 * refused another project's log and the platform log (404).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/admin";
import { page } from "../helpers/console";
import { consoleFixture, html } from "./fixture";

const fx = consoleFixture();

beforeAll(async () => {
  // 55 user.create events, then one user.disable: more than a page.
  let last = "";
  for (let i = 0; i < 55; i++) last = (await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/users`, { name: `P${i}` })).body.id;
  const read = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users/${last}`);
  await api(fx.mine.token, "PATCH", `/projects/${fx.mine.id}/users/${last}`, { disabled: true }, { "If-Match": read.headers.get("ETag")! });
  await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/audit?limit=1`); // waits for the audit queue
});

const auditPath = (projectId = fx.mine.id) => `/console/projects/${projectId}/audit`;
const actionsOf = (text: string) => [...text.matchAll(/<td><code>([a-z.-]+)<\/code><\/td>/g)].map((m) => m[1]);

describe("console: audit log", () => {
  it("shows a project's events newest first, with accessible filters, and pages with the API's cursor", async () => {
    const first = await html(await page(fx.setup, fx.adminCookie, auditPath()));
    expect(first.status).toBe(200);
    const actions = actionsOf(first.text);
    expect(actions).toHaveLength(50);
    expect(actions[0]).toBe("user.disable");
    for (const label of ['<label for="field-action">', '<label for="field-actor">', '<label for="field-since">', '<label for="field-until">', "<legend>Outcome</legend>"]) expect(first.text).toContain(label);
    const older = /href="([^"]+)">Older events/.exec(first.text)![1]!.replace(/&amp;/g, "&");
    const second = await html(await page(fx.setup, fx.adminCookie, older));
    expect(actionsOf(second.text)).toEqual(["user.create", "user.create", "user.create", "user.create", "user.create", "user.create", "api-key.create", "project.create"]);
    expect(second.text).not.toContain("Older events");
  });

  it("filters by action, outcome, actor and time range, keeping the filters across pages", async () => {
    const disabled = await html(await page(fx.setup, fx.adminCookie, `${auditPath()}?action=user.disable`));
    expect(actionsOf(disabled.text)).toEqual(["user.disable"]);
    expect(disabled.text).toContain('name="action" value="user.disable"');
    const byPrefix = await html(await page(fx.setup, fx.adminCookie, `${auditPath()}?action=user&outcome=success&actor=api-key`));
    expect(actionsOf(byPrefix.text)).toHaveLength(50);
    const older = /href="([^"]+)">Older events/.exec(byPrefix.text)![1]!.replace(/&amp;/g, "&");
    expect(older).toContain("action=user");
    expect(actionsOf((await html(await page(fx.setup, fx.adminCookie, older))).text)).toEqual(["user.create", "user.create", "user.create", "user.create", "user.create", "user.create"]);
    expect(actionsOf((await html(await page(fx.setup, fx.adminCookie, `${auditPath()}?outcome=failure`))).text)).toEqual([]);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    const inRange = await html(await page(fx.setup, fx.adminCookie, `${auditPath()}?action=project&since=${hourAgo}`));
    expect(actionsOf(inRange.text)).toEqual(["project.create"]);
    const before = await html(await page(fx.setup, fx.adminCookie, `${auditPath()}?until=${hourAgo.slice(0, 10)}`));
    expect(before.text).toContain("No events match these filters.");
  });

  it("names a filter the API refuses on the form", async () => {
    const refused = await html(await page(fx.setup, fx.adminCookie, `${auditPath()}?since=yesterday&outcome=maybe`));
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/href="#field-since">From: /);
    expect(refused.text).toMatch(/href="#field-outcome">Outcome: /);
    expect(refused.text).toMatch(/id="field-since"[^>]*aria-invalid="true"/);
    expect(refused.text).toContain('value="yesterday"');
  });

  it("gives the operator the platform log of any project, the operator project's by default", async () => {
    await api(fx.setup.project.token, "GET", `/projects/${fx.setup.project.id}/audit?limit=1`); // waits for the audit queue
    const platform = await html(await page(fx.setup, fx.operatorCookie, "/console/audit?action=login.success"));
    expect(platform.status).toBe(200);
    expect(platform.text).toContain(`name="project" value="${fx.setup.project.id}"`);
    // The console's own sign-ins are the operator project's.
    expect(actionsOf(platform.text).length).toBeGreaterThanOrEqual(2);
    expect(platform.text).toContain("Platform audit log");
    const other = await html(await page(fx.setup, fx.operatorCookie, `/console/audit?project=${fx.mine.id}&action=user.disable`));
    expect(actionsOf(other.text)).toEqual(["user.disable"]);
    const unknown = await html(await page(fx.setup, fx.operatorCookie, "/console/audit?project=prj_nope"));
    expect(unknown.status).toBe(404);
    expect(unknown.text).toMatch(/href="#field-project">Project id: no project/);
  });

  it("refuses a project admin another project's log and the platform log with the 404 page", async () => {
    for (const path of [auditPath(fx.theirs.id), `/console/audit?project=${fx.mine.id}`, "/console/audit"]) {
      const refused = await html(await page(fx.setup, fx.adminCookie, path));
      expect(refused.status, path).toBe(404);
      expect(refused.text).not.toContain("<td><code>");
    }
  });
});
