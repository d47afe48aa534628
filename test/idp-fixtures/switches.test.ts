/** Every misbehaviour switch of the control endpoint, observed the way a relying party would see it. */
import * as client from "openid-client";
import { exportSPKI, importJWK, jwtVerify, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { REDIRECT_URI, TEST_CLIENTS, authorize, decodeJwt, decodeProtectedHeader, discover, rawTokens, rejectedClaim, signIn, useEmulators, verifyWithJwks, type Emulators } from "./helpers";

let emu: Emulators;
useEmulators((started) => (emu = started));

async function jwksOf(provider: "auth0" | "okta" | "google" | "cognito"): Promise<JWK[]> {
  const config = await discover(emu, provider);
  const res = await fetch(config.serverMetadata().jwks_uri ?? "");
  return ((await res.json()) as { keys: JWK[] }).keys;
}

describe("signing switches (RP-2, RP-3, RP-4)", () => {
  it("signing: unknown-key — a kid that is not in the JWKS", async () => {
    await emu.control("auth0", { signing: "unknown-key" });
    const { config, body } = await rawTokens(emu, "auth0");
    const kid = decodeProtectedHeader(body.id_token ?? "").kid;
    expect((await jwksOf("auth0")).map((k) => k.kid)).not.toContain(kid);
    await expect(verifyWithJwks(config, body.id_token ?? "")).rejects.toThrow(/no applicable key/i);
  });

  it("signing: wrong-key-same-kid — published kid, invalid signature (oidcc-invalid-sig-rs256)", async () => {
    await emu.control("okta", { signing: "wrong-key-same-kid" });
    const { config, body } = await rawTokens(emu, "okta");
    expect((await jwksOf("okta")).map((k) => k.kid)).toContain(decodeProtectedHeader(body.id_token ?? "").kid);
    await expect(verifyWithJwks(config, body.id_token ?? "")).rejects.toThrow(/signature verification failed/i);
  });

  it("signing: alg-none — an unsecured JWT (oidcc-idtoken-sig-none)", async () => {
    await emu.control("google", { signing: "alg-none" });
    const { body } = await rawTokens(emu, "google");
    const idToken = body.id_token ?? "";
    expect(decodeProtectedHeader(idToken).alg).toBe("none");
    expect(idToken.endsWith(".")).toBe(true);
    const config = await discover(emu, "google");
    client.enableNonRepudiationChecks(config);
    await expect(signIn(emu, "google", { config })).rejects.toThrow();
  });

  it("signing: hs256-public-key — HMAC keyed with the published key's SPKI PEM (oidcc-invalid-sig-hs256)", async () => {
    await emu.control("cognito", { signing: "hs256-public-key" });
    const { config, body } = await rawTokens(emu, "cognito");
    const header = decodeProtectedHeader(body.id_token ?? "");
    expect(header.alg).toBe("HS256");
    const jwk = (await jwksOf("cognito")).find((k) => k.kid === header.kid);
    const pem = await exportSPKI((await importJWK(jwk as JWK, "RS256")) as CryptoKey);
    await expect(jwtVerify(body.id_token ?? "", new TextEncoder().encode(pem))).resolves.toBeTruthy();
    await expect(verifyWithJwks(config, body.id_token ?? "")).rejects.toThrow();
  });

  it("signing: es256 — a key of another type outside the JWKS (oidcc-invalid-sig-es256)", async () => {
    await emu.control("auth0", { signing: "es256" });
    const { config, body } = await rawTokens(emu, "auth0");
    expect(decodeProtectedHeader(body.id_token ?? "").alg).toBe("ES256");
    await expect(verifyWithJwks(config, body.id_token ?? "")).rejects.toThrow();
  });

  it("omitKid with several keys published (oidcc-kid-absent-multiple-jwks)", async () => {
    await emu.control("okta", { omitKid: true });
    const { config, body } = await rawTokens(emu, "okta");
    expect(decodeProtectedHeader(body.id_token ?? "").kid).toBeUndefined();
    expect((await jwksOf("okta")).length).toBeGreaterThan(1);
    await expect(verifyWithJwks(config, body.id_token ?? "")).rejects.toThrow(/multiple matching keys/i);
  });

  it("omitKid with jwks: single — one key published (oidcc-kid-absent-single-jwks)", async () => {
    await emu.control("google", { omitKid: true, jwks: "single" });
    const { config, body } = await rawTokens(emu, "google");
    expect(decodeProtectedHeader(body.id_token ?? "").kid).toBeUndefined();
    expect(await jwksOf("google")).toHaveLength(1);
    await expect(verifyWithJwks(config, body.id_token ?? "")).resolves.toMatchObject({ iss: emu.issuers.google });
  });

  it("rotateKey — a new kid signs and the old one leaves the JWKS; reset restores (oidcc-signing-key-rotation)", async () => {
    const before = (await emu.state("auth0")).signingKid;
    const first = await rawTokens(emu, "auth0");
    expect(decodeProtectedHeader(first.body.id_token ?? "").kid).toBe(before);
    await emu.control("auth0", { rotateKey: true });
    const kids = (await jwksOf("auth0")).map((k) => k.kid);
    expect(kids).not.toContain(before);
    const second = await rawTokens(emu, "auth0");
    const newKid = decodeProtectedHeader(second.body.id_token ?? "").kid;
    expect(kids).toContain(newKid);
    await expect(verifyWithJwks(second.config, second.body.id_token ?? "")).resolves.toBeTruthy();
    await expect(verifyWithJwks(first.config, first.body.id_token ?? "")).rejects.toThrow();
    await emu.reset();
    expect((await emu.state("auth0")).signingKid).toBe(before);
  });

  it("Cognito rotation replaces both the ID and the access key", async () => {
    const before = (await jwksOf("cognito")).map((k) => k.kid);
    await emu.control("cognito", { rotateKey: true });
    const after = (await jwksOf("cognito")).map((k) => k.kid);
    expect(after).toHaveLength(2);
    expect(after.some((k) => before.includes(k ?? ""))).toBe(false);
  });
});

describe("claim switches (RP-2) — openid-client rejects each", () => {
  it("iss (oidcc-invalid-iss)", async () => {
    await emu.control("okta", { iss: "https://evil.example" });
    expect(decodeJwt((await rawTokens(emu, "okta")).body.id_token ?? "").iss).toBe("https://evil.example");
    expect(await rejectedClaim(signIn(emu, "okta"))).toBe("iss");
  });

  it("aud (oidcc-invalid-aud)", async () => {
    await emu.control("google", { aud: "someone-else" });
    expect(await rejectedClaim(signIn(emu, "google"))).toBe("aud");
  });

  it("extraAudiences without azp", async () => {
    await emu.control("auth0", { extraAudiences: ["https://other.example"] });
    const claims = decodeJwt((await rawTokens(emu, "auth0")).body.id_token ?? "");
    expect(claims.aud).toEqual([TEST_CLIENTS.auth0.id, "https://other.example"]);
    expect(claims.azp).toBeUndefined();
  });

  it("Google's azp is removed too when audiences are added", async () => {
    await emu.control("google", { extraAudiences: ["x"] });
    const claims = decodeJwt((await rawTokens(emu, "google")).body.id_token ?? "");
    expect(claims.azp).toBeUndefined();
    await expect(signIn(emu, "google")).rejects.toThrow();
  });

  it("expired exp", async () => {
    await emu.control("cognito", { expired: true });
    const claims = decodeJwt((await rawTokens(emu, "cognito")).body.id_token ?? "");
    expect(claims.exp).toBeLessThan(Date.now() / 1000);
    expect(await rejectedClaim(signIn(emu, "cognito"))).toBe("exp");
  });

  it("futureIat", async () => {
    await emu.control("auth0", { futureIat: 3600 });
    const claims = decodeJwt((await rawTokens(emu, "auth0")).body.id_token ?? "");
    expect(claims.iat).toBeGreaterThan(Date.now() / 1000 + 3000);
  });

  it("nonce (oidcc-nonce-invalid)", async () => {
    await emu.control("okta-org", { nonce: "not-yours" });
    expect(await rejectedClaim(signIn(emu, "okta-org"))).toBe("nonce");
  });

  it("omitClaims sub / aud / iat (oidcc-missing-sub, -missing-aud, -missing-iat)", async () => {
    for (const claim of ["sub", "aud", "iat"]) {
      await emu.control("google", { omitClaims: [claim] });
      expect(decodeJwt((await rawTokens(emu, "google")).body.id_token ?? "")[claim], claim).toBeUndefined();
      await expect(signIn(emu, "google"), claim).rejects.toThrow();
    }
  });

  it("invalidAtHash (oidcc-invalid-athash)", async () => {
    const good = decodeJwt((await rawTokens(emu, "okta")).body.id_token ?? "").at_hash;
    await emu.control("okta", { invalidAtHash: true });
    const { body } = await rawTokens(emu, "okta");
    const bad = decodeJwt(body.id_token ?? "").at_hash;
    expect(bad).toBeTypeOf("string");
    expect(bad).not.toBe(good);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body.access_token)));
    expect(Buffer.from(digest.slice(0, 16)).toString("base64url")).not.toBe(bad);
  });

  it("claims override, e.g. an email in another provider's domain", async () => {
    await emu.control("okta", { claims: { email: "ceo@workspace.example" } });
    const { tokens } = await signIn(emu, "okta");
    expect(tokens.claims()?.email).toBe("ceo@workspace.example");
  });

  it("tokens: [access_token] bends only the access token (RP-6)", async () => {
    await emu.control("okta", { iss: "https://evil.example", tokens: ["access_token"] });
    const { tokens } = await signIn(emu, "okta");
    expect(tokens.claims()?.iss).toBe(emu.issuers.okta);
    expect(decodeJwt(tokens.access_token).iss).toBe("https://evil.example");
  });

  it("switches set after sign-in bend refreshed tokens (oidcc-refresh-token-invalid-issuer / -sub)", async () => {
    const { config, tokens } = await signIn(emu, "auth0");
    await emu.control("auth0", { iss: "https://evil.example" });
    expect(await rejectedClaim(client.refreshTokenGrant(config, tokens.refresh_token ?? ""))).toBe("iss");
    await emu.control("auth0", { iss: null, claims: { sub: "auth0|someone-else" } });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? "");
    expect(refreshed.claims()?.sub).toBe("auth0|someone-else");
  });
});

