// Fedgate's pages (src/ui): what a browser gets from the render functions — escaping of hostile
// values, security headers (no script, no framing, no caching, no referrer), the sign-in form's
// fields and action — and the route serving their stylesheet and icon. HTML is parsed with workerd's
// HTMLRewriter, not matched as text.
import { describe, expect, it } from "vitest";
import { renderErrorPage, renderSignedOutPage, renderSignInPage, uiAssets } from "../../src/ui";
import { call } from "../helpers/worker";

interface Element {
  tag: string;
  attributes: Record<string, string>;
  text: string;
}

/** Every element matching `selector`, with its attributes and its text (HTML-decoded). */
async function select(html: string, selector: string): Promise<Element[]> {
  const found: Element[] = [];
  await new HTMLRewriter()
    .on(selector, {
      element(element) {
        // HTMLRewriter hands over attribute values and text as written: decode them here.
        const attributes = Object.fromEntries([...element.attributes].map(([name, value]) => [name, decode(value ?? "")]));
        found.push({ tag: element.tagName, attributes, text: "" });
      },
      text(chunk) {
        const last = found.at(-1);
        if (last) last.text += chunk.text;
      },
    })
    .transform(new Response(html))
    .text();
  return found.map((element) => ({ ...element, text: decode(element.text).trim() }));
}

