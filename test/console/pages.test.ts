/**
 * The console's pages over HTTP, signed in through the emulator: who sees which projects, client
 * applications (create with the secret shown once, bad input answered on the form with the field
 * named, a stale ETag answered with the record as it is now), and every change audited by the admin
 * API as the person (actor kind user).
 */
import { describe, expect, it } from "vitest";
import { api, operator } from "../helpers/admin";
import { csrfOf, fieldValue, page, PEOPLE, post, signInToConsole } from "../helpers/console";
import { consoleFixture, html } from "./fixture";

const fx = consoleFixture();

describe("who administers what", () => {
  it("shows a project admin only their projects, and answers 404 for any other", async () => {
    const list = await html(await page(fx.setup, fx.adminCookie, "/console/projects"));
    expect(list.status).toBe(200);
    expect(list.text).toContain(fx.mine.id);
    expect(list.text).not.toContain(fx.theirs.id);
    expect(list.text).not.toContain(fx.setup.project.id);
    expect(list.text).not.toContain("Create a project"); // creating projects is the operator's
    expect(list.text).toContain(`<a href="/console/projects/${fx.mine.id}/clients">Mine</a>`); // in the navigation too
    expect((await page(fx.setup, fx.adminCookie, `/console/projects/${fx.mine.id}/clients`)).status).toBe(200);
    for (const path of [`/console/projects/${fx.theirs.id}/clients`, `/console/projects/${fx.theirs.id}`, `/console/projects/${fx.setup.project.id}/clients/new`]) {
      const refused = await html(await page(fx.setup, fx.adminCookie, path));
      expect(refused.status, path).toBe(404);
      expect(refused.text).not.toContain("Theirs");
    }
  });

  it("refuses a signed-in user without an admin role", async () => {
    const { cookie } = await signInToConsole(fx.setup, PEOPLE.walt);
    const refused = await html(await page(fx.setup, cookie, "/console/projects"));
    expect(refused.status).toBe(403);
    expect(refused.text).toContain("no admin role");
    expect((await page(fx.setup, cookie, `/console/projects/${fx.mine.id}/clients`)).status).toBe(403);
  });

  it("takes a removed role away at once, in a session already open", async () => {
    const { cookie } = await signInToConsole(fx.setup, PEOPLE.walt);
    const user = await operator("GET", `/projects/${fx.setup.project.id}/users/${fx.setup.users.walt}`);
    const given = await operator("PATCH", `/projects/${fx.setup.project.id}/users/${fx.setup.users.walt}`, { roles: [`admin:${fx.theirs.id}`] }, { "If-Match": user.headers.get("ETag")! });
    expect(given.status).toBe(200);
    expect((await page(fx.setup, cookie, `/console/projects/${fx.theirs.id}/clients`)).status).toBe(200);
    await operator("PATCH", `/projects/${fx.setup.project.id}/users/${fx.setup.users.walt}`, { roles: [] }, { "If-Match": given.headers.get("ETag")! });
    expect((await page(fx.setup, cookie, `/console/projects/${fx.theirs.id}/clients`)).status).toBe(403);
  });
});

