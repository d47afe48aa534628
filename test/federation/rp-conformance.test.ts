/**
 * SECURITY.md RP-1…RP-5 and the OpenID Foundation RP cases, through the whole sign-in over HTTP: the
 * emulator misbehaves for this test's upstream client only, and the sign-in must stop at an error
 * page, audited with the reason, with no code issued. Module-level cases (key rotation, kid absent
 * with one key, JWKS outages) are in verify.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/admin";
import { authorizeUrl, pkce, redeemFlow, setupFederation, signInFlow, type Federation } from "../helpers/signin";
import { call } from "../helpers/worker";

const olivia = { email: "olivia@okta.example", password: "olivia-password" };
let f: Federation;

beforeAll(async () => {
  f = await setupFederation("okta", { domains: ["okta.example"] });
});

async function refusedWith(switches: Record<string, unknown>, reason: RegExp) {
  await f.upstreamSwitch(switches);
  try {
    const flow = await signInFlow(f, olivia);
    expect(flow.redirect, "no code may reach the client").toBeUndefined();
    expect([400, 403, 502, 503]).toContain(flow.page!.status);
    expect(flow.page!.text).toMatch(/<h1[^>]*>/);
    const log = await api(f.project.token, "GET", `/projects/${f.project.id}/audit?limit=5`);
    const failure = log.body.items.find((e: { action: string }) => e.action === "login.failure");
    expect(failure?.reason).toMatch(reason);
  } finally {
    await fetch(`${(await import("cloudflare:workers")).env.TEST_EMULATOR_ORIGIN}/__control/reset`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ clientId: f.upstreamClientId }),
    });
  }
}

describe("RP conformance through the sign-in", () => {
  it("oidcc-client-test: the unswitched flow signs in", async () => {
    expect((await signInFlow(f, olivia)).redirect?.searchParams.get("code")).toBeTruthy();
  });

  it("oidcc-client-test-invalid-iss", () => refusedWith({ iss: "https://evil.example" }, /iss/));
  it("oidcc-client-test-missing-sub", () => refusedWith({ omitClaims: ["sub"] }, /sub/));
  it("oidcc-client-test-invalid-aud", () => refusedWith({ aud: "someone-else" }, /aud/));
  it("oidcc-client-test-missing-aud", () => refusedWith({ omitClaims: ["aud"] }, /aud/));
  it("oidcc-client-test-missing-iat", () => refusedWith({ omitClaims: ["iat"] }, /iat/));
  it("oidcc-client-test-idtoken-sig-none", () => refusedWith({ signing: "alg-none" }, /alg|none|algorithm|JWS|signature/i));
  it("oidcc-client-test-invalid-sig-rs256", () => refusedWith({ signing: "wrong-key-same-kid" }, /signature/));
  it("oidcc-client-test-invalid-sig-hs256", () => refusedWith({ signing: "hs256-public-key" }, /alg|algorithm|HS256/i));
  it("oidcc-client-test-invalid-sig-es256", () => refusedWith({ signing: "es256" }, /alg|algorithm|signature|kid/i));
  it("oidcc-client-test-kid-absent-multiple-jwks", () => refusedWith({ omitKid: true }, /kid/));
  it("oidcc-client-test-nonce-invalid", () => refusedWith({ nonce: "not-our-nonce" }, /nonce/));
  it("oidcc-client-test-invalid-athash", () => refusedWith({ invalidAtHash: true }, /at_hash/));
  it("RP-2: an expired ID token is refused", () => refusedWith({ expired: true }, /exp/));
  it("RP-2: an ID token issued in the future is refused", () => refusedWith({ futureIat: 3600 }, /iat|future/));
  it("RP-2: several audiences without azp are refused", () => refusedWith({ extraAudiences: ["another-client"] }, /azp|aud/));
  it("oidcc-client-test-userinfo-invalid-sub (RP-5)", () => refusedWith({ omitClaims: ["email", "email_verified"], userinfoSub: "00uSOMEONEELSE" }, /sub/));
  it("RP-8: an upstream token endpoint failing is a clear page, not a 500", () => refusedWith({ fail: { status: 503, endpoints: ["token"] } }, /token endpoint|unreachable|rejected/));
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
