/**
 * SECURITY.md RP-1…RP-5 and the OpenID Foundation RP cases, through the whole sign-in over HTTP: the
 * emulator misbehaves for this test's upstream client only, and the sign-in must stop at an error
 * page, audited with the reason, with no code issued. Module-level cases (key rotation, kid absent
 * with one key, JWKS outages) are in verify.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/admin";
import { env } from "cloudflare:workers";
import { authorizeUrl, pkce, redeemFlow, setupFederation, signInFlow, type Federation, type Kind, type ProviderKindName } from "../helpers/signin";
import { call } from "../helpers/worker";

interface Setup {
  /** The provider kind under test; `oidc` is the generic kind in front of an emulator. */
  kind: ProviderKindName;
  emulator: Kind;
  person: { email: string; password: string };
  domain: string;
}

const SETUPS: Setup[] = [
  { kind: "auth0", emulator: "auth0", person: { email: "alice@auth0.example", password: "alice-password" }, domain: "auth0.example" },
  { kind: "okta", emulator: "okta", person: { email: "olivia@okta.example", password: "olivia-password" }, domain: "okta.example" },
  { kind: "google", emulator: "google", person: { email: "gina@workspace.example", password: "gina-password" }, domain: "workspace.example" },
  { kind: "cognito", emulator: "cognito", person: { email: "carl@cognito.example", password: "carl-password" }, domain: "cognito.example" },
  { kind: "oidc", emulator: "okta", person: { email: "olivia@okta.example", password: "olivia-password" }, domain: "okta.example" },
];

/** The upstream endpoint paths of each emulator, as they appear in refusal reasons. */
const TOKEN_PATH: Record<Kind, string> = {
  auth0: "/auth0/oauth/token", okta: "/okta/oauth2/default/v1/token", google: "/google/token", cognito: "/cognito-domain/oauth2/token",
};

