/** Sign-out from an API client: POST /oauth2/logout with a Bearer access token (what SDKs' signOut() sends). */
import { decodeJwt } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { formPost, mintWithFedgateKey, newClient, refresh, signIn, tokenRequest, type ClientAuth } from "../helpers/oauth";
import { call } from "../helpers/worker";

let project: { id: string; token: string };
let web: ClientAuth;
let machine: ClientAuth;
let userId: string;

beforeAll(async () => {
  project = await newProject("Sign-out Co");
  web = await newClient(project, { name: "spa", kind: "public" });
  machine = await newClient(project, { name: "machine", kind: "confidential", grantTypes: ["client_credentials"], scopes: ["read"] });
  userId = (await api(project.token, "POST", `/projects/${project.id}/users`, { email: "sid@example.com", emailVerified: true })).body.id;
});

const tokens = (scope?: string[]) => signIn(web, { projectId: project.id, userId, ...(scope ? { scope } : {}) });
/** What MedplumClient.signOut() sends: `{}` as FHIR JSON, with the Bearer token. */
const signOut = (accessToken: string, init: { body?: string; contentType?: string; origin?: string } = {}) =>
  call("/oauth2/logout", {
    method: "POST",
    headers: {
      Authorization: `Bearer ${accessToken}`,
      ...(init.body === undefined ? {} : { "Content-Type": init.contentType ?? "application/fhir+json" }),
      ...(init.origin ? { Origin: init.origin } : {}),
    },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
const userinfo = (accessToken: string) => call("/oauth2/userinfo", { headers: { Authorization: `Bearer ${accessToken}` } });

async function expectInvalidToken(response: Response) {
  expect(response.status).toBe(401);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="fedgate", error="invalid_token"/);
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  expect(((await response.json()) as { error: string }).error).toBe("invalid_token");
}

describe("API sign-out", () => {
  it("gives access tokens from a refreshable grant the grant as sid, like the ID token", async () => {
    const signedIn = await tokens();
    expect(decodeJwt(signedIn.access_token).sid).toBe(decodeJwt(signedIn.id_token).sid);
    expect(decodeJwt(signedIn.access_token).sid).toBe(signedIn.refresh_token.split(".")[2]);
    expect(decodeJwt((await tokens(["openid"])).access_token).sid).toBeUndefined();
  });

  it("AS-10: revokes the token's refresh family and the token itself, answers 204, and is audited", async () => {
    const signedIn = await tokens();
    const response = await signOut(signedIn.access_token, { body: "{}" });
    expect(response.status).toBe(204);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(await response.text()).toBe("");
    expect((await refresh(signedIn.refresh_token, web)).body.error).toBe("invalid_grant");
    await expectInvalidToken(await userinfo(signedIn.access_token));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const log = await api(project.token, "GET", `/projects/${project.id}/audit?limit=20`);
    expect(log.body.items).toContainEqual(expect.objectContaining({
      action: "session.logout", actor: { kind: "user", userId }, outcome: "success",
      target: { type: "refresh-family", id: decodeJwt(signedIn.access_token).sid },
      after: expect.objectContaining({ via: "bearer", ended: "refresh-family" }),
    }));
  });

  it("revokes the access tokens of earlier and later generations of the family alike", async () => {
    const signedIn = await tokens();
    const rotated = (await refresh(signedIn.refresh_token, web)).body;
    // Signing out with the first generation's token still ends the family and its newest token.
    expect((await signOut(signedIn.access_token)).status).toBe(204);
    await expectInvalidToken(await userinfo(rotated.access_token));
    expect((await refresh(rotated.refresh_token, web)).body.error).toBe("invalid_grant");
  });

  it("takes an empty body or a JSON one; a form body with a Bearer token is still the API sign-out", async () => {
    expect((await signOut((await tokens()).access_token)).status).toBe(204);
    expect((await signOut((await tokens()).access_token, { body: '{"anything":1}', contentType: "application/json" })).status).toBe(204);
    expect((await signOut((await tokens()).access_token, { body: "id_token_hint=x", contentType: "application/x-www-form-urlencoded" })).status).toBe(204);
  });

  it("revokes a token without a refresh family, and a client_credentials token", async () => {
    const plain = await tokens(["openid", "email"]);
    expect((await signOut(plain.access_token)).status).toBe(204);
    await expectInvalidToken(await userinfo(plain.access_token));
    const client = (await tokenRequest({ grant_type: "client_credentials" }, machine)).body;
    expect((await signOut(client.access_token)).status).toBe(204);
    const introspected = await formPost("/oauth2/introspect", { token: client.access_token }, machine);
    expect(introspected.body).toEqual({ active: false });
  });

  it("answers an invalid, expired or already revoked token with 401 invalid_token and a Bearer challenge, as JSON", async () => {
    await expectInvalidToken(await signOut("not-a-token"));
    const now = Math.floor(Date.now() / 1000);
    const expired = await mintWithFedgateKey("access", { subject: userId, clientId: web.id, projectId: project.id, issuedAt: now - 7200, lifetimeS: 3600 });
    await expectInvalidToken(await signOut(expired.token));
    const signedIn = await tokens();
    expect((await signOut(signedIn.access_token)).status).toBe(204);
    await expectInvalidToken(await signOut(signedIn.access_token));
    // An ID token is not an access token.
    await expectInvalidToken(await signOut(signedIn.id_token));
    const malformed = await call("/oauth2/logout", { method: "POST", headers: { Authorization: "Bearer a b" } });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toBe("invalid_request");
  });

  it("AS-14: answers browser code of the token's client with credentialed CORS, and leaves RP-initiated logout as it was", async () => {
    const signedIn = await tokens();
    const response = await signOut(signedIn.access_token, { body: "{}", origin: "https://app.example" });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(response.headers.get("Access-Control-Allow-Credentials")).toBe("true");
    const failed = await signOut("garbage", { origin: "https://app.example" });
    expect(failed.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(failed.headers.get("Access-Control-Expose-Headers")).toContain("WWW-Authenticate");
    const page = await call("/oauth2/logout", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: `id_token_hint=${(await tokens()).id_token}` });
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toMatch(/^text\/html/);
  });
});
