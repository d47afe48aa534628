/**
 * Issue 11 item 3: validation apart from the request. The token response and userinfo answers are
 * built by hand here, so each check — oauth4webapi's on the response, verify.ts's on the ID token —
 * and the one classifier's verdict on what they throw are seen without any upstream.
 */
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createJwksCache } from "../../src/federation/jwks";
import { classifyUpstreamFailure } from "../../src/federation/upstream-failure";
import { processCodeResponse, processUserinfoResponse } from "../../src/federation/verify";
import { accessTokenHash } from "../../src/security/jws-algorithms";

const ISSUER = "https://idp.example";
const JWKS_URI = `${ISSUER}/keys`;
const server = { as: { issuer: ISSUER, jwks_uri: JWKS_URI }, client: { client_id: "fedgate" } };

let privateKey: CryptoKey;
let jwks: ReturnType<typeof createJwksCache>;
beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  jwks = createJwksCache({ fetch: async () => Response.json({ keys: [jwk] }) });
});

const expected = () => ({ issuer: ISSUER, clientId: "fedgate", nonce: "n-1", jwksUri: JWKS_URI, jwks, declaredAlgorithms: ["RS256"], trustedAudiences: [] });

async function idToken(claims: Record<string, unknown> = {}, accessToken = "at-1") {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: "person-1", nonce: "n-1", at_hash: await accessTokenHash(accessToken, "RS256"), ...claims })
    .setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(ISSUER).setAudience((claims.aud as string) ?? "fedgate")
    .setIssuedAt(now).setExpirationTime(now + 300).sign(privateKey);
}

const tokenResponse = (body: Record<string, unknown>, init: ResponseInit = {}) => Response.json(body, init);

/** What processing `response` throws, as the classifier sorts it. */
async function failureOf(response: Response) {
  const error = await processCodeResponse(server, response, expected()).then(() => undefined, (e: unknown) => e);
  expect(error).toBeDefined();
  return classifyUpstreamFailure(error);
}

describe("the token response, validated apart from its request", () => {
  it("a good response: the ID token verified by verify.ts, the rest by oauth4webapi", async () => {
    const { tokens, idToken: verified } = await processCodeResponse(server, tokenResponse({ access_token: "at-1", token_type: "Bearer", id_token: await idToken() }), expected());
    expect(tokens).toMatchObject({ access_token: "at-1", token_type: "bearer" });
    expect(verified.claims).toMatchObject({ iss: ISSUER, sub: "person-1", nonce: "n-1" });
  });

  it("an error body is a refusal with the provider's error", async () => {
    expect(await failureOf(tokenResponse({ error: "invalid_grant", error_description: "code used" }, { status: 400 }))).toEqual({ outcome: "rejected", code: "refused", detail: "invalid_grant: code used" });
  });

  it("a JSON answer with a status that is neither 200 nor an OAuth error is a refusal", async () => {
    expect(await failureOf(Response.json({ message: "not here" }, { status: 404 }))).toEqual({ outcome: "rejected", code: "refused", detail: "unexpected HTTP 404" });
  });

  it("a 200 that is not JSON (an error page, a proxy) is an outage", async () => {
    expect(await failureOf(new Response("<html>", { status: 200, headers: { "Content-Type": "text/html" } }))).toMatchObject({ outcome: "unavailable" });
  });

  it("a response without an ID token, or with an unknown token_type, is malformed", async () => {
    expect(await failureOf(tokenResponse({ access_token: "at-1", token_type: "Bearer" }))).toMatchObject({ outcome: "rejected", code: "malformed" });
    expect(await failureOf(tokenResponse({ access_token: "at-1", token_type: "mac", id_token: await idToken() }))).toMatchObject({ outcome: "rejected", code: "malformed" });
  });

  it("the ID token's claims are judged by verify.ts alone, in the audited wording", async () => {
    const ok = { access_token: "at-1", token_type: "Bearer" };
    expect(await failureOf(tokenResponse({ ...ok, id_token: await idToken({ aud: "someone-else" }) }))).toEqual({ outcome: "rejected", code: "audience", detail: 'unexpected JWT "aud" (audience) claim value' });
    expect(await failureOf(tokenResponse({ ...ok, id_token: await idToken({ nonce: "other" }) }))).toEqual({ outcome: "rejected", code: "nonce", detail: 'unexpected ID Token "nonce" claim value' });
    expect(await failureOf(tokenResponse({ ...ok, id_token: await idToken({}, "another-access-token") }))).toMatchObject({ outcome: "rejected", code: "at_hash" });
  });

  it("RP-5: a userinfo answer about another subject is refused; a non-200 answer is a refusal", async () => {
    await expect(processUserinfoResponse(server, Response.json({ sub: "person-1", email: "p@example.com" }), "person-1")).resolves.toMatchObject({ email: "p@example.com" });
    const other = await processUserinfoResponse(server, Response.json({ sub: "person-2" }), "person-1").catch((e: unknown) => e);
    expect(classifyUpstreamFailure(other)).toMatchObject({ outcome: "rejected", code: "userinfo_sub" });
    const refused = await processUserinfoResponse(server, new Response("no", { status: 403 }), "person-1").catch((e: unknown) => e);
    expect(classifyUpstreamFailure(refused)).toMatchObject({ outcome: "rejected", code: "refused" });
  });
});
