/**
 * Test sign-in at a provider from the console, over HTTP through the Auth0 emulator: the claims
 * received and the linking verdict (create, link by subject, refuse) shown to the session that
 * started it and nobody else; nothing written (no user created or linked, no code issued); audited
 * as provider.test; refused to API keys and to admins of other projects.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, issuers, operator } from "../helpers/admin";
import { csrfOf, page, PEOPLE, post, signInToConsole, type Person } from "../helpers/console";
import { call, ISSUER } from "../helpers/worker";
import { consoleFixture, html } from "./fixture";

const fx = consoleFixture();
const PROVIDER = "tester";

beforeAll(async () => {
  const upstreamClientId = `console-test-${Date.now().toString(36)}`;
  const registered = await fetch(`${env.TEST_EMULATOR_ORIGIN}/__control/clients`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ provider: "auth0", clientId: upstreamClientId, clientSecret: "upstream-test-secret", redirectUris: [`${ISSUER}/auth/callback/${PROVIDER}`] }),
  });
  expect(registered.ok).toBe(true);
  const created = await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/providers`, {
    id: PROVIDER, name: "Tester", kind: "auth0", issuer: issuers.auth0, clientId: upstreamClientId, clientSecret: "upstream-test-secret", linkBy: "email", createUsers: true,
  });
  expect(created.status).toBe(201);
});

const providerPage = () => `/console/projects/${fx.mine.id}/providers/${PROVIDER}`;
const decode = (text: string) => text.replace(/&amp;/g, "&");

/** Starts a test sign-in from the console as `cookie`'s session and signs `person` in at the emulator; the URL the callback sent the browser to. */
async function testSignIn(cookie: string, person: Person): Promise<{ back: string; callback: Response }> {
  const csrf = csrfOf(await (await page(fx.setup, cookie, providerPage())).text());
  const started = await post(fx.setup, cookie, `${providerPage()}/test`, { csrf });
  expect(started.status).toBe(200);
  const interstitial = await started.text();
  const binding = started.headers.getSetCookie().find((c) => c.startsWith("fg_tx_"))!;
  expect(binding).toMatch(/; Path=\/auth\/callback; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
  const upstream = new URL(decode(/<a id="continue" href="([^"]+)"/.exec(interstitial)![1]!));
  expect(upstream.searchParams.get("redirect_uri")).toBe(`${ISSUER}/auth/callback/${PROVIDER}`);
  expect(upstream.searchParams.get("code_challenge_method")).toBe("S256");
  upstream.searchParams.set("login_hint", person.email);
  upstream.searchParams.set("test_password", person.password);
  const atProvider = await fetch(upstream, { redirect: "manual" });
  const location = atProvider.headers.get("Location")!;
  expect(location.startsWith(`${ISSUER}/auth/callback/${PROVIDER}?`)).toBe(true);
  const callback = await call(location.slice(ISSUER.length), { redirect: "manual", headers: { Cookie: binding.split(";")[0]! }, env: fx.setup.env });
  return { back: callback.headers.get("Location") ?? "", callback };
}

describe("console: test sign-in", () => {
  it("shows the claims and that linking would create a user, writing nothing, audited as provider.test", async () => {
    const { back, callback } = await testSignIn(fx.adminCookie, PEOPLE.alice);
    expect(callback.status).toBe(303);
    expect(back).toMatch(new RegExp(`^${ISSUER}${providerPage()}/test\\?test=[A-Za-z0-9_-]+$`));
    const shown = await html(await page(fx.setup, fx.adminCookie, back.slice(ISSUER.length)));
    expect(shown.status).toBe(200);
    expect(shown.text).toContain(`<code id="claim-subject">${PEOPLE.alice.subject}</code>`);
    expect(shown.text).toContain(`<dd id="claim-email">${PEOPLE.alice.email}</dd>`);
    expect(shown.text).toContain('<dd id="claim-email-verified">yes</dd>');
    // auth0.example is mapped to no provider of this project: the email is not linkable.
    expect(shown.text).toMatch(/<p id="verdict">Would create a new user with the email stored unverified\.<\/p>/);
    expect(shown.text).toContain("Nothing was written");
    // Nothing was written: no user in the project.
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users?limit=10`)).body.items).toEqual([]);
    const log = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/audit?limit=50`);
    const event = log.body.items.find((item: { action: string }) => item.action === "provider.test");
    expect(event).toMatchObject({ target: { type: "provider", id: PROVIDER }, actor: { kind: "user", userId: fx.setup.users.ulrich } });
    expect(log.body.items.some((item: { action: string }) => item.action === "login.success" || item.action === "user.create")).toBe(false);
  });

  it("says linking would sign in an existing user by subject, or refuse a disabled one", async () => {
    const user = await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/users`, { email: PEOPLE.walt.email, externalIds: [{ providerId: PROVIDER, subject: PEOPLE.walt.subject }] });
    expect(user.status).toBe(201);
    const linked = await html(await page(fx.setup, fx.adminCookie, (await testSignIn(fx.adminCookie, PEOPLE.walt)).back.slice(ISSUER.length)));
    expect(linked.text).toContain(`Would sign in as the existing user <a href="/console/projects/${fx.mine.id}/users/${user.body.id}">${user.body.id}</a>, found by this provider&#39;s subject.`);
    const disabled = await api(fx.mine.token, "PATCH", `/projects/${fx.mine.id}/users/${user.body.id}`, { disabled: true }, { "If-Match": user.headers.get("ETag")! });
    expect(disabled.status).toBe(200);
    const refused = await html(await page(fx.setup, fx.adminCookie, (await testSignIn(fx.adminCookie, PEOPLE.walt)).back.slice(ISSUER.length)));
    expect(refused.text).toContain("Would refuse the sign-in: the user it would be is disabled");
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users/${user.body.id}`)).body.externalIds).toHaveLength(1);
  });

  it("says linking would attach the identity to the user with the verified email where the provider is authoritative for its domain", async () => {
    // auth0.example may be mapped by other test projects: the operator's word lets this one map it too.
    expect((await operator("PUT", `/projects/${fx.mine.id}/domain-verifications/auth0.example`)).status).toBe(204);
    expect((await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/domains`, { domain: "auth0.example", providerId: PROVIDER })).status).toBe(201);
    const user = await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/users`, { email: PEOPLE.alice.email, emailVerified: true });
    expect(user.status).toBe(201);
    const shown = await html(await page(fx.setup, fx.adminCookie, (await testSignIn(fx.adminCookie, PEOPLE.alice)).back.slice(ISSUER.length)));
    expect(shown.text).toContain(`Would sign in as the existing user <a href="/console/projects/${fx.mine.id}/users/${user.body.id}">${user.body.id}</a>, found by verified email`);
    expect(shown.text).toContain("The email is linkable");
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users/${user.body.id}`)).body.externalIds).toEqual([]);
    await api(fx.mine.token, "DELETE", `/projects/${fx.mine.id}/domains/auth0.example`);
  });

  it("shows the outcome only to the session that started it", async () => {
    const { back } = await testSignIn(fx.adminCookie, PEOPLE.alice);
    const other = (await signInToConsole(fx.setup, PEOPLE.ulrich)).cookie;
    const hidden = await html(await page(fx.setup, other, back.slice(ISSUER.length)));
    expect(hidden.status).toBe(404);
    expect(hidden.text).not.toContain(PEOPLE.alice.subject);
    expect((await page(fx.setup, fx.adminCookie, `${providerPage()}/test?test=not-a-test-id-at-all-000`)).status).toBe(404);
  });

  it("is refused to an API key and to an admin of another project", async () => {
    const body = { returnTo: `${providerPage()}/test`, bindingHash: "a".repeat(43), session: "b".repeat(43) };
    const byKey = await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/providers/${PROVIDER}/test-sign-ins`, body);
    expect(byKey.status).toBe(403);
    const badReturn = await api(fx.mine.token, "POST", `/projects/${fx.mine.id}/providers/${PROVIDER}/test-sign-ins`, { ...body, returnTo: "https://evil.example/" });
    expect(badReturn.status).toBe(400);
    const csrf = csrfOf(await (await page(fx.setup, fx.adminCookie, providerPage())).text());
    expect((await post(fx.setup, fx.adminCookie, `/console/projects/${fx.theirs.id}/providers/${PROVIDER}/test`, { csrf })).status).toBe(404);
  });

  it("shows the roles the provider's mappings would grant, and still writes nothing", async () => {
    const path = `/projects/${fx.mine.id}/providers/${PROVIDER}`;
    const read = await api(fx.mine.token, "GET", path);
    const mapped = { groupsClaim: "https://fedgate.dev/roles", roleMappings: [{ group: "admin", role: "app:admin" }, { group: "nobody", role: "unused" }] };
    expect((await api(fx.mine.token, "PATCH", path, mapped, { "If-Match": read.headers.get("ETag")! })).status).toBe(200);
    const users = async () => (await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/users?limit=100`)).body.items;
    const before = await users();
    const { back } = await testSignIn(fx.adminCookie, PEOPLE.alice);
    const shown = await html(await page(fx.setup, fx.adminCookie, back.slice(ISSUER.length)));
    expect(shown.text).toContain('<dd id="claim-roles">app:admin</dd>');
    expect(await users()).toEqual(before);
  });
});
