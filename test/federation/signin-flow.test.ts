/**
 * The federated sign-in over HTTP, end to end: authorize → sign-in page → emulator → callback →
 * code → tokens, for each provider; then what must stop it.
 */
import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { api } from "../helpers/admin";
import { CLIENT_REDIRECT, authorizeUrl, pkce, redeemFlow, setupFederation, signInFlow, type Kind } from "../helpers/signin";
import { call, ISSUER } from "../helpers/worker";

const people: Record<Kind, { email: string; password: string; domain: string }> = {
  auth0: { email: "alice@auth0.example", password: "alice-password", domain: "auth0.example" },
  okta: { email: "olivia@okta.example", password: "olivia-password", domain: "okta.example" },
  google: { email: "gina@workspace.example", password: "gina-password", domain: "workspace.example" },
  cognito: { email: "carl@cognito.example", password: "carl-password", domain: "cognito.example" },
};

async function jwks() {
  return createLocalJWKSet((await (await call("/.well-known/jwks.json")).json()) as { keys: [] });
}

describe("federated sign-in over HTTP", () => {
  it.each(Object.keys(people) as Kind[])("oidcc-client-test: signs a %s user in through the sign-in page and issues verified tokens", async (kind) => {
    const person = people[kind];
    const f = await setupFederation(kind, { domains: [person.domain] });
    const flow = await signInFlow(f, person);
    expect(flow.page, flow.page?.text.slice(0, 300)).toBeUndefined();
    expect(flow.redirect!.origin + flow.redirect!.pathname).toBe(CLIENT_REDIRECT);
    expect(flow.redirect!.searchParams.get("state")).toBe("st-123");
    expect(flow.redirect!.searchParams.get("iss")).toBe(ISSUER);
    const tokens = await redeemFlow(f, flow);
    expect(tokens.status).toBe(200);
    const { payload: id } = await jwtVerify(tokens.body.id_token, await jwks(), { issuer: ISSUER, audience: f.clientId });
    expect(id).toMatchObject({ nonce: "nonce-abc", email: person.email, email_verified: true });
    const { payload: access } = await jwtVerify(tokens.body.access_token, await jwks(), { issuer: ISSUER });
    expect(access).toMatchObject({ idp: kind, project: f.project.id, email: person.email });
    expect(tokens.body.refresh_token).toBeTruthy();

    // The second sign-in finds the same platform user by the external identity.
    const again = await redeemFlow(f, await signInFlow(f, person));
    const { payload: second } = await jwtVerify(again.body.id_token, await jwks(), { issuer: ISSUER, audience: f.clientId });
    expect(second.sub).toBe(id.sub);
    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?limit=50`);
    expect(log.body.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(["login.success", "token.issue"]));
  });

  it("skips the form with login_hint, and goes straight to the client's own provider", async () => {
    const f = await setupFederation("okta", { domains: ["okta.example"] });
    const hinted = await signInFlow(f, people.okta, { authorize: { login_hint: "olivia@okta.example" }, skipForm: true });
    expect(hinted.responses[0]!.status).toBe(303);
    expect(hinted.redirect?.searchParams.get("code")).toBeTruthy();

    const direct = await setupFederation("cognito", { clientProviderId: true });
    const flow = await signInFlow(direct, people.cognito, { skipForm: true });
    expect(flow.responses[0]!.status).toBe(303);
    expect(flow.redirect?.searchParams.get("code")).toBeTruthy();
  });

  it("tells a person whose domain is unmapped, clearly, on the sign-in page", async () => {
    const f = await setupFederation("okta", { domains: ["okta.example"] });
    const flow = await signInFlow(f, { email: "someone@unmapped.example", password: "x" });
    expect(flow.page?.status).toBe(400);
    expect(flow.page?.text).toContain("No sign-in is set up for unmapped.example");
    expect(flow.page?.text).toContain('role="alert"');
  });

  it("offers the project's providers when it allows that, and signs in with the one chosen", async () => {
    const f = await setupFederation("okta", { project: { signIn: { listProviders: true } } });
    const { challenge } = await pkce();
    const page = await (await call(authorizeUrl(f, challenge))).text();
    expect(page).toContain('name="provider" value="okta"');
    const requestId = page.match(/name="request" value="([a-z2-7]{26})"/)![1]!;
    const chosen = await call("/auth/signin", {
      method: "POST", redirect: "manual", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: requestId, provider: "okta" }).toString(),
    });
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get("Location")).toContain("/okta/oauth2/default/v1/authorize?");
    const forged = await call("/auth/signin", {
      method: "POST", redirect: "manual", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: requestId, provider: "someone-elses" }).toString(),
    });
    expect(forged.status).toBe(400);
    // A project that does not list them offers none.
    const closed = await setupFederation("okta");
    expect(await (await call(authorizeUrl(closed, challenge))).text()).not.toContain('name="provider"');
  });

  it("AS-2: an unknown client or unregistered redirect URI gets an error page, never a redirect", async () => {
    const f = await setupFederation("okta");
    const { challenge } = await pkce();
    const attempts: Record<string, string>[] = [
      { client_id: "prj_aaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaa" },
      { redirect_uri: "https://evil.example/callback" },
      { redirect_uri: `${CLIENT_REDIRECT}/` },
      { redirect_uri: CLIENT_REDIRECT.toUpperCase() },
    ];
    for (const extra of attempts) {
      const response = await call(authorizeUrl(f, challenge, extra), { redirect: "manual" });
      expect(response.status, JSON.stringify(extra)).toBe(400);
      expect(response.headers.get("Location")).toBeNull();
      expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    }
  });

  it("AS-1, AS-5, AS-6: other errors go back to the client with error, state and iss, in a 303", async () => {
    const f = await setupFederation("okta");
    const { challenge } = await pkce();
    const cases: [Record<string, string>, string][] = [
      [{ response_type: "token" }, "unsupported_response_type"],
      [{ code_challenge_method: "plain" }, "invalid_request"],
      [{ code_challenge: "" }, "invalid_request"],
      [{ scope: "openid admin" }, "invalid_scope"],
      [{ prompt: "none" }, "login_required"],
    ];
    for (const [extra, error] of cases) {
      const response = await call(authorizeUrl(f, challenge, extra), { redirect: "manual" });
      expect(response.status, JSON.stringify(extra)).toBe(303);
      const location = new URL(response.headers.get("Location")!);
      expect(location.origin + location.pathname).toBe(CLIENT_REDIRECT);
      expect(location.searchParams.get("error")).toBe(error);
      expect(location.searchParams.get("state")).toBe("st-123");
      expect(location.searchParams.get("iss")).toBe(ISSUER);
    }
  });

  it("AB-1: sign-in is rate limited per IP, with 429 and Retry-After", async () => {
    const f = await setupFederation("okta");
    const { challenge } = await pkce();
    const env = { RATE_LIMIT_SIGN_IN: "3/60s" };
    const from = (ip: string) => call(authorizeUrl(f, challenge), { headers: { "CF-Connecting-IP": ip }, env });
    for (let i = 0; i < 3; i++) expect((await from("198.51.100.77")).status).toBe(200);
    const limited = await from("198.51.100.77");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await from("198.51.100.78")).status).toBe(200);
  });

  it("AB-2: the project's and the client's IP rules apply at sign-in, and refusals go back as access_denied", async () => {
    const f = await setupFederation("okta", { project: { ipRules: { allow: ["203.0.113.0/24"] } } });
    const { challenge } = await pkce();
    const inside = await call(authorizeUrl(f, challenge), { headers: { "CF-Connecting-IP": "203.0.113.9" }, redirect: "manual" });
    expect(inside.status).toBe(200);
    const outside = await call(authorizeUrl(f, challenge), { headers: { "CF-Connecting-IP": "198.51.100.1" }, redirect: "manual" });
    expect(outside.status).toBe(303);
    expect(new URL(outside.headers.get("Location")!).searchParams.get("error")).toBe("access_denied");
    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?limit=5`);
    expect(log.body.items.find((e: { action: string }) => e.action === "login.failure")?.reason).toMatch(/project's rules/);
  });

  it("AS-14: no CORS on the authorization endpoint", async () => {
    const f = await setupFederation("okta");
    const { challenge } = await pkce();
    const response = await call(authorizeUrl(f, challenge), { headers: { Origin: "https://evil.example" } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});
