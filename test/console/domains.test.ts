/**
 * The console's domain-mapping pages over HTTP, signed in through the emulator: the list with each
 * domain's provider and verification state, mapping (bad input and a domain another project holds
 * answered on the form), changing the provider (a stale ETag shows the mapping as it is now), the
 * DNS proof through the emulated DoH resolver (verified, not found, resolver failing), the
 * operator's override (only the operator sees it), unmapping, and another project refused.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProvider } from "../helpers/admin";
import { csrfOf, fieldValue, page, post } from "../helpers/console";
import { dnsControl, publishTxt } from "../helpers/dns";
import { consoleFixture, html } from "./fixture";

const fx = consoleFixture();
let okta: string;
let google: string;

beforeAll(async () => {
  [okta, google] = [(await newProvider(fx.mine, "okta")).id, (await newProvider(fx.mine, "google")).id];
});

const unique = () => `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}.example`;
const base = () => `/console/projects/${fx.mine.id}/domains`;
const csrf = async (cookie: string, path = base()) => csrfOf(await (await page(fx.setup, cookie, path)).text());
const mapDomain = async (cookie: string, domain: string, providerId: string) => post(fx.setup, cookie, `${base()}/new`, { csrf: await csrf(cookie), domain, providerId });

describe("console: domain mappings", () => {
  it("maps a domain, lists it with its provider and verification state, and audits it as the person", async () => {
    const domain = unique();
    const mapped = await mapDomain(fx.adminCookie, domain.toUpperCase(), okta);
    expect(mapped.status).toBe(303);
    expect(mapped.headers.get("Location")).toBe(`${base()}/${domain}?notice=mapped`);
    const list = await html(await page(fx.setup, fx.adminCookie, base()));
    expect(list.status).toBe(200);
    expect(list.text).toContain(`${domain}</a></td><td>okta test</td><td>Not verified</td>`);
    expect(list.text).toContain('aria-current="page">Domain mappings');
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/domains/${domain}`)).body).toMatchObject({ providerId: okta, verified: false });
    const log = await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/audit?limit=50`);
    const event = log.body.items.find((item: { action: string; target: { id: string } }) => item.action === "domain.create" && item.target.id === domain);
    expect(event.actor).toMatchObject({ kind: "user", userId: fx.setup.users.ulrich });
  });

  it("answers a bad domain on the form, naming the field, with the input kept", async () => {
    const refused = await html(await mapDomain(fx.adminCookie, "not a domain", okta));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('href="#field-domain"');
    expect(refused.text).toMatch(/<input[^>]*id="field-domain"[^>]*aria-invalid="true"/);
    expect(refused.text).toContain('value="not a domain"');
  });

  it("answers a domain another project holds on the domain field, pointing at the DNS proof", async () => {
    const domain = unique();
    const holderProvider = (await newProvider(fx.theirs, "okta")).id;
    expect((await api(fx.theirs.token, "POST", `/projects/${fx.theirs.id}/domains`, { domain, providerId: holderProvider })).status).toBe(201);
    const refused = await html(await mapDomain(fx.adminCookie, domain, okta));
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('href="#field-domain"');
    expect(refused.text).toContain("mapped in another project");
    expect(refused.text).toContain(`href="${base()}/${domain}"`);
    expect(refused.text).not.toContain("Theirs");
  });

  it("changes the provider with If-Match, and answers a stale ETag with the mapping as it is now", async () => {
    const domain = unique();
    await mapDomain(fx.adminCookie, domain, okta);
    const form = await (await page(fx.setup, fx.adminCookie, `${base()}/${domain}`)).text();
    const etag = fieldValue(form, "etag");
    const changed = await post(fx.setup, fx.adminCookie, `${base()}/${domain}`, { csrf: csrfOf(form), etag, providerId: google });
    expect(changed.status).toBe(303);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/domains/${domain}`)).body.providerId).toBe(google);
    // The same (now stale) form again: nothing saved, the mapping as it is now shown.
    const conflict = await html(await post(fx.setup, fx.adminCookie, `${base()}/${domain}`, { csrf: csrfOf(form), etag, providerId: okta }));
    expect(conflict.status).toBe(409);
    expect(conflict.text).toContain("This record changed meanwhile");
    expect(conflict.text).toContain(`google test (${google})`);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/domains/${domain}`)).body.providerId).toBe(google);
    const unknown = await html(await post(fx.setup, fx.adminCookie, `${base()}/${domain}`, { csrf: csrfOf(form), etag: fieldValue(conflict.text, "etag"), providerId: "nope" }));
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain("There is a problem");
  });

  it("proves ownership by DNS: the record to publish, not found, a resolver outage, then verified", async () => {
    const domain = unique();
    await mapDomain(fx.adminCookie, domain, okta);
    const path = `${base()}/${domain}`;
    const token = await csrf(fx.adminCookie, path);
    const issued = await post(fx.setup, fx.adminCookie, `${path}/challenge`, { csrf: token });
    expect(issued.status).toBe(303);
    const shown = await html(await page(fx.setup, fx.adminCookie, `${path}?notice=challenge`));
    const recordName = /<code id="record-name">([^<]+)<\/code>/.exec(shown.text)![1]!;
    const recordValue = /<code id="record-value">([^<]+)<\/code>/.exec(shown.text)![1]!;
    expect(recordName).toBe(`_fedgate-challenge.${domain}`);
    expect(recordValue).toMatch(/^fedgate-verification=[a-z2-7]{32}$/);
    expect(shown.text).toContain("Check now");

    const missing = await html(await post(fx.setup, fx.adminCookie, `${path}/check`, { csrf: token }));
    expect(missing.status).toBe(422);
    expect(missing.text).toContain(`${recordName} does not exist in DNS yet`);
    await publishTxt(recordName, ["v=spf1 -all"]);
    const wrong = await html(await post(fx.setup, fx.adminCookie, `${path}/check`, { csrf: token }));
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain("1 TXT record(s) were found");

    await publishTxt(recordName, ["v=spf1 -all", recordValue]);
    await dnsControl({ name: recordName, fail: "servfail" });
    const outage = await html(await post(fx.setup, fx.adminCookie, `${path}/check`, { csrf: token }));
    expect(outage.status).toBe(502);
    expect(outage.text).toContain("The DNS resolver is unavailable");
    expect(outage.text).not.toContain("Verified by DNS");
    await dnsControl({ name: recordName, fail: null });

    const verified = await html(await post(fx.setup, fx.adminCookie, `${path}/check`, { csrf: token }));
    expect(verified.status).toBe(200);
    expect(verified.text).toContain('<dd id="verification">Verified by DNS</dd>');
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/domains/${domain}`)).body).toMatchObject({ verified: true, verifiedBy: "dns" });
    expect((await html(await page(fx.setup, fx.adminCookie, base()))).text).toContain("Verified by DNS");
  });

  it("shows the operator's override to the operator only, with a confirmation", async () => {
    const domain = unique();
    await mapDomain(fx.adminCookie, domain, okta);
    const path = `${base()}/${domain}`;
    expect((await html(await page(fx.setup, fx.adminCookie, path))).text).not.toContain('<h2 id="override">');
    // The project admin posting it anyway is refused by the API.
    const byAdmin = await html(await post(fx.setup, fx.adminCookie, `${path}/verify`, { csrf: await csrf(fx.adminCookie, path), confirm: "yes" }));
    expect(byAdmin.status).toBe(403);
    const operatorPage = await html(await page(fx.setup, fx.operatorCookie, path));
    expect(operatorPage.text).toContain('<h2 id="override">');
    const token = csrfOf(operatorPage.text);
    const unconfirmed = await html(await post(fx.setup, fx.operatorCookie, `${path}/verify`, { csrf: token }));
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toMatch(/id="field-confirm-verify"[^>]*aria-invalid="true"/);
    expect((await post(fx.setup, fx.operatorCookie, `${path}/verify`, { csrf: token, confirm: "yes" })).status).toBe(303);
    expect((await html(await page(fx.setup, fx.operatorCookie, path))).text).toContain('<dd id="verification">Verified by the operator</dd>');
    expect((await post(fx.setup, fx.operatorCookie, `${path}/unverify`, { csrf: token, confirm: "yes" })).status).toBe(303);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/domains/${domain}`)).body.verified).toBe(false);
  });

  it("unmaps with a confirmation", async () => {
    const domain = unique();
    await mapDomain(fx.adminCookie, domain, okta);
    const path = `${base()}/${domain}`;
    const token = await csrf(fx.adminCookie, path);
    expect((await post(fx.setup, fx.adminCookie, `${path}/delete`, { csrf: token })).status).toBe(400);
    const deleted = await post(fx.setup, fx.adminCookie, `${path}/delete`, { csrf: token, confirm: "yes" });
    expect(deleted.status).toBe(303);
    expect((await api(fx.mine.token, "GET", `/projects/${fx.mine.id}/domains/${domain}`)).status).toBe(404);
  });

  it("refuses a project admin another project's domain pages (404)", async () => {
    for (const path of [`/console/projects/${fx.theirs.id}/domains`, `/console/projects/${fx.theirs.id}/domains/theirs.example`]) {
      const refused = await html(await page(fx.setup, fx.adminCookie, path));
      expect(refused.status, path).toBe(404);
      expect(refused.text).not.toContain("Theirs");
    }
    const posted = await post(fx.setup, fx.adminCookie, `/console/projects/${fx.theirs.id}/domains/new`, { csrf: await csrf(fx.adminCookie), domain: unique(), providerId: okta });
    expect(posted.status).toBe(404);
  });

  it("shows only the notices it knows: ?notice= naming an Object property shows none", async () => {
    for (const key of ["constructor", "__proto__", "toString"]) {
      const shown = await html(await page(fx.setup, fx.adminCookie, `${base()}/${unique()}?notice=${key}`));
      expect(shown.status, key).toBe(200);
      expect(shown.text, key).not.toContain('role="status"');
    }
    expect((await html(await page(fx.setup, fx.adminCookie, `${base()}/${unique()}?notice=challenge`))).text).toContain("Here is the TXT record to publish.");
  });
});
