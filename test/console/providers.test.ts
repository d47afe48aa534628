/**
 * The console's identity-provider pages over HTTP, signed in through the emulator: create (the API's
 * discovery check at the emulated Okta; an unusable issuer and a malformed one answered on the issuer
 * field), the secret write-only (never on any page), settings with If-Match (a stale ETag shows the
 * provider as it is now), delete refused while a domain uses it, and another project refused.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, issuers, newProvider } from "../helpers/admin";
import { csrfOf, fieldValue, page, post } from "../helpers/console";
import { consoleFixture, html } from "./fixture";

const fx = consoleFixture();

const base = () => `/console/projects/${fx.mine.id}/providers`;
const SECRET = "s3cret-typed-in-the-console-0123456789";
const create = async (fields: Record<string, string>) => {
  const csrf = csrfOf(await (await page(fx.setup, fx.adminCookie, `${base()}/new`)).text());
  return post(fx.setup, fx.adminCookie, `${base()}/new`, {
    csrf, kind: "okta", issuer: issuers.okta, name: "Corp Okta", clientId: "corp-client", clientSecret: SECRET, scopes: "openid email profile",
    linkBy: "email", createUsers: "yes", audiences: "", exchangeClientIds: "", maxTokenAgeSeconds: "", ...fields,
  });
};

describe("console: identity providers", () => {
  it("adds a provider (discovery checked), shows its callback URL and never its secret", async () => {
    const id = `corp-${Date.now().toString(36)}`;
    const created = await create({ id, audiences: "api://default\n" });
    expect(created.status).toBe(303);
    expect(created.headers.get("Location")).toBe(`${base()}/${id}?notice=created`);
    const shown = await html(await page(fx.setup, fx.adminCookie, `${base()}/${id}`));
    expect(shown.status).toBe(200);
    expect(shown.text).toContain(`/auth/callback/${id}</code>`);
    expect(shown.text).toContain('<dd id="secret-state">Set (never shown)</dd>');
    expect(shown.text).toMatch(/<input type="password" id="field-clientSecret" name="clientSecret" value=""/);
    expect(shown.text).not.toContain(SECRET);
    const read = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/providers/${id}`);
    expect(read.body).toMatchObject({ kind: "okta", issuer: issuers.okta, clientId: "corp-client", hasClientSecret: true, linkBy: "email", createUsers: true, exchange: { audiences: ["api://default"] } });
    const list = await html(await page(fx.setup, fx.adminCookie, base()));
    expect(list.text).toContain(`>Corp Okta</a>`);
    expect(list.text).toContain('aria-current="page">Identity providers');
    const log = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/audit?limit=50`);
    const event = log.body.items.find((item: { action: string; target: { id: string } }) => item.action === "provider.create" && item.target.id === id);
    expect(event.actor).toMatchObject({ kind: "user", userId: fx.setup.users.ulrich });
    expect(JSON.stringify(event)).not.toContain(SECRET);
  });

  it("answers an issuer without a usable discovery document on the issuer field, input kept, secret not", async () => {
    const refused = await html(await create({ issuer: `${env.TEST_EMULATOR_ORIGIN}/no-such-issuer`, name: "Broken" }));
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('href="#field-issuer"');
    expect(refused.text).toMatch(/<input[^>]*id="field-issuer"[^>]*aria-invalid="true"/);
    expect(refused.text).toContain('value="Broken"');
    expect(refused.text).not.toContain(SECRET);
    const malformed = await html(await create({ issuer: "ftp://idp.example", scopes: 'openid "email"' }));
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('href="#field-issuer"');
    expect(malformed.text).toContain('href="#field-scopes"');
  });

  it("saves settings with If-Match, keeps or removes the secret, and answers a stale ETag with the provider as it is now", async () => {
    const { id } = await newProvider(fx.mine, "google");
    const path = `${base()}/${id}`;
    const form = await (await page(fx.setup, fx.adminCookie, path)).text();
    const fields = {
      csrf: csrfOf(form), etag: fieldValue(form, "etag"), name: "Renamed here", clientId: "client-of-google", clientSecret: "", scopes: "openid email",
      linkBy: "subject", audiences: "", exchangeClientIds: "", maxTokenAgeSeconds: "",
    };
    expect((await post(fx.setup, fx.adminCookie, path, fields)).status).toBe(303);
    const saved = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/providers/${id}`);
    expect(saved.body).toMatchObject({ name: "Renamed here", linkBy: "subject", createUsers: false, hasClientSecret: true, scopes: ["openid", "email"] });
    const conflict = await html(await post(fx.setup, fx.adminCookie, path, { ...fields, name: "Stale" }));
    expect(conflict.status).toBe(409);
    expect(conflict.text).toContain("This record changed meanwhile");
    expect(conflict.text).toContain('value="Stale"');
    const removed = await post(fx.setup, fx.adminCookie, path, { ...fields, etag: fieldValue(conflict.text, "etag"), removeSecret: "yes" });
    expect(removed.status).toBe(303);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/providers/${id}`)).body.hasClientSecret).toBe(false);
    const current = await (await page(fx.setup, fx.adminCookie, path)).text();
    const bad = await html(await post(fx.setup, fx.adminCookie, path, { ...fields, etag: fieldValue(current, "etag"), maxTokenAgeSeconds: "5" }));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('href="#field-maxTokenAgeSeconds"');
  });

  it("refuses to delete a provider a domain uses, then deletes it with a confirmation", async () => {
    const { id } = await newProvider(fx.mine, "okta");
    const domain = `p${Date.now().toString(36)}.example`;
    expect((await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/domains`, { domain, providerId: id })).status).toBe(201);
    const path = `${base()}/${id}`;
    const csrf = csrfOf(await (await page(fx.setup, fx.adminCookie, path)).text());
    expect((await post(fx.setup, fx.adminCookie, `${path}/delete`, { csrf })).status).toBe(400);
    const inUse = await html(await post(fx.setup, fx.adminCookie, `${path}/delete`, { csrf, confirm: "yes" }));
    expect(inUse.status).toBe(409);
    expect(inUse.text).toContain("Still used by");
    await api(fx.mine.token, "DELETE", `/projects/${fx.mine.id}/domains/${domain}`);
    expect((await post(fx.setup, fx.adminCookie, `${path}/delete`, { csrf, confirm: "yes" })).status).toBe(303);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/providers/${id}`)).status).toBe(404);
  });

  it("refuses a project admin another project's provider pages (404)", async () => {
    const { id } = await newProvider(fx.theirs, "okta");
    for (const path of [`/console/projects/${fx.theirs.id}/providers`, `/console/projects/${fx.theirs.id}/providers/${id}`, `/console/projects/${fx.theirs.id}/providers/new`]) {
      const refused = await html(await page(fx.setup, fx.adminCookie, path));
      expect(refused.status, path).toBe(404);
      expect(refused.text).not.toContain("Theirs");
    }
    const csrf = csrfOf(await (await page(fx.setup, fx.adminCookie, base())).text());
    expect((await post(fx.setup, fx.adminCookie, `/console/projects/${fx.theirs.id}/providers/${id}/delete`, { csrf, confirm: "yes" })).status).toBe(404);
    expect((await api(fx.theirs.token, "GET", `/projects/${fx.theirs.id}/providers/${id}`)).status).toBe(200);
  });
});
