/**
 * One list of JWS algorithms (issue 10 item 1): every entry of JWS_ALGORITHMS verifies in workerd,
 * and every provider kind's lists (ID tokens, JWT access tokens) pass the shared verifier, so no
 * kind can hold a value the verifier refuses (what made every generic `oidc` sign-in fail).
 */
import { exportJWK, generateKeyPair, SignJWT, base64url } from "jose";
import { describe, expect, it } from "vitest";
import { createJwksCache } from "../../src/federation/jwks";
import { providerKind } from "../../src/federation/providers";
import { verifyIdToken } from "../../src/federation/verify";
import type { Provider } from "../../src/registry/providers";
import { allowList, isJwsAlgorithm, JWS_ALGORITHMS, type JwsAlgorithm } from "../../src/security/jws-algorithms";

const ISSUER = "https://idp.example";
const JWKS_URI = `${ISSUER}/jwks`;
const CLIENT = "fedgate";
const ACCESS_TOKEN = "an-access-token";

/** OIDC Core §3.1.3.6, computed here independently of the code under test. */
async function atHash(alg: JwsAlgorithm): Promise<string> {
  const hash = alg.startsWith("Ed") ? "SHA-512" : `SHA-${alg.slice(2)}`;
  const digest = new Uint8Array(await crypto.subtle.digest(hash, new TextEncoder().encode(ACCESS_TOKEN)));
  return base64url.encode(digest.subarray(0, digest.length / 2));
}

/** A signed ID token and a key cache that serves its public key, as a provider's JWKS would. */
async function signedWith(alg: JwsAlgorithm) {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === "EdDSA" ? { crv: "Ed25519" } : {});
  const jwk = { ...(await exportJWK(publicKey)), kid: `k-${alg}`, alg, use: "sig" };
  const now = Math.floor(Date.now() / 1000);
  const idToken = await new SignJWT({ nonce: "n-1", at_hash: await atHash(alg) })
    .setProtectedHeader({ alg, kid: jwk.kid })
    .setIssuer(ISSUER).setAudience(CLIENT).setSubject("person-1").setIssuedAt(now).setExpirationTime(now + 300)
    .sign(privateKey);
  const jwks = createJwksCache({ fetch: async () => Response.json({ keys: [jwk] }) });
  return { idToken, jwks };
}

const verifies = async (alg: JwsAlgorithm, algorithms: readonly JwsAlgorithm[]) => {
  const { idToken, jwks } = await signedWith(alg);
  const { claims } = await verifyIdToken(idToken, { issuer: ISSUER, clientId: CLIENT, jwksUri: JWKS_URI, jwks, algorithms, nonce: "n-1", accessToken: ACCESS_TOKEN });
  return claims.sub;
};

describe("JWS algorithms", () => {
  it.each(JWS_ALGORITHMS)("RP-2: %s verifies in workerd, at_hash included", async (alg) => {
    expect(await verifies(alg, [alg])).toBe("person-1");
  });

  const provider = {
    id: "p", projectId: "proj", kind: "oidc", issuer: ISSUER, clientId: CLIENT, scopes: ["openid"], linkBy: "email", createUsers: true,
    exchange: { audiences: ["api"], clientIds: [CLIENT], acceptOpaqueTokens: false },
  } as unknown as Provider;

  it.each(["auth0", "okta", "google", "cognito", "oidc"] as const)("every algorithm of the %s kind passes the shared verifier", async (name) => {
    const kind = providerKind(name);
    const lists = [kind.idTokenAlgorithms, kind.accessTokenRules({ ...provider, kind: name }).jwt?.algorithms ?? []];
    for (const list of lists) {
      for (const alg of list) expect(await verifies(alg, list), `${name} ${alg}`).toBe("person-1");
    }
  });

  it("RP-2 / AB-6: none, HS*, unknown names and prototype keys are never on an allow-list", () => {
    for (const alg of ["none", "HS256", "HS512", "RSA-OAEP", "constructor", "__proto__", "toString"]) {
      expect(isJwsAlgorithm(alg), alg).toBe(false);
      expect(() => allowList(["RS256", alg]), alg).toThrow(TypeError);
    }
    expect(() => allowList([])).toThrow(TypeError);
  });

  it("AB-8: an algorithm outside the list is a programming error (TypeError), not a refused token", async () => {
    const { idToken, jwks } = await signedWith("RS256");
    await expect(verifyIdToken(idToken, { issuer: ISSUER, clientId: CLIENT, jwksUri: JWKS_URI, jwks, algorithms: ["RS256", "HS256" as JwsAlgorithm] })).rejects.toThrow(TypeError);
  });
});
