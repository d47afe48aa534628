/** Token introspection (RFC 7662, SECURITY.md AS-10). */
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { formPost, mintWithFedgateKey, newClient, signIn, tokenRequest, type ClientAuth } from "../helpers/oauth";
import { ISSUER } from "../helpers/worker";

let project: { id: string; token: string };
let resourceServer: ClientAuth;
let machine: ClientAuth;
let web: ClientAuth;
let userId: string;

beforeAll(async () => {
  project = await newProject("introspection");
  resourceServer = await newClient(project, { name: "api", kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"], scopes: ["introspect"] });
  machine = await newClient(project, { name: "device", kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"], scopes: ["read"] });
  web = await newClient(project, { name: "web", kind: "confidential" });
  userId = (await api(project.token, "POST", `/projects/${project.id}/users`, { email: "ada@example.com", emailVerified: true })).body.id;
});

const introspect = (token: string, auth?: ClientAuth, extra: Record<string, string> = {}) => formPost("/oauth2/introspect", { token, ...extra }, auth);
const machineToken = async () => (await tokenRequest({ grant_type: "client_credentials" }, machine)).body.access_token as string;

describe("introspection", () => {
  it("AS-10: a live client token is active, with its claims, the project and no-store", async () => {
    const token = await machineToken();
    const response = await introspect(token, resourceServer, { token_type_hint: "access_token" });
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.body).toMatchObject({ active: true, scope: "read", client_id: machine.id, sub: machine.id, iss: ISSUER, aud: machine.id, token_type: "Bearer", project: project.id, gty: "client_credentials" });
    for (const claim of ["exp", "iat", "jti"]) expect(response.body[claim]).toBeDefined();
  });

  it("AS-10: a user's access token is active; its refresh token is not (refresh tokens are never introspectable)", async () => {
    const tokens = await signIn(web, { projectId: project.id, userId });
    expect((await introspect(tokens.access_token, resourceServer)).body).toMatchObject({ active: true, sub: userId, client_id: web.id });
    expect((await introspect(tokens.refresh_token, web)).body).toEqual({ active: false });
  });

  it("AS-10: a revoked token is inactive", async () => {
    const token = await machineToken();
    expect((await formPost("/oauth2/revoke", { token }, machine)).status).toBe(200);
    expect((await introspect(token, resourceServer)).body).toEqual({ active: false });
  });

  it("AS-10: an expired token, garbage, and another project's token are inactive", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await mintWithFedgateKey("access", { subject: machine.id, clientId: machine.id, projectId: project.id, issuedAt: now - 7200, lifetimeS: 60 });
    expect((await introspect(expired.token, resourceServer)).body).toEqual({ active: false });
    expect((await introspect("not-a-token", resourceServer)).body).toEqual({ active: false });
    const other = await newProject("someone else");
    const otherMachine = await newClient(other, { name: "d", kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"], scopes: ["read"] });
    const foreign = (await tokenRequest({ grant_type: "client_credentials" }, otherMachine)).body.access_token as string;
    expect((await introspect(foreign, resourceServer)).body).toEqual({ active: false });
  });

  it("AS-10: no client authentication, a public client or a wrong secret get 401", async () => {
    const token = await machineToken();
    const anonymous = await formPost("/oauth2/introspect", { token });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe("invalid_client");
    const spa = await newClient(project, { name: "spa", kind: "public" });
    expect((await introspect(token, spa)).status).toBe(401);
    expect((await introspect(token, { id: resourceServer.id, secret: "wrong" })).status).toBe(401);
  });
});
