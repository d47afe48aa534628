// A real client over real HTTP (issue 6 item 7): openid-client's clientCredentialsGrant, unmodified,
// against the running broker — client_secret_basic and private_key_jwt — then the token checked
// locally with jose and the JWKS (as an API would), at introspection and at the forward-auth endpoint.
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { adminApi } from "./admin";

const brokerUrl = inject("brokerUrl");
const adminToken = inject("adminToken");
let project: { id: string; token: string };

const admin = adminApi(brokerUrl);

const machine = (extra: Record<string, unknown> = {}) =>
  admin(project.token, "POST", `/projects/${project.id}/clients`, { name: "ci job", kind: "confidential", grantTypes: ["client_credentials"], scopes: ["deploy", "read"], ...extra });

beforeAll(async () => {
  const created = await admin(adminToken, "POST", "/projects", { name: "e2e machines" });
  project = { id: created.body.project.id, token: created.body.apiKey.token };
});

describe("servers and devices over HTTP", () => {
  it("openid-client clientCredentialsGrant with client_secret_basic; the token verifies locally with jose", async () => {
    const { body } = await machine();
    const config = await oidc.discovery(new URL(brokerUrl), body.client.id, body.clientSecret, oidc.ClientSecretBasic(body.clientSecret), { execute: [oidc.allowInsecureRequests] });
    const tokens = await oidc.clientCredentialsGrant(config, { scope: "read" });
    expect(tokens.scope).toBe("read");
    expect(tokens.refresh_token).toBeUndefined();
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${brokerUrl}/.well-known/jwks.json`)), {
      issuer: brokerUrl, audience: body.client.id, typ: "at+jwt",
    });
    expect(payload).toMatchObject({ sub: body.client.id, gty: "client_credentials", project: project.id });

    const introspection = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(introspection.active).toBe(true);
    const gateway = await fetch(`${brokerUrl}/auth/verify`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(gateway.status).toBe(200);
    expect(gateway.headers.get("X-Fedgate-Client")).toBe(body.client.id);
  });

  it("openid-client clientCredentialsGrant with private_key_jwt", async () => {
    const pair = await generateKeyPair("ES256");
    const { body } = await machine({ jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), alg: "ES256" }] } });
    const config = await oidc.discovery(new URL(brokerUrl), body.client.id, undefined, oidc.PrivateKeyJwt(pair.privateKey), { execute: [oidc.allowInsecureRequests] });
    const tokens = await oidc.clientCredentialsGrant(config);
    expect(tokens.scope).toBe("deploy read");
  });
});
