/**
 * ID token signing per client: `idTokenSignedResponseAlg` (RFC 7591 `id_token_signed_response_alg`)
 * chooses ES256 (the default) or RS256 for a client's ID tokens; access tokens stay ES256. Tokens
 * come from the token endpoint and are verified as a relying party would, against the served JWKS.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from "jose";
import * as openid from "openid-client";
import { beforeAll, describe, expect, it } from "vitest";
import { accessTokenHash } from "../../src/security/jws-algorithms";
import { api, newProject } from "../helpers/admin";
import { jwks, mintCode, newClient, REDIRECT, refresh, signIn, type ClientAuth } from "../helpers/oauth";
import { call, ISSUER } from "../helpers/worker";

let project: { id: string; token: string };
let rsa: ClientAuth;
let plain: ClientAuth;
let userId: string;

beforeAll(async () => {
  project = await newProject("ID token algorithms");
  plain = await newClient(project, { name: "default alg", kind: "confidential", postLogoutRedirectUris: ["https://app.example/bye"] });
  rsa = await newClient(project, { name: "RS256 only", kind: "confidential", idTokenSignedResponseAlg: "RS256", postLogoutRedirectUris: ["https://app.example/bye"] });
  userId = (await api(project.token, "POST", `/projects/${project.id}/users`, { email: "grace@example.com", emailVerified: true, name: "Grace" })).body.id;
});

const tokens = (client: ClientAuth) => signIn(client, { projectId: project.id, userId, nonce: "n-1" });
const publishedAlgs = async () => ((await (await call("/.well-known/jwks.json")).json()) as { keys: JWK[] }).keys.map((key) => key.alg);

describe("ID token signing algorithm per client", () => {
  it("AS-8: a client with RS256 gets an RS256 ID token verifiable with the JWKS, and an ES256 access token", async () => {
    const response = await tokens(rsa);
    expect(decodeProtectedHeader(response.id_token)).toMatchObject({ alg: "RS256", typ: "JWT" });
    const { payload: id } = await jwtVerify(response.id_token, await jwks(), { issuer: ISSUER, audience: rsa.id, algorithms: ["RS256"] });
    expect(id).toMatchObject({ sub: userId, nonce: "n-1", email: "grace@example.com" });
    // at_hash uses the ID token's algorithm's hash: SHA-256 for RS256 as for ES256 (OIDC Core §3.1.3.6).
    expect(id.at_hash).toBe(await accessTokenHash(response.access_token, "RS256"));

    expect(decodeProtectedHeader(response.access_token)).toMatchObject({ alg: "ES256", typ: "at+jwt" });
    await jwtVerify(response.access_token, await jwks(), { issuer: ISSUER, audience: rsa.id, typ: "at+jwt", algorithms: ["ES256"] });
    // Fedgate itself accepts the access token (userinfo verifies ES256 only).
    const userinfo = await call("/oauth2/userinfo", { headers: { Authorization: `Bearer ${response.access_token}` } });
    expect(userinfo.status).toBe(200);
  });

  it("AS-8: openid-client, configured for RS256 ID tokens, discovers Fedgate and verifies the RS256 client's ID token against the JWKS", async () => {
    const relyingParty = async (client: ClientAuth) => {
      const config = await openid.discovery(new URL(ISSUER), client.id, { id_token_signed_response_alg: "RS256" }, openid.ClientSecretBasic(client.secret!), {
        // The worker under test answers in-process: the RP's requests (discovery, JWKS, token) go straight to it.
        [openid.customFetch]: (url: string, init: RequestInit) => call(new URL(url).pathname + new URL(url).search, init),
      });
      openid.enableNonRepudiationChecks(config); // verify the ID token's signature with the jwks_uri keys
      const nonce = openid.randomNonce();
      const { code, verifier } = await mintCode({ projectId: project.id, clientId: client.id, userId, nonce });
      const callback = new URL(`${REDIRECT}?${new URLSearchParams({ code, iss: ISSUER })}`);
      return openid.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, idTokenExpected: true });
    };
    const tokens = await relyingParty(rsa);
    expect(tokens.claims()).toMatchObject({ iss: ISSUER, aud: rsa.id, sub: userId });
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe("RS256");
    // The same relying party refuses an ES256 ID token: the client's setting is what makes it work.
    const refused = await relyingParty(plain).then(() => undefined, (error: unknown) => error as Error & { cause?: unknown });
    expect(refused?.cause).toMatchObject({ message: 'unexpected JWT "alg" header parameter', cause: { header: { alg: "ES256" }, expected: "RS256" } });
  });

  it("AS-8: the default client gets ES256 ID tokens", async () => {
    const response = await tokens(plain);
    expect(decodeProtectedHeader(response.id_token).alg).toBe("ES256");
    expect(decodeProtectedHeader(response.access_token).alg).toBe("ES256");
    await jwtVerify(response.id_token, await jwks(), { issuer: ISSUER, audience: plain.id, algorithms: ["ES256"] });
  });

  it("AS-8: a refreshed ID token keeps the client's algorithm", async () => {
    const first = await tokens(rsa);
    const refreshed = await refresh(first.refresh_token, rsa);
    expect(refreshed.status).toBe(200);
    expect(decodeProtectedHeader(refreshed.body.id_token).alg).toBe("RS256");
    expect(decodeProtectedHeader(refreshed.body.access_token).alg).toBe("ES256");
    await jwtVerify(refreshed.body.id_token, await jwks(), { issuer: ISSUER, audience: rsa.id, algorithms: ["RS256"] });
  });

  it("AS-8: the JWKS publishes an active and a next key of each algorithm in use", async () => {
    const algs = await publishedAlgs();
    expect(algs.filter((alg) => alg === "ES256").length).toBeGreaterThanOrEqual(2);
    expect(algs.filter((alg) => alg === "RS256").length).toBeGreaterThanOrEqual(2);
    const { keys } = (await (await call("/.well-known/jwks.json")).json()) as { keys: JWK[] };
    for (const key of keys.filter((k) => k.alg === "RS256")) {
      expect(key).toMatchObject({ kty: "RSA", use: "sig", e: "AQAB" });
      expect(key).not.toHaveProperty("d");
    }
  });

  it("accepts an RS256 ID token as a logout hint", async () => {
    const signedIn = await tokens(rsa);
    const response = await call(`/oauth2/logout?${new URLSearchParams({ id_token_hint: signedIn.id_token, post_logout_redirect_uri: "https://app.example/bye" })}`, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect((await refresh(signedIn.refresh_token, rsa)).body.error).toBe("invalid_grant");
  });

  it("switches a client's algorithm with PATCH, and back to the default with null", async () => {
    const client = await newClient(project, { name: "switching", kind: "confidential" });
    const path = `/projects/${project.id}/clients/${client.id}`;
    const patch = async (value: string | null) => {
      const etag = (await api(project.token, "GET", path)).headers.get("ETag")!;
      return api(project.token, "PATCH", path, { idTokenSignedResponseAlg: value }, { "If-Match": etag });
    };
    const toRsa = await patch("RS256");
    expect(toRsa.status).toBe(200);
    expect(toRsa.body.idTokenSignedResponseAlg).toBe("RS256");
    expect(decodeProtectedHeader((await tokens(client)).id_token).alg).toBe("RS256");
    const back = await patch(null);
    expect(back.status).toBe(200);
    expect(back.body).not.toHaveProperty("idTokenSignedResponseAlg");
    expect(decodeProtectedHeader((await tokens(client)).id_token).alg).toBe("ES256");
  });

  it("AD-3: refuses an algorithm other than ES256 or RS256, naming the field", async () => {
    for (const value of ["HS256", "none", "rs256", "PS256", 256]) {
      const created = await api(project.token, "POST", `/projects/${project.id}/clients`, { name: "bad", kind: "confidential", redirectUris: ["https://app.example/cb"], idTokenSignedResponseAlg: value });
      expect(created.status, String(value)).toBe(400);
      expect(created.headers.get("Content-Type")).toBe("application/problem+json");
      expect(created.body.detail).toContain("idTokenSignedResponseAlg");
    }
    const path = `/projects/${project.id}/clients/${plain.id}`;
    const etag = (await api(project.token, "GET", path)).headers.get("ETag")!;
    const patched = await api(project.token, "PATCH", path, { idTokenSignedResponseAlg: "HS256" }, { "If-Match": etag });
    expect(patched.status).toBe(400);
    expect(patched.body.detail).toContain("idTokenSignedResponseAlg");
  });

  it("documents the field in the OpenAPI document as RFC 7591's id_token_signed_response_alg", async () => {
    const document = JSON.stringify(await (await call("/admin/v1/openapi.json")).json());
    const schemas = [...document.matchAll(/"idTokenSignedResponseAlg":(\{[^{}]*\})/g)].map((match) => JSON.parse(match[1]!) as { enum?: string[]; description?: string });
    expect(schemas.length).toBeGreaterThanOrEqual(3); // create, patch (nullable) and view
    for (const schema of schemas) {
      expect(JSON.stringify(schema)).toContain("id_token_signed_response_alg");
    }
    expect(schemas.some((schema) => JSON.stringify(schema.enum) === '["ES256","RS256"]')).toBe(true);
  });

  it("advertises both algorithms in discovery, ES256 first", async () => {
    const metadata = (await (await call("/.well-known/openid-configuration")).json()) as Record<string, unknown>;
    expect(metadata.id_token_signing_alg_values_supported).toEqual(["ES256", "RS256"]);
    expect(decodeJwt((await tokens(plain)).id_token).iss).toBe(ISSUER);
  });
});