describe.each(SETUPS)("RP conformance through the sign-in: $kind ($emulator emulator)", ({ kind, emulator, person, domain }) => {
  let f: Federation;

  beforeAll(async () => {
    f = await setupFederation(emulator, { domains: [domain], providerKind: kind });
  });

  /** The sign-in stops at an error page with `status`, no code reaches the client, and the audit names `reason` exactly. */
  async function refusedWith(switches: Record<string, unknown>, reason: RegExp, status = 502) {
    await f.upstreamSwitch(switches);
    try {
      const flow = await signInFlow(f, person);
      expect(flow.redirect, "no code may reach the client").toBeUndefined();
      expect(flow.page!.status).toBe(status);
      expect(flow.page!.text).toMatch(/<h1[^>]*>/);
      const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?limit=5`);
      const failure = log.body.items.find((e: { action: string }) => e.action === "login.failure");
      expect(failure?.reason).toMatch(reason);
    } finally {
      await fetch(`${env.TEST_EMULATOR_ORIGIN}/__control/reset`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ clientId: f.upstreamClientId }),
      });
    }
  }

  it("oidcc-client-test: the unswitched flow signs in", async () => {
    expect((await signInFlow(f, person)).redirect?.searchParams.get("code")).toBeTruthy();
  });

  // verify.ts judges the ID token alone, in the wording the audit log has always shown: one vocabulary of codes.
  const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  it("oidcc-client-test-invalid-iss", () => refusedWith({ iss: "https://evil.example" }, exactly('issuer: unexpected JWT "iss" (issuer) claim value')));
  it("oidcc-client-test-missing-sub", () => refusedWith({ omitClaims: ["sub"] }, exactly('missing_claim: JWT "sub" (subject) claim missing')));
  it("oidcc-client-test-invalid-aud", () => refusedWith({ aud: "someone-else" }, exactly('audience: unexpected JWT "aud" (audience) claim value')));
  it("oidcc-client-test-missing-aud", () => refusedWith({ omitClaims: ["aud"] }, exactly('missing_claim: JWT "aud" (audience) claim missing')));
  it("oidcc-client-test-missing-iat", () => refusedWith({ omitClaims: ["iat"] }, exactly('missing_claim: JWT "iat" (issued at) claim missing')));
  it("oidcc-client-test-idtoken-sig-none", () => refusedWith({ signing: "alg-none" }, exactly('algorithm: alg "none" is not one the provider declares')));
  it("oidcc-client-test-invalid-sig-rs256", () => refusedWith({ signing: "wrong-key-same-kid" }, exactly("signature: the signature does not verify")));
  it("oidcc-client-test-invalid-sig-hs256", () =>
    // The Auth0 emulator's discovery lists HS256 (as Auth0's does), so the declared-algorithms check lets it through and the kind's allow-list refuses it.
    refusedWith({ signing: "hs256-public-key" }, exactly(`algorithm: alg "HS256" ${kind === "auth0" ? "is not one of RS256, PS256" : "is not one the provider declares"}`)));
  it("oidcc-client-test-invalid-sig-es256", () => refusedWith({ signing: "es256" }, exactly('algorithm: alg "ES256" is not one the provider declares')));
  it("oidcc-client-test-kid-absent-multiple-jwks", () => refusedWith({ omitKid: true }, exactly("kid: no kid, and the JWKS holds several suitable keys (RP-3)")));
  it("oidcc-client-test-nonce-invalid", () => refusedWith({ nonce: "not-our-nonce" }, exactly('nonce: unexpected ID Token "nonce" claim value')));
  it("oidcc-client-test-invalid-athash", () => refusedWith({ invalidAtHash: true }, /^at_hash: at_hash "[\w-]+" does not match the access token$/));
  it("RP-2: an expired ID token is refused", () =>
    refusedWith({ expired: true }, exactly('expired: unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp')));
  it("RP-2: an ID token issued in the future is refused", () => refusedWith({ futureIat: 3600 }, /^issued_in_future: iat \d+ is in the future \(now \d+, skew 60 s\)$/));
  it("RP-2: several audiences without azp are refused", () =>
    refusedWith({ extraAudiences: ["another-client"] }, exactly('audience: ID Token "aud" (audience) claim includes additional untrusted audiences')));
  it("oidcc-client-test-userinfo-invalid-sub (RP-5)", () =>
    refusedWith({ omitClaims: ["email", "email_verified"], userinfoSub: "SOMEONE-ELSE" }, /^userinfo_sub: userinfo sub "SOMEONE-ELSE" is not the ID token's "[^"]+"$/));
  it("RP-8: an upstream token endpoint failing is a clear page, not a 500", () =>
    refusedWith({ fail: { status: 503, endpoints: ["token"] } }, new RegExp(`^unavailable: 127\\.0\\.0\\.1:\\d+${TOKEN_PATH[emulator].replaceAll("/", "\\/")} answered HTTP 503$`), 503));
});

describe("RP conformance: the sign-in's own checks", () => {
  const olivia = { email: "olivia@okta.example", password: "olivia-password" };
  let f: Federation;

  beforeAll(async () => {
    f = await setupFederation("okta", { domains: ["okta.example"] });
  });

  it("an upstream access_denied comes back as a clear page, audited, with no code", async () => {
    const { challenge } = await pkce();
    const page = await call(authorizeUrl(f, challenge));
    const requestId = (await page.text()).match(/name="request" value="([a-z2-7]{26})"/)![1]!;
    const started = await call("/auth/signin", {
      method: "POST", redirect: "manual", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: requestId, email: olivia.email }).toString(),
    });
    const state = new URL(started.headers.get("Location")!).searchParams.get("state")!;
    const cookie = started.headers.get("Set-Cookie")!.split(";")[0]!;
    const denied = await call(`/auth/callback/okta?error=access_denied&error_description=User+cancelled&state=${state}`, { redirect: "manual", headers: { Cookie: cookie } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get("Location")).toBeNull();
    expect(await denied.text()).toContain("did not sign you in");
    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?limit=3`);
    expect(log.body.items.find((e: { action: string }) => e.action === "login.failure")?.reason).toBe("upstream error: access_denied");
  });

  it("RP-1: the upstream transaction is single use, and bound to the browser that started it", async () => {
    const flow = await signInFlow(f, olivia);
    expect(flow.redirect).toBeDefined();
    // Replay the provider's redirect back to Fedgate.
    const callbackResponse = flow.responses.at(-1)!;
    const back = flow.responses.at(-2)!.headers.get("Location")!;
    expect(callbackResponse.status).toBe(303);
    const replay = await call(back.slice("https://id.fedgate.test".length), { redirect: "manual" });
    expect(replay.status).toBe(400);
    expect(replay.headers.get("Location")).toBeNull();
  });

  it("RP-1 / AB-5: a callback without the binding cookie is refused, and the cookie is HttpOnly, SameSite=Lax, path-scoped", async () => {
    const first = await signInFlow(f, olivia);
    const setCookie = first.responses.find((r) => r.headers.get("Set-Cookie")?.startsWith("fg_tx_"))!.headers.get("Set-Cookie")!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\/auth\/callback/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/Max-Age=600/);
  });

  it("AS-3 through the flow: the code from a sign-in redeems once", async () => {
    const flow = await signInFlow(f, olivia);
    expect((await redeemFlow(f, flow)).status).toBe(200);
    expect((await redeemFlow(f, flow)).body.error).toBe("invalid_grant");
  });
});
