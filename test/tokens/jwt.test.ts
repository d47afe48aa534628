import { env } from "cloudflare:workers";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { Sealer } from "../../src/security/encryption";
import { DurableObjectStore } from "../../src/store/durable-object";
import { accessTokenHash } from "../../src/security/jws-algorithms";
import { mintAccessToken, mintIdToken } from "../../src/tokens/jwt";
import { KeyCache, SigningKeys, keyPolicy } from "../../src/tokens/signing-keys";

const config = parseConfig(env as unknown as Record<string, unknown>);
const keys = new SigningKeys({
  store: new DurableObjectStore(env.STORE), cache: new KeyCache(), sealer: new Sealer(config.encryptionKey),
  policy: keyPolicy(config), recordKey: `{jwt-test-${Date.now()}}signing-keys`,
});

describe("Fedgate's tokens", () => {
  it("AS-9: an access token carries iss, sub, aud, exp, iat, jti, client_id, scope, project, email, idp", async () => {
    const signer = await keys.signer();
    const minted = await mintAccessToken(signer, {
      issuer: config.issuer, subject: "usr_1", audience: "https://api.example", clientId: "prj_x.client", scope: ["openid", "read"],
      lifetimeS: 600, projectId: "prj_x", email: "ada@example.com", idp: "okta",
    });
    expect(decodeProtectedHeader(minted.token)).toMatchObject({ alg: "ES256", kid: signer.kid, typ: "at+jwt" });
    const { payload } = await jwtVerify(minted.token, createLocalJWKSet({ keys: await keys.publicKeys() }), {
      issuer: config.issuer, audience: "https://api.example", typ: "at+jwt",
    });
    expect(payload).toMatchObject({ sub: "usr_1", client_id: "prj_x.client", scope: "openid read", project: "prj_x", email: "ada@example.com", idp: "okta", jti: minted.jti });
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it("an ID token carries the downstream nonce, auth_time, amr, azp and a correct at_hash", async () => {
    const signer = await keys.signer();
    const access = await mintAccessToken(signer, { issuer: config.issuer, subject: "usr_1", audience: "c1", clientId: "c1", scope: ["openid"], lifetimeS: 60, projectId: "p" });
    const id = await mintIdToken(signer, {
      issuer: config.issuer, subject: "usr_1", clientId: "c1", lifetimeS: 300, nonce: "n-0S6", authTime: 1_700_000_000, amr: ["pwd", "mfa"],
      accessToken: access.token, profile: { email: "ada@example.com", email_verified: true },
    });
    const { payload } = await jwtVerify(id.token, createLocalJWKSet({ keys: await keys.publicKeys() }), { issuer: config.issuer, audience: "c1" });
    expect(payload).toMatchObject({ nonce: "n-0S6", auth_time: 1_700_000_000, amr: ["pwd", "mfa"], azp: "c1", email: "ada@example.com" });
    expect(payload.at_hash).toBe(await accessTokenHash(access.token, "ES256"));
  });

  it("computes at_hash per OIDC Core 3.1.3.6 (the spec's example)", async () => {
    // OIDC Core A.3: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y" → at_hash "77QmUPtjPfzWtF2AnpK9RQ".
    expect(await accessTokenHash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256")).toBe("77QmUPtjPfzWtF2AnpK9RQ");
  });
});
