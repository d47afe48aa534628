/**
 * Issue 14 against real third-party software: node-oidc-provider 9 as the generic (`oidc`) upstream.
 * What Fedgate forwards (`prompt=login`, `max_age`, `acr_values`) must be accepted by a real OpenID
 * Provider and come back as it says (`auth_time`, `acr`, `amr`); a trusted provider's step-up to a
 * second factor satisfies an app that requires MFA; SSO then serves a second app from the session.
 */
import { createLocalJWKSet, jwtVerify, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { NODE_OIDC_ACR, NODE_OIDC_DOMAIN, nodeOidcProvider, signInThroughNodeOidc } from "../helpers/oidc-provider";
import { CLIENT_REDIRECT, CookieJar, redeemFlow, signInFlow, type FlowResult } from "../helpers/signin";
import { call, ISSUER } from "../helpers/worker";

async function idToken(clientId: string, flow: FlowResult): Promise<JWTPayload> {
  expect(flow.page, flow.page?.text.slice(0, 300)).toBeUndefined();
  expect(flow.redirect?.searchParams.get("error"), flow.redirect?.href).toBeNull();
  const tokens = await redeemFlow({ clientId }, flow);
  const keys = createLocalJWKSet((await (await call("/.well-known/jwks.json")).json()) as { keys: [] });
  return (await jwtVerify(tokens.body.id_token, keys, { issuer: ISSUER, audience: clientId })).payload;
}

/** A project with node-oidc-provider upstream, trusted for acr/amr with its MFA class, and two apps: one requiring MFA. */
async function federation() {
  const project = await newProject("node-oidc sessions");
  await nodeOidcProvider(project, { domains: [NODE_OIDC_DOMAIN], provider: { authContext: { trusted: true, mfaAcrValues: [NODE_OIDC_ACR.mfa] } } });
  const app = async (settings: Record<string, unknown>) =>
    (await api(project.token, "POST", `/projects/${project.id}/clients`, { name: "app", kind: "public", redirectUris: [CLIENT_REDIRECT], ...settings })).body.client.id as string;
  return { project, plain: await app({}), strict: await app({ requireMfa: true }) };
}

const upstreamOf = (flow: FlowResult): URL => new URL(flow.responses.find((r) => r.headers.get("Location")?.startsWith("http://127.0.0.1"))!.headers.get("Location")!);

describe("sessions and authentication context with node-oidc-provider upstream", () => {
  it("carries its acr and amr when it releases them; an app requiring MFA makes Fedgate ask for its MFA class, which it performs", async () => {
    const { plain, strict } = await federation();
    // Not asked for a class, node-oidc-provider releases neither acr nor amr: Fedgate says only "fed"; asked, the acr.
    const first = await idToken(plain, await signInThroughNodeOidc({ clientId: plain }, "nora"));
    expect(first.amr).toEqual(["fed"]);
    expect(first.acr).toBeUndefined();
    const asked = await idToken(plain, await signInThroughNodeOidc({ clientId: plain }, "nora", { authorize: { acr_values: NODE_OIDC_ACR.pwd } }));
    expect(asked.acr).toBe(NODE_OIDC_ACR.pwd);

    const flow = await signInThroughNodeOidc({ clientId: strict }, "nora");
    const stepped = await idToken(strict, flow);
    // node-oidc-provider releases amr only to a `claims` request (Fedgate sends none): its acr is the MFA evidence.
    expect(stepped.acr).toBe(NODE_OIDC_ACR.mfa);
  }, 20_000);

  it("accepts the forwarded prompt=login and max_age: it authenticates again and reports auth_time", async () => {
    const { plain } = await federation();
    const before = Math.floor(Date.now() / 1000);
    const flow = await signInThroughNodeOidc({ clientId: plain }, "nora", { authorize: { prompt: "login", max_age: "60" } });
    const upstream = upstreamOf(flow);
    expect(upstream.searchParams.get("prompt")).toBe("login");
    expect(upstream.searchParams.get("max_age")).toBe("60");
    const id = await idToken(plain, flow);
    expect(id.auth_time as number).toBeGreaterThanOrEqual(before - 1);
  });

  it("serves the second app from the session; an app requiring MFA is served only once the session's sign-in was multi-factor", async () => {
    const { plain, strict } = await federation();
    const jar = new CookieJar();
    const first = await idToken(plain, await signInThroughNodeOidc({ clientId: plain }, "nora", { jar }));
    const person = { email: "nora@oidc.example", password: "" };

    // The strict app's silent request: the session's sign-in was not multi-factor.
    expect((await signInFlow({ clientId: strict }, person, { jar, authorize: { prompt: "none" } })).redirect!.searchParams.get("error")).toBe("interaction_required");
    // Stepping up upstream keeps the session, now multi-factor, for both apps.
    const stepped = await idToken(strict, await signInThroughNodeOidc({ clientId: strict }, "nora", { jar }));
    expect(stepped.sid).toBe(first.sid);
    const silent = await idToken(strict, await signInFlow({ clientId: strict }, person, { jar, authorize: { prompt: "none" } }));
    expect(silent).toMatchObject({ sid: first.sid, acr: NODE_OIDC_ACR.mfa });
    expect((await idToken(plain, await signInFlow({ clientId: plain }, person, { jar, authorize: { prompt: "none" } }))).acr).toBe(NODE_OIDC_ACR.mfa);
  });
});