const decode = (text: string) =>
  text.replace(/&(lt|gt|amp|quot|#39|#x27);/g, (_, entity: string) => ({ lt: "<", gt: ">", amp: "&", quot: '"', "#39": "'", "#x27": "'" })[entity]!);

const HOSTILE = `Acme "</title><script>alert(1)</script><img src=x onerror=alert(2)>`;
const HOSTILE_EMAIL = `"><script>alert(3)</script>@evil.example`;

function directives(response: Response): Map<string, string> {
  const csp = response.headers.get("Content-Security-Policy") ?? "";
  return new Map(csp.split(";").map((part) => part.trim().split(/\s+(.*)/s).slice(0, 2) as [string, string]));
}

function expectPageHeaders(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
  expect(response.headers.get("X-Frame-Options")).toBe("DENY");
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  const csp = directives(response);
  expect(csp.get("default-src")).toBe("'none'");
  expect(csp.get("style-src")).toBe("'self'");
  expect(csp.get("frame-ancestors")).toBe("'none'");
  expect(csp.get("base-uri")).toBe("'none'");
  expect(csp.has("script-src"), "no script at all").toBe(false);
  expect(response.headers.get("Content-Security-Policy")).not.toMatch(/unsafe|\*/);
}

const signIn = (extra: Partial<Parameters<typeof renderSignInPage>[0]> = {}) =>
  renderSignInPage({ projectName: "Acme", requestId: "req_123", upstreamOrigins: ["https://acme.okta.example/oauth2/v1/authorize"], ...extra });

describe("sign-in page", () => {
  it("is a complete HTML document in English with a title, one main landmark and the project's name", async () => {
    const response = signIn();
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect((await select(html, "title"))[0]?.text).toBe("Sign in to Acme");
    expect(await select(html, "main")).toHaveLength(1);
    expect((await select(html, "h1"))[0]?.text).toBe("Sign in to Acme");
    expect(await select(html, "script")).toEqual([]);
  });

  it("sends the security headers: no script, no framing, no caching, no referrer", () => {
    expectPageHeaders(signIn());
  });

  it("lets its forms reach Fedgate and the upstream providers' origins only (form-action also governs the 303 that follows)", () => {
    const response = signIn({ upstreamOrigins: ["https://acme.okta.example/oauth2/v1/authorize?x=1", "https://acme.okta.example", "http://127.0.0.1:8788/auth0/authorize"] });
    expect(directives(response).get("form-action")).toBe("'self' https://acme.okta.example http://127.0.0.1:8788");
  });

  it("cannot be made to add CSP directives through an upstream URL", () => {
    const response = signIn({ upstreamOrigins: ["https://idp.example/authorize; script-src *"] });
    expect(directives(response).get("form-action")).toBe("'self' https://idp.example");
    expect(directives(response).has("script-src")).toBe(false);
    expect(() => signIn({ upstreamOrigins: ["not a url; script-src *"] })).toThrow();
  });

  it("posts `request` and `email` to /auth/signin, with an email field browsers and password managers understand", async () => {
    const html = await signIn().text();
    const forms = await select(html, "form");
    expect(forms).toHaveLength(1);
    expect(forms[0]!.attributes).toMatchObject({ method: "post", action: "/auth/signin" });
    const inputs = await select(html, "form input");
    expect(inputs.map((input) => input.attributes.name)).toEqual(["request", "email"]);
    expect(inputs[0]!.attributes).toMatchObject({ type: "hidden", value: "req_123" });
    expect(inputs[1]!.attributes).toMatchObject({ id: "email", type: "email", autocomplete: "email", required: "" });
    expect((await select(html, 'label[for="email"]'))[0]?.text).toBe("Email address");
    const buttons = await select(html, "form button");
    expect(buttons.map((button) => [button.attributes.type, button.text])).toEqual([["submit", "Continue"]]);
    expect(await select(html, '[role="alert"]')).toEqual([]);
  });

  it("escapes a hostile project name, email and error everywhere", async () => {
    const response = signIn({ projectName: HOSTILE, email: HOSTILE_EMAIL, error: `No sign-in is set up for <b>evil</b>.example.` });
    const html = await response.text();
    expect(await select(html, "script")).toEqual([]);
    expect(await select(html, "img, b")).toEqual([]);
    expect(html).not.toMatch(/<script|<img|<\/title><script>/); // as text, "onerror=" is harmless
    expect((await select(html, "title"))[0]?.text).toBe(`Sign in to ${HOSTILE}`);
    expect((await select(html, "h1"))[0]?.text).toBe(`Sign in to ${HOSTILE}`);
    expect((await select(html, "#email"))[0]?.attributes.value).toBe(HOSTILE_EMAIL);
    expect((await select(html, '[role="alert"]'))[0]?.text).toBe("No sign-in is set up for <b>evil</b>.example.");
  });

  it("announces an error above the field with role=alert and ties it to the field", async () => {
    const response = signIn({ email: "kim@unknown.example", error: "No sign-in is set up for unknown.example. Ask your administrator.", status: 400 });
    expect(response.status).toBe(400);
    const html = await response.text();
    const alert = (await select(html, '[role="alert"]'))[0];
    expect(alert?.text).toBe("No sign-in is set up for unknown.example. Ask your administrator.");
    expect((await select(html, "#email"))[0]?.attributes).toMatchObject({
      value: "kim@unknown.example",
      "aria-invalid": "true",
      "aria-describedby": alert?.attributes.id,
    });
    expect(html.indexOf('role="alert"')).toBeLessThan(html.indexOf('id="email"'));
  });

  it("offers one button per provider in a second form that posts `request` and `provider`", async () => {
    const html = await signIn({ providers: [{ id: "okta", name: "Acme Okta" }, { id: "google", name: `Google <Workspace>` }] }).text();
    const forms = await select(html, "form");
    expect(forms).toHaveLength(2);
    expect(forms[1]!.attributes).toMatchObject({ method: "post", action: "/auth/signin" });
    const section = await select(html, "section form input, section form button");
    expect(section.map((e) => [e.tag, e.attributes.name, e.attributes.value, e.text])).toEqual([
      ["input", "request", "req_123", ""],
      ["button", "provider", "okta", "Acme Okta"],
      ["button", "provider", "google", "Google <Workspace>"],
    ]);
    expect((await select(html, "section h2"))[0]?.text).toBe("Or continue with");
  });

  it("shows no provider list when the list is empty", async () => {
    expect(await select(await signIn({ providers: [] }).text(), "section")).toEqual([]);
  });
});

describe("error page", () => {
  it("shows the title, the message as an alert and the request id, escaped, with the given status", async () => {
    const response = renderErrorPage({ title: "This sign-in link is not valid", message: `The application ${HOSTILE} is not registered.`, requestId: "4f1c-req", status: 400 });
    expect(response.status).toBe(400);
    expectPageHeaders(response);
    expect(directives(response).get("form-action")).toBe("'none'");
    const html = await response.text();
    expect(await select(html, "script, img, form")).toEqual([]);
    expect((await select(html, "h1"))[0]?.text).toBe("This sign-in link is not valid");
    expect((await select(html, '[role="alert"]'))[0]?.text).toBe(`The application ${HOSTILE} is not registered.`);
    expect((await select(html, ".reference code"))[0]?.text).toBe("4f1c-req");
    expect((await select(html, ".brand span"))[0]?.text).toBe("Fedgate");
  });

  it("is branded by the project when it is known", async () => {
    const html = await renderErrorPage({ title: "Sign-in failed", message: "Try again.", requestId: "r", status: 502, projectName: "Acme" }).text();
    expect((await select(html, ".brand span"))[0]?.text).toBe("Acme");
  });
});

describe("signed-out page", () => {
  it("says so, names the project, and carries the same headers", async () => {
    const response = renderSignedOutPage({ projectName: "Acme <Corp>" });
    expect(response.status).toBe(200);
    expectPageHeaders(response);
    const html = await response.text();
    expect((await select(html, "h1"))[0]?.text).toBe("You are signed out");
    expect((await select(html, "main p"))[0]?.text).toBe("You have signed out of Acme <Corp>. You can close this window.");
  });
});

describe("GET /auth/assets/…", () => {
  async function linked(rel: string) {
    const html = await signIn().text();
    const href = (await select(html, `link[rel="${rel}"]`))[0]?.attributes.href ?? "";
    expect(href).toMatch(/^\/auth\/assets\/[\w.-]+$/);
    return href;
  }

  it("serves the stylesheet the pages link, cached for a year, with nosniff", async () => {
    const href = await linked("stylesheet");
    const response = await uiAssets.request(href.replace("/auth/assets", ""));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/css; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(await response.text()).toContain("[role=\"alert\"]");
  });

  it("serves the icon, and nothing else", async () => {
    const response = await uiAssets.request((await linked("icon")).replace("/auth/assets", ""));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("image/svg+xml");
    expect((await uiAssets.request("/ui-other.css")).status).toBe(404);
    expect((await uiAssets.request("/../wrangler.toml")).status).toBe(404);
  });
});

describe("the pages in the app", () => {
  it("an error page quotes the response's own X-Request-Id (AS-2: an unknown client gets a page, not a redirect)", async () => {
    const response = await call("/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri=https%3A%2F%2Fevil.example%2Fcb");
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.headers.get("Location")).toBeNull();
    expectPageHeaders(response);
    const html = await response.text();
    expect((await select(html, ".reference code"))[0]?.text).toBe(response.headers.get("X-Request-Id"));
  });

  it("serves the stylesheet under /auth/assets/", async () => {
    const href = (await select(await signIn().text(), 'link[rel="stylesheet"]'))[0]?.attributes.href ?? "";
    const response = await call(href);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/css; charset=utf-8");
    await response.arrayBuffer();
  });
});
