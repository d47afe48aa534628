/**
 * `acr`/`amr` passthrough and the MFA policy over HTTP, against the emulators' MFA behaviour
 * (idp-fixtures: Okta and Auth0 step up on `acr_values`; the `mfa` switch forces or refuses it;
 * Google and Cognito never report how the person authenticated).
 */
import { createLocalJWKSet, jwtVerify, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { api } from "../helpers/admin";
import { CLIENT_REDIRECT, CookieJar, redeemFlow, setupFederation, signInFlow, type Federation, type FlowResult, type Kind } from "../helpers/signin";
import { call, ISSUER } from "../helpers/worker";

const PAPE_MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
const OKTA_2FA = "urn:okta:loa:2fa:any";
const people = {
  okta: { email: "olivia@okta.example", password: "olivia-password", domain: "okta.example" },
  auth0: { email: "alice@auth0.example", password: "alice-password", domain: "auth0.example" },
  google: { email: "gina@workspace.example", password: "gina-password", domain: "workspace.example" },
};

async function idToken(f: Pick<Federation, "clientId">, flow: FlowResult): Promise<JWTPayload> {
  expect(flow.page, flow.page?.text.slice(0, 300)).toBeUndefined();
  expect(flow.redirect?.searchParams.get("error"), flow.redirect?.href).toBeNull();
  const tokens = await redeemFlow(f, flow);
  const keys = createLocalJWKSet((await (await call("/.well-known/jwks.json")).json()) as { keys: [] });
  return (await jwtVerify(tokens.body.id_token, keys, { issuer: ISSUER, audience: f.clientId })).payload;
}

/** The upstream authorization request a flow went to, if it went upstream. */
const upstreamOf = (flow: FlowResult): URL | undefined => {
  const hop = flow.responses.find((r) => r.status === 303 && !r.headers.get("Location")!.startsWith(ISSUER) && !r.headers.get("Location")!.startsWith(CLIENT_REDIRECT));
  return hop ? new URL(hop.headers.get("Location")!) : undefined;
};

function federation(kind: keyof typeof people, trusted: boolean, mfaAcrValues: string[] = []) {
  return setupFederation(kind as Kind, { domains: [people[kind].domain], provider: { authContext: { trusted, mfaAcrValues } } });
}

async function client(f: Federation, settings: Record<string, unknown>): Promise<Pick<Federation, "clientId">> {
  const made = await api(f.project.token, "POST", `/projects/${f.project.id}/clients`, { name: "strict app", kind: "public", redirectUris: [CLIENT_REDIRECT], ...settings });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return { clientId: made.body.client.id };
}

describe("acr and amr", () => {
  it("are carried from a trusted provider, and replaced by amr [\"fed\"] (no acr) from an untrusted one", async () => {
    const trusted = await federation("okta", true);
    await trusted.upstreamSwitch({ mfa: "always" });
    const id = await idToken(trusted, await signInFlow(trusted, people.okta, { authorize: { acr_values: OKTA_2FA } }));
    expect(id.amr).toEqual(expect.arrayContaining(["pwd", "mfa"]));
    expect(id.acr).toBe(OKTA_2FA);

    const untrusted = await federation("okta", false);
    await untrusted.upstreamSwitch({ mfa: "always" });
    const plain = await idToken(untrusted, await signInFlow(untrusted, people.okta, { authorize: { acr_values: OKTA_2FA } }));
    expect(plain.amr).toEqual(["fed"]);
    expect(plain.acr).toBeUndefined();
  }, 20_000);

  it("forwards the app's acr_values to kinds that take them, never to Google", async () => {
    const okta = await federation("okta", true);
    expect(upstreamOf(await signInFlow(okta, people.okta, { authorize: { acr_values: "urn:okta:loa:1fa:any" } }))!.searchParams.get("acr_values")).toBe("urn:okta:loa:1fa:any");
    const google = await federation("google", true);
    expect(upstreamOf(await signInFlow(google, people.google, { authorize: { acr_values: "urn:okta:loa:1fa:any" } }))!.searchParams.has("acr_values")).toBe(false);
  });
});

describe("the MFA policy", () => {
  it("a client that requires MFA asks the provider for it (its mfaAcrValues) and gets it", async () => {
    const f = await federation("okta", true, [OKTA_2FA]);
    const strict = await client(f, { requireMfa: true });
    const flow = await signInFlow(strict, people.okta);
    expect(upstreamOf(flow)!.searchParams.get("acr_values")).toBe(OKTA_2FA);
    const id = await idToken(strict, flow);
    expect(id.amr).toEqual(expect.arrayContaining(["mfa"]));
    expect(id.acr).toBe(OKTA_2FA);
  });

  it("refuses with unmet_authentication_requirements when the provider did not do MFA, or is not trusted to say so", async () => {
    // Trusted, but with no MFA values to ask with: Okta signs in with the password alone.
    const f = await federation("okta", true);
    const strict = await client(f, { requireMfa: true });
    const refused = await signInFlow(strict, people.okta);
    expect(Object.fromEntries(refused.redirect!.searchParams)).toMatchObject({ error: "unmet_authentication_requirements", state: "st-123", iss: ISSUER });
    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?action=login.failure&limit=5`);
    expect(log.body.items[0].reason).toMatch(/MFA required \(client\)/);

    const untrusted = await federation("okta", false, [OKTA_2FA]);
    await untrusted.upstreamSwitch({ mfa: "always" });
    const strictToo = await client(untrusted, { requireMfa: true });
    expect((await signInFlow(strictToo, people.okta)).redirect!.searchParams.get("error")).toBe("unmet_authentication_requirements");

    // Google never reports how the person authenticated: an app that needs MFA cannot use it.
    const google = await federation("google", true);
    const strictGoogle = await client(google, { requireMfa: true });
    expect((await signInFlow(strictGoogle, people.google)).redirect!.searchParams.get("error")).toBe("unmet_authentication_requirements");
  }, 20_000);

  it("a provider that cannot do the MFA it is asked for stops the sign-in on Fedgate's page", async () => {
    const f = await federation("okta", true, [OKTA_2FA]);
    await f.upstreamSwitch({ mfa: "never" });
    const strict = await client(f, { requireMfa: true });
    const flow = await signInFlow(strict, people.okta);
    expect(flow.page?.status).toBe(403);
    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?action=login.failure&limit=5`);
    expect(log.body.items[0].reason).toBe("upstream error: unmet_authentication_requirements");
  });

  it("a project that requires MFA applies it to every client", async () => {
    const f = await setupFederation("okta", { domains: ["okta.example"], project: { requireMfa: true }, provider: { authContext: { trusted: true, mfaAcrValues: [] } } });
    expect((await signInFlow(f, people.okta)).redirect!.searchParams.get("error")).toBe("unmet_authentication_requirements");
    await f.upstreamSwitch({ mfa: "always" });
    expect((await idToken(f, await signInFlow(f, people.okta))).amr).toEqual(expect.arrayContaining(["mfa"]));
  });

  it("acr_values with the multi-factor policy asks for MFA on one request (Auth0 steps up with the same value)", async () => {
    const f = await federation("auth0", true, [PAPE_MFA]);
    const plain = await idToken(f, await signInFlow(f, people.auth0));
    expect(plain.amr).toEqual(["fed"]); // trusted, but Auth0 says nothing without MFA
    const flow = await signInFlow(f, people.auth0, { authorize: { acr_values: PAPE_MFA } });
    expect(upstreamOf(flow)!.searchParams.get("acr_values")).toBe(PAPE_MFA);
    const id = await idToken(f, flow);
    expect(id).toMatchObject({ amr: ["mfa"], acr: PAPE_MFA });

    const okta = await federation("okta", true, [OKTA_2FA]);
    const asked = await signInFlow(okta, people.okta, { authorize: { acr_values: PAPE_MFA } });
    // Fedgate's own value is for Fedgate: Okta is asked with its own.
    expect(upstreamOf(asked)!.searchParams.get("acr_values")).toBe(OKTA_2FA);
    expect((await idToken(okta, asked)).amr).toEqual(expect.arrayContaining(["mfa"]));
  });

  it("a session without MFA does not serve a client that requires it: prompt=none says interaction_required, otherwise it steps up", async () => {
    const f = await federation("okta", true, [OKTA_2FA]);
    const strict = await client(f, { requireMfa: true });
    const jar = new CookieJar();
    await idToken(f, await signInFlow(f, people.okta, { jar }));

    const silent = await signInFlow(strict, people.okta, { jar, authorize: { prompt: "none" } });
    expect(silent.redirect!.searchParams.get("error")).toBe("interaction_required");

    const stepUp = await signInFlow(strict, people.okta, { jar });
    expect(upstreamOf(stepUp)!.searchParams.get("acr_values")).toBe(OKTA_2FA);
    const stepped = await idToken(strict, stepUp);
    // Now the session is multi-factor: the strict client is served from it, silently.
    const again = await signInFlow(strict, people.okta, { jar, authorize: { prompt: "none" } });
    const id = await idToken(strict, again);
    expect(id.sid).toBe(stepped.sid);
    expect(id.amr).toEqual(expect.arrayContaining(["mfa"]));
  });
});