describe("identity switches (RP-5, RP-7)", () => {
  it("userinfoSub (oidcc-userinfo-invalid-sub)", async () => {
    await emu.control("google", { userinfoSub: "109999999999999999999" });
    const { config, tokens } = await signIn(emu, "google");
    expect(await rejectedClaim(client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? ""))).toBe("sub");
  });

  it("emailUnverified: ID token, userinfo (Cognito's string form) and tokeninfo", async () => {
    await emu.control("cognito", { emailUnverified: true });
    const { config, tokens } = await signIn(emu, "cognito");
    expect(tokens.claims()?.email_verified).toBe(false);
    const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? "");
    expect(info.email_verified).toBe("false");
    await emu.control("google", { emailUnverified: true });
    const g = await signIn(emu, "google");
    const ti = (await (await fetch(`${emu.issuers.google}/tokeninfo?access_token=${g.tokens.access_token}`)).json()) as Record<string, unknown>;
    expect(ti.email_verified).toBe("false");
  });

  it("revokeTokens: issued tokens stop working upstream", async () => {
    const { config, tokens } = await signIn(emu, "okta");
    await emu.control("okta", { revokeTokens: true });
    await expect(client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? "")).rejects.toThrow();
    await expect(client.refreshTokenGrant(config, tokens.refresh_token ?? "")).rejects.toThrow();
    expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });
});

