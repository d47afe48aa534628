// A migrating app over real HTTP (issue 6 items 1 and 7): it holds an Okta access token (from the
// emulator, as scripts/upstream-token.mjs gets one for the README) and trades it with openid-client's
// genericGrantRequest, unmodified, against the running broker; the result verifies locally with jose.
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { adminApi, migratingProject } from "./admin";
import { upstreamTokens } from "../../scripts/upstream-token.mjs";

const brokerUrl = inject("brokerUrl");
const adminToken = inject("adminToken");
const emulatorOrigin = inject("emulatorOrigin");
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
let app: { id: string; secret: string };

const admin = adminApi(brokerUrl);

beforeAll(async () => {
  const project = await migratingProject(brokerUrl, adminToken, emulatorOrigin, "e2e migrating app");
  const client = await admin(project.token, "POST", `/projects/${project.id}/clients`, {
    name: "orders (migrating)", kind: "confidential", redirectUris: [], grantTypes: [EXCHANGE], scopes: ["openid", "email", "orders:read"],
  });
  app = { id: client.body.client.id, secret: client.body.clientSecret };
});

describe("a migrating app over HTTP", () => {
  it("openid-client genericGrantRequest exchanges an Okta access token; the token verifies locally", async () => {
    const upstream = await upstreamTokens(emulatorOrigin, "okta");
    const config = await oidc.discovery(new URL(brokerUrl), app.id, app.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const tokens = await oidc.genericGrantRequest(config, EXCHANGE, {
      subject_token: upstream.access_token, subject_token_type: "urn:ietf:params:oauth:token-type:access_token", scope: "openid orders:read",
    });
    expect(tokens.issued_token_type).toBe("urn:ietf:params:oauth:token-type:access_token");
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${brokerUrl}/.well-known/jwks.json`)), {
      issuer: brokerUrl, audience: app.id, typ: "at+jwt",
    });
    expect(payload).toMatchObject({ idp: "okta", email: "olivia@okta.example", scope: "openid orders:read" });
  });

  it("an Okta ID token is exchanged once; its replay is invalid_request", async () => {
    const config = await oidc.discovery(new URL(brokerUrl), app.id, app.secret, undefined, { execute: [oidc.allowInsecureRequests] });
    const idToken = (await upstreamTokens(emulatorOrigin, "okta")).id_token!;
    // The ID token's aud is the migrating app's Okta client: accepted once, then refused as a replay.
    const first = await oidc.genericGrantRequest(config, EXCHANGE, { subject_token: idToken, subject_token_type: "urn:ietf:params:oauth:token-type:id_token" });
    expect(first.access_token).toBeTruthy();
    await expect(oidc.genericGrantRequest(config, EXCHANGE, { subject_token: idToken, subject_token_type: "urn:ietf:params:oauth:token-type:id_token" }))
      .rejects.toMatchObject({ error: "invalid_request" });
  });
});
