// MedplumClient (@medplum/core), unmodified, against the running broker (issue 15 item 1):
// startJwtBearerLogin sends an upstream Okta JWT as an RFC 7523 assertion with only grant_type,
// client_id, assertion and scope (a public client, where the project allows them), and gets a Fedgate
// access token for the same person token exchange names; an ID token is used once.
import { createRemoteJWKSet, jwtVerify } from "jose";
import { MedplumClient } from "@medplum/core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { migratingAppClient, upstreamTokens } from "../../scripts/upstream-token.mjs";
import { adminApi } from "./admin";

const brokerUrl = inject("brokerUrl");
const adminToken = inject("adminToken");
const emulatorOrigin = inject("emulatorOrigin");
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const admin = adminApi(brokerUrl);
const jwks = createRemoteJWKSet(new URL(`${brokerUrl}/.well-known/jwks.json`));

let project: { id: string; token: string };
let app: string;

beforeAll(async () => {
  const created = await admin(adminToken, "POST", "/projects", { name: "e2e medplum jwt bearer", tokenExchange: { allowPublicClients: true } });
  project = { id: created.body.project.id, token: created.body.apiKey.token };
  const okta = migratingAppClient("okta");
  const provider = await admin(project.token, "POST", `/projects/${project.id}/providers`, {
    id: "okta", name: "Okta", kind: "okta", issuer: `${emulatorOrigin}/okta/oauth2/default`, clientId: okta.clientId, clientSecret: okta.clientSecret,
    exchange: { audiences: ["api://default"], clientIds: [okta.clientId] },
  });
  expect(provider.status).toBe(201);
  const client = await admin(project.token, "POST", `/projects/${project.id}/clients`, {
    name: "medplum spa (jwt bearer)", kind: "public", redirectUris: [], grantTypes: [JWT_BEARER, EXCHANGE], scopes: ["openid", "email"],
  });
  expect(client.status).toBe(201);
  app = client.body.client.id;
});

/** A MedplumClient whose `fetch` records the bodies it sends and the answers it gets. */
function medplumClient(clientId?: string) {
  const bodies: URLSearchParams[] = [];
  const answers: Promise<unknown>[] = [];
  const medplum = new MedplumClient({
    ...(clientId ? { clientId } : {}), baseUrl: brokerUrl, authorizeUrl: `${brokerUrl}/oauth2/authorize`, tokenUrl: `${brokerUrl}/oauth2/token`, logoutUrl: `${brokerUrl}/oauth2/logout`,
    fetch: (url: string, init: RequestInit) => {
      bodies.push(new URLSearchParams(typeof init.body === "string" ? init.body : ""));
      return fetch(url, init).then((response) => {
        answers.push(response.clone().json());
        return response;
      });
    },
  });
  return { medplum, bodies, answers };
}

describe("MedplumClient startJwtBearerLogin", () => {
  it("an Okta access token and ID token as assertions: the same user as token exchange; an ID token once", async () => {
    const upstream = await upstreamTokens(emulatorOrigin, "okta");
    const { medplum, bodies } = medplumClient();
    expect(await medplum.startJwtBearerLogin(app, upstream.access_token, "openid email")).toBeUndefined();
    expect(Object.fromEntries(bodies[0]!)).toEqual({ grant_type: JWT_BEARER, client_id: app, assertion: upstream.access_token, scope: "openid email" });
    const { payload } = await jwtVerify(medplum.getAccessToken()!, jwks, { issuer: brokerUrl, audience: app, typ: "at+jwt" });
    expect(payload).toMatchObject({ idp: "okta", email: "olivia@okta.example", client_id: app, scope: "openid email" });

    const byId = medplumClient();
    await byId.medplum.startJwtBearerLogin(app, upstream.id_token!, "openid");
    expect((await jwtVerify(byId.medplum.getAccessToken()!, jwks, { issuer: brokerUrl, audience: app })).payload.sub).toBe(payload.sub);
    // MedplumClient says only "Failed to fetch tokens"; the answer says why.
    const replay = medplumClient();
    await expect(replay.medplum.startJwtBearerLogin(app, upstream.id_token!, "openid")).rejects.toThrow();
    expect(await replay.answers[0]).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/already used/) });

    const exchanged = medplumClient(app);
    await exchanged.medplum.exchangeExternalAccessToken((await upstreamTokens(emulatorOrigin, "okta")).access_token);
    expect((await jwtVerify(exchanged.medplum.getAccessToken()!, jwks, { issuer: brokerUrl, audience: app })).payload.sub).toBe(payload.sub);
  });
});