describe("faults (RP-8) and discovery", () => {
  it("delay on a chosen endpoint", async () => {
    const config = await discover(emu, "auth0");
    await emu.control("auth0", { delay: { ms: 300, endpoints: ["token"] } });
    const t0 = Date.now();
    await signIn(emu, "auth0", { config });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    const t1 = Date.now();
    await fetch(config.serverMetadata().jwks_uri ?? "");
    expect(Date.now() - t1).toBeLessThan(250);
  });

  it("fail with 503 on a chosen endpoint, then with 500 everywhere", async () => {
    const config = await discover(emu, "google");
    await emu.control("google", { fail: { status: 503, endpoints: ["token"] } });
    const { callback } = await authorize(emu, "google", { config });
    expect(callback.searchParams.get("code")).toBeTruthy();
    await expect(signIn(emu, "google", { config })).rejects.toThrow();
    const res = await fetch(config.serverMetadata().token_endpoint ?? "", { method: "POST" });
    expect(res.status).toBe(503);
    await emu.control("google", { fail: { status: 500 } });
    expect((await fetch(`${emu.issuers.google}/.well-known/openid-configuration`)).status).toBe(500);
  });

  it("discovery: issuer-mismatch, invalid-json, missing-jwks-uri (oidcc-discovery-issuer-mismatch)", async () => {
    await emu.control("cognito", { discovery: "issuer-mismatch" });
    await expect(discover(emu, "cognito")).rejects.toThrow(/issuer/);
    await emu.control("cognito", { discovery: "invalid-json" });
    await expect(discover(emu, "cognito")).rejects.toThrow();
    await emu.control("cognito", { discovery: "missing-jwks-uri" });
    const config = await discover(emu, "cognito");
    expect(config.serverMetadata().jwks_uri).toBeUndefined();
  });
});