describe("client applications", () => {
  const newClient = (cookie: string, fields: Record<string, string | string[]>) =>
    page(fx.setup, cookie, `/console/projects/${fx.mine.id}/clients/new`)
      .then((response) => response.text())
      .then((form) => post(fx.setup, cookie, `/console/projects/${fx.mine.id}/clients/new`, { csrf: csrfOf(form), ...fields }));

  it("creates a confidential client and shows its secret once", async () => {
    const created = await html(await newClient(fx.adminCookie, {
      kind: "confidential", name: "Billing", redirectUris: "https://billing.example/callback\n", grantTypes: ["authorization_code", "refresh_token"], scopes: "openid email",
    }));
    expect(created.status).toBe(201);
    const clientId = created.text.match(/Client id: <code>([^<]+)<\/code>/)![1]!;
    const secret = created.text.match(/<code class="secret"[^>]*>([^<]+)<\/code>/)![1]!;
    expect(secret.length).toBeGreaterThan(30);
    const shown = await html(await page(fx.setup, fx.adminCookie, `/console/projects/${fx.mine.id}/clients/${clientId}`));
    expect(shown.status).toBe(200);
    expect(shown.text).toContain("https://billing.example/callback");
    expect(shown.text).not.toContain(secret);
    // The API holds what the form said, and only a hash of the secret.
    const read = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/clients/${clientId}`);
    expect(read.body).toMatchObject({ name: "Billing", kind: "confidential", redirectUris: ["https://billing.example/callback"], scopes: ["openid", "email"], hasSecret: true });
  });

  it("answers a bad redirect URI on the form, naming the field, with the input kept", async () => {
    const refused = await html(await newClient(fx.adminCookie, { kind: "public", name: "Spa", redirectUris: "http://spa.example/cb", grantTypes: ["authorization_code"], scopes: "openid" }));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('href="#field-redirectUris"');
    expect(refused.text).toMatch(/Redirect URIs: line 1: may use http only on a loopback host/);
    expect(refused.text).toMatch(/<textarea[^>]*id="field-redirectUris"[^>]*aria-invalid="true"|<textarea[^>]*aria-invalid="true"[^>]*id="field-redirectUris"/);
    expect(refused.text).toContain('aria-describedby="field-redirectUris-hint field-redirectUris-error"');
    expect(refused.text).toContain("http://spa.example/cb</textarea>");
    expect(refused.text).toContain('value="Spa"');
  });

  it("answers a stale ETag with the record as it is now and the person's input kept", async () => {
    const made = await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/clients`, { name: "Before", kind: "public", redirectUris: ["https://app.example/cb"] });
    const clientId = made.body.client.id as string;
    const form = await (await page(fx.setup, fx.adminCookie, `/console/projects/${fx.mine.id}/clients/${clientId}`)).text();
    const etag = fieldValue(form, "etag");
    // Someone else renames it meanwhile.
    const meanwhile = await api(fx.mine.token, "PATCH", `/projects/${fx.mine.id}/clients/${clientId}`, { name: "Renamed elsewhere" }, { "If-Match": made.headers.get("ETag")! });
    expect(meanwhile.status).toBe(200);
    const fields = {
      csrf: csrfOf(form), etag, name: "My new name", redirectUris: "https://app.example/cb", grantTypes: ["authorization_code", "refresh_token"], scopes: "openid",
      ipAllow: "", ipDeny: "", tokenPerMinute: "", accessTokenSeconds: "3600", idTokenSeconds: "3600", refreshTokenSeconds: "2592000",
    };
    const conflict = await html(await post(fx.setup, fx.adminCookie, `/console/projects/${fx.mine.id}/clients/${clientId}`, fields));
    expect(conflict.status).toBe(409);
    expect(conflict.text).toContain("This record changed meanwhile");
    expect(conflict.text).toContain("Renamed elsewhere");
    expect(conflict.text).toContain('value="My new name"');
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/clients/${clientId}`)).body.name).toBe("Renamed elsewhere");
    // Saved again with the ETag the conflict page carries, it goes through.
    const fresh = fieldValue(conflict.text, "etag");
    const saved = await post(fx.setup, fx.adminCookie, `/console/projects/${fx.mine.id}/clients/${clientId}`, { ...fields, etag: fresh });
    expect(saved.status).toBe(303);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/clients/${clientId}`)).body.name).toBe("My new name");
  });

  it("saves IP rules and limits, and names a bad network or lifetime on the form", async () => {
    const made = await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/clients`, { name: "Rules", kind: "public", redirectUris: ["https://rules.example/cb"] });
    const path = `/console/projects/${fx.mine.id}/clients/${made.body.client.id}`;
    const form = await (await page(fx.setup, fx.adminCookie, path)).text();
    const fields = {
      csrf: csrfOf(form), etag: fieldValue(form, "etag"), name: "Rules", redirectUris: "https://rules.example/cb", grantTypes: ["authorization_code", "refresh_token"], scopes: "openid",
      ipAllow: "10.0.0.1/8", ipDeny: "", tokenPerMinute: "120", accessTokenSeconds: "10", idTokenSeconds: "3600", refreshTokenSeconds: "2592000",
    };
    const refused = await html(await post(fx.setup, fx.adminCookie, path, fields));
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/href="#field-ipAllow">Allowed networks: line 1: must be a CIDR/);
    expect(refused.text).toMatch(/href="#field-accessTokenSeconds">Access token lifetime: /);
    const saved = await post(fx.setup, fx.adminCookie, path, { ...fields, ipAllow: "10.0.0.0/8\n2001:db8::/48", accessTokenSeconds: "900" });
    expect(saved.status).toBe(303);
    const read = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/clients/${made.body.client.id}`);
    expect(read.body).toMatchObject({ ipRules: { allow: ["10.0.0.0/8", "2001:db8::/48"], deny: [] }, rateLimits: { tokenPerMinute: 120 }, tokenLifetimes: { accessTokenSeconds: 900 } });
  });

  it("rotates a secret with an overlap window, shows the new one once, and deletes", async () => {
    const made = await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/clients`, { name: "Batch", kind: "confidential", grantTypes: ["client_credentials"] });
    const clientId = made.body.client.id as string;
    const path = `/console/projects/${fx.mine.id}/clients/${clientId}`;
    const csrf = csrfOf(await (await page(fx.setup, fx.adminCookie, path)).text());
    const badOverlap = await html(await post(fx.setup, fx.adminCookie, `${path}/secret`, { csrf, overlapSeconds: "99999999" }));
    expect(badOverlap.status).toBe(400);
    expect(badOverlap.text).toContain('href="#field-overlapSeconds"');
    const rotated = await html(await post(fx.setup, fx.adminCookie, `${path}/secret`, { csrf, overlapSeconds: "600" }));
    expect(rotated.status).toBe(200);
    expect(rotated.text).toMatch(/<code class="secret"[^>]*>[^<]{30,}<\/code>/);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/clients/${clientId}`)).body.previousSecretExpiresAt).toBeTruthy();
    expect((await post(fx.setup, fx.adminCookie, `${path}/delete`, { csrf })).status).toBe(400); // not confirmed
    const deleted = await post(fx.setup, fx.adminCookie, `${path}/delete`, { csrf, confirm: "yes" });
    expect(deleted.status).toBe(303);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/clients/${clientId}`)).status).toBe(404);
  });

  it("goes through the admin API: its audit log names the person (actor kind user)", async () => {
    const created = await html(await newClient(fx.operatorCookie, { kind: "public", name: "Audited", redirectUris: "https://audited.example/cb", grantTypes: ["authorization_code"], scopes: "openid" }));
    expect(created.status).toBe(303);
    const log = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/audit?limit=50`);
    const event = log.body.items.find((item: { action: string; after?: { name?: string } }) => item.action === "client.create" && item.after?.name === "Audited");
    expect(event.actor).toEqual({ kind: "user", userId: fx.setup.users.alice, projectId: fx.setup.project.id, email: PEOPLE.alice.email });
  });
});
