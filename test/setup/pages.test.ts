/**
 * The setup pages over HTTP: a full run with the Okta emulator (choose Okta, the callback URL to
 * register, issuer and client, a test sign-in through the emulator, a domain proved through the
 * emulated DoH resolver, completion), ending with the provider present, the domain verified and
 * mapped, the link completed and every step in the audit log with actor setup-link; each step's bad
 * input answered on the page naming the field; CSRF; expired, revoked, completed and unknown links
 * answered with a page saying so.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../src/encoding";
import { DurableObjectStore } from "../../src/store/durable-object";
import { api, issuers, newProject } from "../helpers/admin";
import { fieldValue } from "../helpers/console";
import { publishTxt } from "../helpers/dns";
import { call, ISSUER } from "../helpers/worker";

let mine: { id: string; token: string };

beforeAll(async () => {
  mine = await newProject("Mine");
});

interface Browser {
  cookies: Map<string, string>;
}

const decode = (text: string) => text.replace(/&amp;/g, "&");

/** A request as a browser: its cookies sent, the ones set kept (by name; paths are the pages' own). */
async function visit(browser: Browser, path: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}) {
  const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  const response = await call(path, {
    method: init.method ?? (init.form ? "POST" : "GET"), redirect: "manual",
    headers: { ...(cookie ? { Cookie: cookie } : {}), ...(init.form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}), ...init.headers },
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
  });
  for (const set of response.headers.getSetCookie()) {
    const [pair] = set.split(";");
    const [name, value] = [pair!.slice(0, pair!.indexOf("=")), pair!.slice(pair!.indexOf("=") + 1)];
    if (/Max-Age=0/.test(set)) browser.cookies.delete(name);
    else browser.cookies.set(name, value);
  }
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function newLink(organization = "Acme Corp") {
  const created = await api(mine.token, "POST", `/projects/${mine.id}/setup-links`, { organization });
  expect(created.status).toBe(201);
  const token = (created.body.url as string).slice(`${ISSUER}/setup/`.length);
  return { id: created.body.id as string, token, base: `/setup/${token}` };
}

const unique = () => `s${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}.example`;

