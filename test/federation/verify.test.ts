/**
 * RP-2, RP-3, RP-5 (and the token core of RP-6) against real tokens from the emulators. Every switch
 * here is scoped to a client this file registered, so the file runs safely next to the others; the
 * tests that need global switches (JWKS content, rotation, slow or failing JWKS) are in jwks.test.ts.
 */
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createJwksCache, type JwksCache } from "../../src/federation/jwks";
import type { JwsAlgorithm } from "../../src/security/jws-algorithms";
import { checkUserinfoSub, verifyAccessTokenJwt, verifyIdToken, type IdTokenExpectations, type UpstreamTokenError } from "../../src/federation/verify";
import { emulatorSwitch } from "../helpers/admin";
import { registerUpstreamClient, resetUpstreamClient, upstream, upstreamTokens, upstreamUserinfo, type UpstreamId } from "../helpers/upstream";

type Provider = "auth0" | "okta" | "google" | "cognito";
const PROVIDERS: Provider[] = ["auth0", "okta", "google", "cognito"];
const SUBJECTS: Record<Provider, RegExp> = {
  auth0: /^auth0\|65f0c2a1b2c3d4e5f6a7b801$/, okta: /^00u1fedgate0olivia01$/, google: /^109000000000000000001$/, cognito: /^3f1c2b8e-/,
};

const clients = {} as Record<Provider, string>;
let jwks: JwksCache;
beforeAll(async () => {
  for (const p of PROVIDERS) clients[p] = (await registerUpstreamClient(p)).clientId;
});
beforeEach(() => {
  jwks = createJwksCache();
});
afterEach(async () => {
  for (const p of PROVIDERS) await resetUpstreamClient(clients[p]);
});

/** Sets `switches` for this file's client of `p`, signs in, and returns the tokens and what to expect of them. */
async function signIn(p: Provider, switches: Record<string, unknown> = {}, options: { audience?: string } = {}) {
  if (Object.keys(switches).length > 0) await emulatorSwitch(p, { clientId: clients[p], ...switches });
  const nonce = crypto.randomUUID();
  const tokens = await upstreamTokens(p, { clientId: clients[p], nonce, ...options });
  const { issuer, jwksUri } = upstream(p);
  const expected: IdTokenExpectations = { issuer, jwksUri, clientId: clients[p], nonce, accessToken: tokens.access_token, jwks };
  return { idToken: tokens.id_token!, accessToken: tokens.access_token, expected };
}

const refused = (code: string) => ({ name: "UpstreamTokenError", code });
const fetches = (p: UpstreamId) => jwks.fetchCount(upstream(p).jwksUri);

