/**
 * The console's user pages over HTTP, signed in through the emulator: search by verified email, the
 * list in pages, a user's page, disable and enable with If-Match (a stale ETag shows the record as it
 * is now), detaching an identity after a confirmation step, bad input named on the page, another
 * project refused (404), a forged post refused (CSRF), and every change audited as the person.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject, newProvider } from "../helpers/admin";
import { csrfOf, fieldValue, page, PEOPLE, post } from "../helpers/console";
import { consoleFixture, html } from "./fixture";

const fx = consoleFixture();
let provider: string;

beforeAll(async () => {
  provider = (await newProvider(fx.mine, "okta")).id;
});

const usersPath = (projectId = fx.mine.id) => `/console/projects/${projectId}/users`;
let made = 0;
/** A user of `mine` with a verified email and two external identities. */
async function newUser(name = "Dana") {
  const n = made++;
  const created = await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/users`, {
    name, email: `${name.toLowerCase()}${n}@mine.example`, emailVerified: true,
    externalIds: [{ providerId: provider, subject: `00u${n}a` }, { providerId: provider, subject: `00u${n}|b/c` }],
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; email: string; externalIds: { providerId: string; subject: string }[] };
}

describe("console: users", () => {
  it("finds a user by verified email (any case) and shows their page", async () => {
    const user = await newUser("Dana");
    const found = await html(await page(fx.setup, fx.adminCookie, `${usersPath()}?email=${encodeURIComponent(user.email.toUpperCase())}`));
    expect(found.status).toBe(200);
    expect(found.text).toContain(`href="${usersPath()}/${user.id}"`);
    expect(found.text).toContain('role="search"');
    expect(found.text).toContain('<label for="field-email">');
    const none = await html(await page(fx.setup, fx.adminCookie, `${usersPath()}?email=nobody%40mine.example`));
    expect(none.status).toBe(200);
    expect(none.text).toContain("No user of this project has the verified email nobody@mine.example.");
    const shown = await html(await page(fx.setup, fx.adminCookie, `${usersPath()}/${user.id}`));
    expect(shown.status).toBe(200);
    for (const text of ["Dana", user.email, "Email verified</dt><dd>Yes", "Active", "00u", "Disable user", "Admin roles</dt><dd>none"]) expect(shown.text).toContain(text);
  });

  it("answers an email the API refuses on the search form, with the field named", async () => {
    const refused = await html(await page(fx.setup, fx.adminCookie, `${usersPath()}?email=${"a".repeat(330)}%40x.example`));
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/href="#field-email">Email: /);
    expect(refused.text).toContain('aria-invalid="true"');
  });

  it("lists users in pages with the API's cursor", async () => {
    const many = await newProject("Many");
    for (let i = 0; i < 52; i++) expect((await api(many.token, "POST", `/projects/${many.id}/users`, { name: `Person ${i}` })).status).toBe(201);
    const first = await html(await page(fx.setup, fx.operatorCookie, usersPath(many.id)));
    expect(first.status).toBe(200);
    const rows = (text: string) => [...text.matchAll(/href="\/console\/projects\/[^/]+\/users\/(usr_[^"]+)"/g)].map((m) => m[1]);
    expect(rows(first.text)).toHaveLength(50);
    const next = /href="([^"]+\?cursor=[^"]+)">Next page/.exec(first.text)![1]!.replace(/&amp;/g, "&");
    const second = await html(await page(fx.setup, fx.operatorCookie, next));
    expect(rows(second.text)).toHaveLength(2);
    expect(new Set([...rows(first.text), ...rows(second.text)]).size).toBe(52);
    expect(second.text).not.toContain("Next page");
  });

  it("disables and enables a user with If-Match, audited as the person", async () => {
    const user = await newUser("Erin");
    const path = `${usersPath()}/${user.id}`;
    const form = await (await page(fx.setup, fx.adminCookie, path)).text();
    expect(fieldValue(form, "disabled")).toBe("true");
    const disabled = await post(fx.setup, fx.adminCookie, `${path}/status`, { csrf: csrfOf(form), etag: fieldValue(form, "etag"), disabled: "true" });
    expect(disabled.status).toBe(303);
    expect(disabled.headers.get("Location")).toBe(`${path}?notice=disabled`);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users/${user.id}`)).body.disabled).toBe(true);
    const shown = await (await page(fx.setup, fx.adminCookie, `${path}?notice=disabled`)).text();
    expect(shown).toContain("The user is disabled.");
    expect(shown).toContain("Enable user");
    const enabled = await post(fx.setup, fx.adminCookie, `${path}/status`, { csrf: csrfOf(shown), etag: fieldValue(shown, "etag"), disabled: "false" });
    expect(enabled.status).toBe(303);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users/${user.id}`)).body.disabled).toBe(false);
    const log = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/audit?action=user&actor=${encodeURIComponent(PEOPLE.ulrich.email)}`);
    const actions = log.body.items.filter((e: { target: { id: string } }) => e.target.id === user.id).map((e: { action: string }) => e.action);
    expect(actions).toEqual(["user.enable", "user.disable"]);
  });

  it("shows the record as it is now when it changed since the page was read, and changes nothing", async () => {
    const user = await newUser("Finn");
    const path = `${usersPath()}/${user.id}`;
    const form = await (await page(fx.setup, fx.adminCookie, path)).text();
    const read = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users/${user.id}`);
    await api(fx.mine.token, "PATCH", `/projects/${fx.mine.id}/users/${user.id}`, { name: "Finn Renamed" }, { "If-Match": read.headers.get("ETag")! });
    const stale = await html(await post(fx.setup, fx.adminCookie, `${path}/status`, { csrf: csrfOf(form), etag: fieldValue(form, "etag"), disabled: "true" }));
    expect(stale.status).toBe(409);
    expect(stale.text).toContain("This record changed meanwhile");
    expect(stale.text).toContain("You asked to disable this user; nothing was changed.");
    expect(stale.text).toContain("Finn Renamed");
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users/${user.id}`)).body.disabled).toBe(false);
    // The page carries the new ETag: the same button now works.
    const again = await post(fx.setup, fx.adminCookie, `${path}/status`, { csrf: csrfOf(stale.text), etag: fieldValue(stale.text, "etag"), disabled: "true" });
    expect(again.status).toBe(303);
  });

  it("names a bad status on the page", async () => {
    const user = await newUser("Gale");
    const path = `${usersPath()}/${user.id}`;
    const form = await (await page(fx.setup, fx.adminCookie, path)).text();
    const refused = await html(await post(fx.setup, fx.adminCookie, `${path}/status`, { csrf: csrfOf(form), etag: fieldValue(form, "etag"), disabled: "maybe" }));
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/href="#field-disabled">Status: /);
  });

  it("detaches an identity after a confirmation step", async () => {
    const user = await newUser("Hal");
    const identity = user.externalIds[1]!; // a subject with | and /
    const shown = await (await page(fx.setup, fx.adminCookie, `${usersPath()}/${user.id}`)).text();
    const link = `${usersPath()}/${user.id}/identities/${provider}/${encodeURIComponent(identity.subject)}/detach`;
    expect(shown).toContain(`href="${link}"`);
    const confirm = await html(await page(fx.setup, fx.adminCookie, link));
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain(identity.subject);
    expect(confirm.text).toContain(`action="${link}"`);
    const unconfirmed = await html(await post(fx.setup, fx.adminCookie, link, { csrf: csrfOf(confirm.text) }));
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toMatch(/href="#field-confirm">Confirm: tick the box/);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users/${user.id}`)).body.externalIds).toHaveLength(2);
    const detached = await post(fx.setup, fx.adminCookie, link, { csrf: csrfOf(confirm.text), confirm: "yes" });
    expect(detached.status).toBe(303);
    expect(detached.headers.get("Location")).toBe(`${usersPath()}/${user.id}?notice=detached`);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users/${user.id}`)).body.externalIds).toEqual([user.externalIds[0]]);
    // Gone now: the confirmation page and the post are 404 pages.
    expect((await page(fx.setup, fx.adminCookie, link)).status).toBe(404);
    expect((await post(fx.setup, fx.adminCookie, link, { csrf: csrfOf(confirm.text), confirm: "yes" })).status).toBe(404);
  });

  it("refuses a project admin another project's users with the 404 page", async () => {
    const theirUser = await api(fx.theirs.token, "POST", `/projects/${fx.theirs.id}/users`, { name: "Theirs only", email: "t@theirs.example", emailVerified: true });
    for (const path of [usersPath(fx.theirs.id), `${usersPath(fx.theirs.id)}/${theirUser.body.id}`, `${usersPath(fx.theirs.id)}?email=t%40theirs.example`]) {
      const refused = await html(await page(fx.setup, fx.adminCookie, path));
      expect(refused.status, path).toBe(404);
      expect(refused.text).not.toContain("Theirs only");
    }
    const form = await (await page(fx.setup, fx.adminCookie, usersPath())).text();
    const posted = await post(fx.setup, fx.adminCookie, `${usersPath(fx.theirs.id)}/${theirUser.body.id}/status`, { csrf: csrfOf(form), etag: "*", disabled: "true" });
    expect(posted.status).toBe(404);
    expect((await api(fx.theirs.token, "GET", `/projects/${fx.theirs.id}/users/${theirUser.body.id}`)).body.disabled).toBe(false);
    // The operator sees it.
    expect((await page(fx.setup, fx.operatorCookie, `${usersPath(fx.theirs.id)}/${theirUser.body.id}`)).status).toBe(200);
  });

  it("refuses a forged disable (no CSRF token, or from another site) and changes nothing", async () => {
    const user = await newUser("Ivy");
    const path = `${usersPath()}/${user.id}`;
    const form = await (await page(fx.setup, fx.adminCookie, path)).text();
    const fields = { etag: fieldValue(form, "etag"), disabled: "true" };
    expect((await post(fx.setup, fx.adminCookie, `${path}/status`, { ...fields, csrf: "forged" })).status).toBe(403);
    expect((await post(fx.setup, fx.adminCookie, `${path}/status`, { ...fields, csrf: csrfOf(form) }, { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users/${user.id}`)).body.disabled).toBe(false);
  });
});