describe("setup pages", () => {
  it("runs through every step with the Okta emulator, ending with the provider active, the domain verified and the link completed", async () => {
    const link = await newLink();
    const browser: Browser = { cookies: new Map() };
    const opened = await visit(browser, link.base);
    expect(opened.status).toBe(303);
    expect(opened.headers.get("Location")).toBe(`${link.base}/provider`);
    expect(opened.headers.getSetCookie().join("\n")).toMatch(new RegExp(`fedgate-setup=[A-Za-z0-9_-]{43}; Path=${link.base}; Max-Age=\\d+; HttpOnly; SameSite=Lax; Secure`));
    const step1 = await visit(browser, `${link.base}/provider`);
    expect(step1.status).toBe(200);
    expect(step1.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    // The token is in the address: no Referer carries it to the provider's pages.
    expect(step1.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(step1.text).toContain('aria-current="step"');
    expect(step1.text).toContain("Acme Corp");
    // Nothing else of the project shows.
    expect(step1.text).not.toContain(mine.id);

    const step2 = await visit(browser, `${link.base}/register?kind=okta`);
    expect(step2.status).toBe(200);
    const callback = /<code id="callback-url">([^<]+)<\/code>/.exec(step2.text)![1]!;
    expect(callback).toMatch(new RegExp(`^${ISSUER}/auth/callback/setup-[a-z2-7]{12}$`));
    expect(step2.text).toContain("Sign-in redirect URI");
    expect(step2.text).toContain("Authorization Code");

    const upstreamClientId = `setup-okta-${Date.now().toString(36)}`;
    const registered = await fetch(`${env.TEST_EMULATOR_ORIGIN}/__control/clients`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ provider: "okta", clientId: upstreamClientId, clientSecret: "okta-secret", redirectUris: [callback] }),
    });
    expect(registered.ok).toBe(true);
    const step3 = await visit(browser, `${link.base}/credentials?kind=okta`);
    const csrf = fieldValue(step3.text, "csrf");
    const saved = await visit(browser, `${link.base}/credentials`, {
      form: { csrf, kind: "okta", name: "Acme Okta", issuer: issuers.okta, clientId: upstreamClientId, clientSecret: "okta-secret" },
    });
    expect(saved.status).toBe(303);
    const providerId = callback.split("/").pop()!;
    expect((await api(mine.token, "GET", `/projects/${mine.id}/providers/${providerId}`)).body).toMatchObject({ kind: "okta", clientId: upstreamClientId, hasClientSecret: true });
    const afterSave = await visit(browser, saved.headers.get("Location")!);
    expect(afterSave.text).not.toContain("okta-secret");

    // Step 4: a test sign-in through the emulator, back through the return page.
    const started = await visit(browser, `${link.base}/test`, { form: { csrf } });
    expect(started.status).toBe(200);
    const upstream = new URL(decode(/<a id="continue" href="([^"]+)"/.exec(started.text)![1]!));
    expect(upstream.searchParams.get("redirect_uri")).toBe(callback);
    upstream.searchParams.set("login_hint", "olivia@okta.example");
    upstream.searchParams.set("test_password", "olivia-password");
    const atProvider = await fetch(upstream, { redirect: "manual" });
    const back = await visit(browser, atProvider.headers.get("Location")!.slice(ISSUER.length));
    expect(back.status).toBe(303);
    expect(back.headers.get("Location")).toMatch(new RegExp(`^${ISSUER}/setup/return/${link.id}\\?test=`));
    const returned = await visit(browser, back.headers.get("Location")!.slice(ISSUER.length));
    expect(returned.status).toBe(303);
    const outcome = await visit(browser, returned.headers.get("Location")!);
    expect(outcome.status).toBe(200);
    expect(outcome.text).toContain('<code id="claim-subject">00u1fedgate0olivia01</code>');
    expect(outcome.text).toContain('<dd id="claim-email">olivia@okta.example</dd>');
    expect(outcome.text).toContain('id="verdict"');
    // Another browser (another link cookie) does not see it.
    const other = await visit({ cookies: new Map() }, returned.headers.get("Location")!);
    expect(other.text).not.toContain("claim-subject");

    // Step 5: a domain, its TXT record, checked before and after publishing.
    const domain = unique();
    expect((await visit(browser, `${link.base}/domains`, { form: { csrf, domain } })).status).toBe(303);
    const listed = await visit(browser, `${link.base}/domains`);
    const value = /value <code class="secret">([^<]+)<\/code>/.exec(listed.text)![1]!;
    expect(listed.text).toContain(`_fedgate-challenge.${domain}`);
    const early = await visit(browser, `${link.base}/domains/check`, { form: { csrf, domain } });
    expect(early.status).toBe(422);
    expect(early.text).toContain('id="check-result"');
    await publishTxt(`_fedgate-challenge.${domain}`, [value]);
    const checked = await visit(browser, `${link.base}/domains/check`, { form: { csrf, domain } });
    expect(checked.status).toBe(200);
    expect(checked.text).toContain(`${domain} is verified`);
    expect((await api(mine.token, "GET", `/projects/${mine.id}/domains/${domain}`)).body).toMatchObject({ providerId, verified: true, verifiedBy: "dns" });

    // Step 6: complete; the link then shows it is completed.
    const done = await visit(browser, `${link.base}/done`, { form: { csrf } });
    expect(done.status).toBe(200);
    expect(done.text).toContain("Single sign-on is set up");
    expect(done.text).toContain(`${domain}: verified, people are sent to your provider`);
    const closed = await visit(browser, `${link.base}/provider`);
    expect(closed.status).toBe(410);
    expect(closed.text).toContain("This setup is complete");
    const links = await api(mine.token, "GET", `/projects/${mine.id}/setup-links`);
    expect(links.body.items.find((item: { id: string }) => item.id === link.id)).toMatchObject({ state: "completed", providerId, domains: [domain] });
    const log = await api(mine.token, "GET", `/projects/${mine.id}/audit?actor=setup-link:${link.id}&limit=100`);
    expect(log.body.items.map((event: { action: string }) => event.action).sort()).toEqual(
      ["domain.challenge.issue", "domain.create", "domain.verify", "provider.create", "provider.test", "setup-link.complete"],
    );
  });

  it("answers each step's bad input on the page, naming the field", async () => {
    const link = await newLink();
    const browser: Browser = { cookies: new Map() };
    const noKind = await visit(browser, `${link.base}/register?kind=__proto__`);
    expect(noKind.status).toBe(400);
    expect(noKind.text).toContain('href="#field-kind"');
    const step3 = await visit(browser, `${link.base}/credentials?kind=oidc`);
    const csrf = fieldValue(step3.text, "csrf");
    const badIssuer = await visit(browser, `${link.base}/credentials`, { form: { csrf, kind: "oidc", name: "X", issuer: "http://not-loopback.example", clientId: "c" } });
    expect(badIssuer.status).toBe(400);
    expect(badIssuer.text).toMatch(/<input[^>]*id="field-issuer"[^>]*aria-invalid="true"/);
    expect(badIssuer.text).toContain('value="http://not-loopback.example"');
    const unusable = await visit(browser, `${link.base}/credentials`, { form: { csrf, kind: "oidc", name: "X", issuer: `${env.TEST_EMULATOR_ORIGIN}/nowhere`, clientId: "c" } });
    expect([422, 502]).toContain(unusable.status);
    expect(unusable.text).toContain('href="#field-issuer"');
    const noClient = await visit(browser, `${link.base}/credentials`, { form: { csrf, kind: "okta", name: "X", issuer: issuers.okta, clientId: "" } });
    expect(noClient.status).toBe(400);
    expect(noClient.text).toContain('href="#field-clientId"');
    const badDomain = await visit(browser, `${link.base}/domains`, { form: { csrf, domain: "not a domain" } });
    expect(badDomain.status).toBe(400);
    expect(badDomain.text).toMatch(/<input[^>]*id="field-domain"[^>]*aria-invalid="true"/);
    const notOurs = await visit(browser, `${link.base}/domains/check`, { form: { csrf, domain: "example.com" } });
    expect(notOurs.status).toBe(400);
    expect(notOurs.text).toContain('href="#field-domain"');
    const early = await visit(browser, `${link.base}/done`, { form: { csrf } });
    expect(early.status).toBe(409);
    expect(early.text).toContain("Add the identity provider before completing");
  });

  it("refuses a form without the link cookie's secret, or from another site", async () => {
    const link = await newLink();
    const browser: Browser = { cookies: new Map() };
    const csrf = fieldValue((await visit(browser, `${link.base}/credentials?kind=okta`)).text, "csrf");
    expect((await visit(browser, `${link.base}/domains`, { form: { csrf: "wrong", domain: unique() } })).status).toBe(403);
    expect((await visit(browser, `${link.base}/domains`, { form: { csrf, domain: unique() }, headers: { "Sec-Fetch-Site": "cross-site" } })).status).toBe(403);
    expect((await visit({ cookies: new Map() }, `${link.base}/domains`, { form: { csrf, domain: unique() } })).status).toBe(403);
    expect((await api(mine.token, "GET", `/projects/${mine.id}/setup-links`)).body.items.find((item: { id: string }) => item.id === link.id).domains).toEqual([]);
  });

  it("shows a page saying a link is revoked, expired, unknown or malformed (never a 500)", async () => {
    const link = await newLink();
    const browser: Browser = { cookies: new Map() };
    const csrf = fieldValue((await visit(browser, `${link.base}/credentials?kind=okta`)).text, "csrf");
    await api(mine.token, "DELETE", `/projects/${mine.id}/setup-links/${link.id}`);
    const revoked = await visit(browser, `${link.base}/provider`);
    expect([revoked.status, revoked.text.includes("This setup link was withdrawn")]).toEqual([410, true]);
    // In the middle of a form: the post is refused the same way, and nothing is created.
    const posted = await visit(browser, `${link.base}/domains`, { form: { csrf, domain: unique() } });
    expect(posted.status).toBe(410);
    // Expired: the record's expiry moved into the past, as the clock would.
    const short = await newLink("Short-lived");
    const store = new DurableObjectStore(env.STORE);
    const key = `setup-link:${await sha256(short.token)}`;
    const stored = (await store.getVersioned<{ expiresAt: string }>(key))!;
    await store.set(key, { ...stored.value, expiresAt: new Date(Date.now() - 1000).toISOString() });
    const expired = await visit(browser, `${short.base}/domains`);
    expect([expired.status, expired.text.includes("This setup link has expired")]).toEqual([410, true]);
    const unknown = await visit(browser, `/setup/${"A".repeat(43)}/provider`);
    expect([unknown.status, unknown.text.includes("This setup link is not valid")]).toEqual([404, true]);
    expect((await visit(browser, "/setup/short/provider")).status).toBe(404);
    expect((await visit(browser, `/setup/return/${link.id}?test=x`)).status).toBe(400);
  });
});