describe("federation: verifying upstream ID tokens", () => {
  it.each(PROVIDERS)("oidcc-client-test: a real %s ID token verifies (signature, iss, aud, azp, exp, iat, nonce, at_hash) and so does its userinfo (RP-5)", async (p) => {
    const { idToken, accessToken, expected } = await signIn(p);
    const { claims, header } = await verifyIdToken(idToken, expected);
    expect(claims).toMatchObject({ iss: expected.issuer, nonce: expected.nonce, sub: expect.stringMatching(SUBJECTS[p]) });
    expect(header.alg).toBe("RS256");
    expect(checkUserinfoSub(claims.sub, await upstreamUserinfo(p, accessToken))).toMatchObject({ sub: claims.sub });
  });

  it.each([
    ["oidcc-client-test-invalid-iss: a wrong issuer is refused", "okta", { iss: "https://evil.example" }, "issuer"],
    ["oidcc-client-test-invalid-iss: an issuer differing only by a trailing slash is refused", "auth0", { iss: upstream("auth0").issuer.slice(0, -1) }, "issuer"],
    ["oidcc-client-test-missing-sub: a token without sub is refused", "google", { omitClaims: ["sub"] }, "missing_claim"],
    ["oidcc-client-test-missing-sub: an empty sub is refused", "cognito", { claims: { sub: "" } }, "missing_claim"],
    ["oidcc-client-test-invalid-aud: a token for another audience is refused", "cognito", { aud: "someone-else" }, "audience"],
    ["oidcc-client-test-missing-aud: a token without aud is refused", "auth0", { omitClaims: ["aud"] }, "missing_claim"],
    ["oidcc-client-test-missing-iat: a token without iat is refused", "okta", { omitClaims: ["iat"] }, "missing_claim"],
    ["oidcc-client-test-nonce-invalid: a nonce other than ours is refused", "okta", { nonce: "wrong" }, "nonce"],
    ["oidcc-client-test-nonce-invalid: a missing nonce is refused when we sent one", "google", { omitClaims: ["nonce"] }, "nonce"],
    ["oidcc-client-test-invalid-athash: a wrong at_hash is refused", "okta", { invalidAtHash: true }, "at_hash"],
    ["oidcc-client-test-invalid-athash: a wrong at_hash is refused (Cognito)", "cognito", { invalidAtHash: true }, "at_hash"],
    ["RP-2: an expired token is refused", "cognito", { expired: true }, "expired"],
    ["RP-2: iat an hour in the future is refused", "auth0", { futureIat: 3600 }, "issued_in_future"],
    ["RP-2: extra audiences without azp are refused", "google", { extraAudiences: ["https://other.example"] }, "azp"],
    ["RP-2: an azp other than our client id is refused", "okta", { claims: { azp: "someone-else" } }, "azp"],
    ["oidcc-client-test-invalid-sig-rs256: a published kid with another key's signature is refused", "okta", { signing: "wrong-key-same-kid" }, "signature"],
    ["oidcc-client-test-invalid-sig-rs256: a key outside the JWKS is refused", "auth0", { signing: "unknown-key" }, "kid"],
    ["oidcc-client-test-kid-absent-multiple-jwks: no kid and two published keys is refused", "auth0", { omitKid: true }, "kid"],
    ["oidcc-client-test-invalid-sig-es256: ES256 by a key outside the JWKS is refused", "google", { signing: "es256" }, "kid"],
  ] as const)("%s", async (_name, p, switches, code) => {
    const { idToken, expected } = await signIn(p, switches);
    await expect(verifyIdToken(idToken, expected)).rejects.toMatchObject(refused(code));
    expect(fetches(p)).toBe(1); // one JWKS fetch, no refetch within the cooldown (RP-4)
  });

  it.each([
    ["oidcc-client-test-idtoken-sig-none: an unsigned token (alg none) is refused before any key lookup", "google", "alg-none", "none"],
    ["oidcc-client-test-invalid-sig-hs256: HS256 keyed with the published public key is refused before any key lookup", "cognito", "hs256-public-key", "HS256"],
  ] as const)("%s", async (_name, p, signing, alg) => {
    const { idToken, expected } = await signIn(p, { signing });
    expect(decodeProtectedHeader(idToken).alg).toBe(alg);
    await expect(verifyIdToken(idToken, expected)).rejects.toMatchObject(refused("algorithm"));
    expect(fetches(p)).toBe(0);
  });

  it("oidcc-client-test-invalid-sig-es256: with RS256 alone allowed, an ES256 token is refused for its algorithm, without a JWKS fetch", async () => {
    const { idToken, expected } = await signIn("auth0", { signing: "es256" });
    await expect(verifyIdToken(idToken, { ...expected, algorithms: ["RS256"] })).rejects.toMatchObject(refused("algorithm"));
    expect(fetches("auth0")).toBe(0);
  });

  it("oidcc-client-test-invalid-iss: Google's schemeless issuer passes only when the caller lists it", async () => {
    const { idToken, expected } = await signIn("google", { iss: "accounts.google.com" });
    await expect(verifyIdToken(idToken, expected)).rejects.toMatchObject(refused("issuer"));
    await expect(verifyIdToken(idToken, { ...expected, issuer: [expected.issuer as string, "accounts.google.com"] })).resolves.toBeTruthy();
  });

  it("RP-2: an allow-list may never hold none or HS*", async () => {
    const { idToken, expected } = await signIn("okta");
    for (const alg of ["none", "HS256", "HS512"]) {
      await expect(verifyIdToken(idToken, { ...expected, algorithms: ["RS256", alg as JwsAlgorithm] })).rejects.toThrow(TypeError);
    }
  });

  it("oidcc-client-test-userinfo-invalid-sub: userinfo about another subject is refused", async () => {
    const { idToken, accessToken, expected } = await signIn("google", { userinfoSub: "109999999999999999999" });
    const { claims } = await verifyIdToken(idToken, expected);
    const userinfo = await upstreamUserinfo("google", accessToken);
    expect(() => checkUserinfoSub(claims.sub, userinfo)).toThrow(expect.objectContaining(refused("userinfo_sub")));
    const error = (() => { try { checkUserinfoSub(claims.sub, userinfo); } catch (e) { return e as UpstreamTokenError; } })();
    expect(error?.detail).toContain("109999999999999999999"); // the detail is for logs; the message stays fixed and safe
    expect(error?.message).toBe("The identity provider's user information is about another user.");
    expect(() => checkUserinfoSub(claims.sub, { email: "x@example.com" })).toThrow(expect.objectContaining(refused("userinfo_sub")));
  });

  it("RP-2: the clock skew bounds exp and iat, judged at a controlled time", async () => {
    const { idToken, expected } = await signIn("okta");
    const { exp, iat } = decodeJwt(idToken) as { exp: number; iat: number };
    const at = (s: number) => new Date(s * 1000);
    await expect(verifyIdToken(idToken, { ...expected, now: at(exp + 59) })).resolves.toBeTruthy();
    await expect(verifyIdToken(idToken, { ...expected, now: at(exp + 60) })).rejects.toMatchObject(refused("expired"));
    await expect(verifyIdToken(idToken, { ...expected, now: at(iat - 60) })).resolves.toBeTruthy();
    await expect(verifyIdToken(idToken, { ...expected, now: at(iat - 61) })).rejects.toMatchObject(refused("issued_in_future"));
    await expect(verifyIdToken(idToken, { ...expected, now: at(iat - 5), clockSkewS: 0 })).rejects.toMatchObject(refused("issued_in_future"));
    await expect(verifyIdToken(idToken, { ...expected, now: at(iat + 700), maxAgeS: 600 })).rejects.toMatchObject(refused("expired"));
  });

  it("RP-2: iat 30 s ahead (within the skew) is accepted", async () => {
    const { idToken, expected } = await signIn("auth0", { futureIat: 30 });
    await expect(verifyIdToken(idToken, expected)).resolves.toBeTruthy();
  });

  it("RP-2: another client's token is refused even with every other claim right", async () => {
    const { idToken, expected } = await signIn("google");
    await expect(verifyIdToken(idToken, { ...expected, clientId: clients.okta })).rejects.toMatchObject(refused("audience"));
  });

  it("AB-3: garbage is malformed, not a crash", async () => {
    const { expected } = await signIn("okta");
    for (const junk of ["", "a.b", "not.a.jwt", "e30.e30.", `${btoa('{"alg":"RS256"}')}.bm90IGpzb24.c2ln`]) {
      await expect(verifyIdToken(junk, expected)).rejects.toMatchObject({ name: "UpstreamTokenError" });
    }
  });

  it("a warm verification makes no upstream call", async () => {
    const first = await signIn("cognito");
    const second = await signIn("cognito");
    await verifyIdToken(first.idToken, first.expected);
    await verifyIdToken(second.idToken, second.expected);
    await verifyIdToken(first.idToken, first.expected);
    expect(fetches("cognito")).toBe(1);
  });
});

