/** Token revocation (RFC 7009, SECURITY.md AS-10). */
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { formPost, newClient, refresh, signIn, type ClientAuth } from "../helpers/oauth";
import { call } from "../helpers/worker";

let project: { id: string; token: string };
let web: ClientAuth;
let other: ClientAuth;
let spa: ClientAuth;
let userId: string;

beforeAll(async () => {
  project = await newProject("revocation");
  web = await newClient(project, { name: "web", kind: "confidential" });
  other = await newClient(project, { name: "other", kind: "confidential" });
  spa = await newClient(project, { name: "spa", kind: "public" });
  userId = (await api(project.token, "POST", `/projects/${project.id}/users`, { email: "linus@example.com", emailVerified: true })).body.id;
});

const tokensFor = (client: ClientAuth) => signIn(client, { projectId: project.id, userId });
const revoke = (params: Record<string, string>, auth?: ClientAuth) => formPost("/oauth2/revoke", params, auth);
const userinfo = async (token: string) => (await call("/oauth2/userinfo", { headers: { Authorization: `Bearer ${token}` } })).status;

async function auditActions(): Promise<{ action: string; outcome: string; target: { type: string } }[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return (await api(project.token, "GET", `/projects/${project.id}/audit?limit=50`)).body.items;
}

describe("revocation", () => {
  it("AS-10: revoking a refresh token kills its whole family, answers 200 with no-store, and is audited", async () => {
    const first = (await tokensFor(web)).refresh_token;
    const rotated = await refresh(first, web);
    expect(rotated.status).toBe(200);
    const response = await revoke({ token: rotated.body.refresh_token, token_type_hint: "refresh_token" }, web);
    expect(response.status).toBe(200);
    expect(response.body).toBeUndefined();
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect((await refresh(rotated.body.refresh_token, web)).body.error).toBe("invalid_grant");
    const events = await auditActions();
    expect(events).toContainEqual(expect.objectContaining({ action: "token.revoke", outcome: "success", target: expect.objectContaining({ type: "refresh-family" }) }));
  });

  it("AS-10: revoking an access token makes userinfo refuse it (with or without a hint)", async () => {
    const { access_token: token } = await tokensFor(web);
    expect(await userinfo(token)).toBe(200);
    expect((await revoke({ token, token_type_hint: "refresh_token" }, web)).status).toBe(200);
    expect(await userinfo(token)).toBe(401);
  });

  it("AS-10: a public client revokes its own tokens with client_id alone", async () => {
    const tokens = await tokensFor(spa);
    expect((await revoke({ token: tokens.refresh_token }, spa)).status).toBe(200);
    expect((await refresh(tokens.refresh_token, spa)).body.error).toBe("invalid_grant");
    expect((await revoke({ token: tokens.access_token }, spa)).status).toBe(200);
    expect(await userinfo(tokens.access_token)).toBe(401);
  });

  it("AS-10: another client's tokens answer 200 and stay valid", async () => {
    const tokens = await tokensFor(web);
    expect((await revoke({ token: tokens.refresh_token }, other)).status).toBe(200);
    expect((await revoke({ token: tokens.access_token }, other)).status).toBe(200);
    expect((await revoke({ token: tokens.access_token }, spa)).status).toBe(200);
    expect(await userinfo(tokens.access_token)).toBe(200);
    expect((await refresh(tokens.refresh_token, web)).status).toBe(200);
  });

  it("answers 200 for unknown, malformed and ID tokens, revealing nothing", async () => {
    const { id_token: idToken } = await tokensFor(web);
    for (const token of ["nope", "aaaaaaaaaaaaaaaaaaaaaaaaaa.0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "e30.e30.AAAA", idToken]) {
      const response = await revoke({ token }, web);
      expect(response.status, token).toBe(200);
      expect(response.body).toBeUndefined();
    }
  });

  it("AS-10: requires client authentication", async () => {
    const { refresh_token: token } = await tokensFor(web);
    const anonymous = await revoke({ token });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe("invalid_client");
    const wrongSecret = await revoke({ token }, { id: web.id, secret: "wrong" });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.headers.get("WWW-Authenticate")).toMatch(/^Basic/);
    // A confidential client cannot pass as public by leaving its secret out.
    expect((await revoke({ token }, { id: web.id })).status).toBe(401);
    expect((await refresh(token, web)).status).toBe(200);
  });

  it("refuses a request without a token, or with repeated parameters, as invalid_request", async () => {
    expect((await revoke({}, web)).body.error).toBe("invalid_request");
    const repeated = await call("/oauth2/revoke", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: `client_id=${spa.id}&token=a&token=b` });
    expect(repeated.status).toBe(400);
    expect(((await repeated.json()) as { error: string }).error).toBe("invalid_request");
  });
});
