import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { DurableObjectStore } from "../../src/store/durable-object";
import { StoreError } from "../../src/store/store";
import { AccessTokenRefused, acceptAccessToken, refuseIfRevoked } from "../../src/tokens/accept-access-token";
import { denyAccessToken } from "../../src/tokens/deny-list";
import type { SigningKeys } from "../../src/tokens/signing-keys";

const issuer = "https://id.example.com";
const { privateKey, publicKey } = await generateKeyPair("ES256");
const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
const store = new DurableObjectStore(env.STORE);
const keysThat = (publicKeys: () => Promise<unknown[]>) => ({ publicKeys }) as unknown as SigningKeys;
const deps = { store, signingKeys: keysThat(async () => [jwk]), config: { issuer } };

let n = 0;
const token = (claims: JWTPayload = {}) =>
  new SignJWT({ client_id: "c", scope: "openid", project: "p", ...claims })
    .setProtectedHeader({ alg: "ES256", kid: "k1", typ: "at+jwt" })
    .setIssuer(issuer).setSubject("u").setJti(`jti-${n++}-${Math.random()}`).setIssuedAt().setExpirationTime("5m")
    .sign(privateKey);
const refusal = (promise: Promise<unknown>) => promise.then(() => { throw new Error("accepted"); }, (error: unknown) => error);

describe("acceptAccessToken", () => {
  it("accepts a valid token that is not deny-listed", async () => {
    await expect(acceptAccessToken(deps, await token())).resolves.toMatchObject({ sub: "u", client_id: "c", project: "p" });
  });

  it("refuses a deny-listed token as revoked, with its claims; a caller may read the list itself", async () => {
    const jwt = await token();
    const claims = await acceptAccessToken(deps, jwt);
    await denyAccessToken(store, claims.jti, claims.exp, claims.client_id);
    const error = await refusal(acceptAccessToken(deps, jwt));
    expect(error).toBeInstanceOf(AccessTokenRefused);
    expect(error).toMatchObject({ code: "revoked", detail: "revoked", claims: { jti: claims.jti } });
    await expect(acceptAccessToken(deps, jwt, { denyList: "caller" })).resolves.toMatchObject({ jti: claims.jti });
    expect(await refusal(refuseIfRevoked(store, claims))).toMatchObject({ code: "revoked" });
  });

  it("refuses garbage, a foreign signature, another type and claims of the wrong type as invalid", async () => {
    const { privateKey: foreign } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ client_id: "c", scope: "openid", project: "p" })
      .setProtectedHeader({ alg: "ES256", kid: "k1", typ: "at+jwt" }).setIssuer(issuer).setSubject("u").setJti("j").setIssuedAt().setExpirationTime("5m").sign(foreign);
    for (const bad of ["garbage", "a.b.c", "ey\u00e9.b.c", forged, await token({ scope: 7 }), await token({ project: "" })]) {
      const error = await refusal(acceptAccessToken(deps, bad));
      expect(error, bad).toBeInstanceOf(AccessTokenRefused);
      expect(error).toMatchObject({ code: "invalid" });
    }
  });

  it("passes a store outage and a bug through, never as a refusal", async () => {
    const outage = new StoreError("unavailable", "down");
    await expect(acceptAccessToken({ ...deps, signingKeys: keysThat(async () => { throw outage; }) }, await token())).rejects.toBe(outage);
    const bug = new TypeError("a bug");
    await expect(acceptAccessToken({ ...deps, signingKeys: keysThat(async () => { throw bug; }) }, await token())).rejects.toBe(bug);
  });
});