describe("scoping and the control endpoint", () => {
  const other = { clientId: "0oaothertestfile0004", clientSecret: "other-secret", allowLoopbackRedirects: true };

  it("a client-scoped switch touches only that client's tokens and requests", async () => {
    await emu.registerClient("okta", other);
    await emu.control("okta", { clientId: other.clientId, nonce: "bent", fail: { status: 500, endpoints: ["userinfo"] } });
    const otherConfig = await discover(emu, "okta", { clientId: other.clientId, secret: other.clientSecret });
    expect(await rejectedClaim(signIn(emu, "okta", { config: otherConfig }))).toBe("nonce");
    const { config, tokens } = await signIn(emu, "okta");
    await expect(client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? "")).resolves.toBeTruthy();
  });

  it("a scoped reset clears only that client's switches", async () => {
    await emu.registerClient("okta", other);
    await emu.control("okta", { clientId: other.clientId, nonce: "bent" });
    await emu.control("okta", { clientId: TEST_CLIENTS.okta.id, nonce: "bent" });
    await emu.reset({ clientId: other.clientId });
    const otherConfig = await discover(emu, "okta", { clientId: other.clientId, secret: other.clientSecret });
    await expect(signIn(emu, "okta", { config: otherConfig })).resolves.toBeTruthy();
    expect(await rejectedClaim(signIn(emu, "okta"))).toBe("nonce");
  });

  it("refuses unknown switches and global switches with a clientId", async () => {
    await expect(emu.control("auth0", { nope: true } as never)).rejects.toThrow(/unknown switch "nope"/);
    await expect(emu.control("auth0", { clientId: "x", rotateKey: true })).rejects.toThrow(/global/);
    await expect(emu.control("auth0", { delay: { ms: -1 } })).rejects.toThrow(/delay/);
  });

  it("the issuer comes from BASE_URL, not from the Host header", async () => {
    const res = await fetch(`${emu.issuers.okta}/.well-known/openid-configuration`, { headers: { host: "evil.example", "x-forwarded-host": "evil.example" } });
    expect(((await res.json()) as { issuer: string }).issuer).toBe(emu.issuers.okta);
  });

  it("a registered client with an exact redirect URI", async () => {
    await emu.registerClient("cognito", { clientId: "registeredcognito000000005", clientSecret: "s", redirectUris: [REDIRECT_URI] });
    const config = await discover(emu, "cognito", { clientId: "registeredcognito000000005", secret: "s" });
    const { tokens } = await signIn(emu, "cognito", { config });
    expect(tokens.claims()?.aud).toBe("registeredcognito000000005");
  });
});