describe("federation: verifying upstream JWT access tokens (RP-6 core)", () => {
  it("an Okta custom-AS access token verifies for its audience and is refused for another", async () => {
    const { accessToken, expected } = await signIn("okta");
    const { issuer, jwksUri } = expected;
    const { claims } = await verifyAccessTokenJwt(accessToken, { issuer, jwksUri, jwks, audiences: ["api://default"] });
    expect(claims).toMatchObject({ cid: clients.okta, aud: "api://default" });
    await expect(verifyAccessTokenJwt(accessToken, { issuer, jwksUri, jwks, audiences: ["api://other"] })).rejects.toMatchObject(refused("audience"));
    await expect(verifyAccessTokenJwt(accessToken, { issuer, jwksUri, jwks })).rejects.toThrow(TypeError);
  });

  it("a Cognito access token (other published key, no aud) verifies through a provider rule, which can refuse it", async () => {
    const { idToken, accessToken, expected } = await signIn("cognito");
    expect(decodeProtectedHeader(accessToken).kid).not.toBe(decodeProtectedHeader(idToken).kid);
    const { issuer, jwksUri } = expected;
    const isAccess = (c: Record<string, unknown>) => (c["token_use"] === "access" && c["client_id"] === clients.cognito ? undefined : "not our access token");
    await expect(verifyAccessTokenJwt(accessToken, { issuer, jwksUri, jwks, reject: isAccess })).resolves.toMatchObject({ claims: { token_use: "access" } });
    await expect(verifyAccessTokenJwt(idToken, { issuer, jwksUri, jwks, reject: isAccess })).rejects.toMatchObject(refused("policy"));
  });

  it("the signature rules apply to access tokens too", async () => {
    const { accessToken, expected } = await signIn("okta", { signing: "wrong-key-same-kid", tokens: ["access_token"] });
    const { issuer, jwksUri } = expected;
    await expect(verifyAccessTokenJwt(accessToken, { issuer, jwksUri, jwks, audiences: ["api://default"] })).rejects.toMatchObject(refused("signature"));
  });
});
