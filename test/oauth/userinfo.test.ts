/** The UserInfo endpoint (OIDC Core §5.3) as an RFC 6750 protected resource. */
import { generateKeyPair, SignJWT, decodeProtectedHeader } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject } from "../helpers/admin";
import { formPost, mintWithFedgateKey, newClient, signIn, type ClientAuth } from "../helpers/oauth";
import { call, ISSUER } from "../helpers/worker";

let project: { id: string; token: string };
let web: ClientAuth;
let userId: string;

beforeAll(async () => {
  project = await newProject("userinfo");
  web = await newClient(project, { name: "web", kind: "confidential" });
  userId = (await api(project.token, "POST", `/projects/${project.id}/users`, { email: "grace@example.com", emailVerified: true, name: "Grace" })).body.id;
});

const accessToken = async (scope: string[], user = userId) => (await signIn(web, { projectId: project.id, userId: user, scope })).access_token as string;

async function userinfo(token: string | undefined, init: { method?: string; query?: string; body?: string } = {}) {
  const response = await call(`/oauth2/userinfo${init.query ?? ""}`, {
    method: init.method ?? "GET",
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(init.body !== undefined ? { "Content-Type": "application/x-www-form-urlencoded" } : {}) },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

describe("userinfo: claims per scope", () => {
  it("answers sub alone for openid, email with the email scope, name with profile; no-store", async () => {
    const openid = await userinfo(await accessToken(["openid"]));
    expect(openid.status).toBe(200);
    expect(openid.headers.get("Cache-Control")).toBe("no-store");
    expect(openid.body).toEqual({ sub: userId });
    expect((await userinfo(await accessToken(["openid", "email"]))).body).toEqual({ sub: userId, email: "grace@example.com", email_verified: true });
    expect((await userinfo(await accessToken(["openid", "profile"]))).body).toEqual({ sub: userId, name: "Grace" });
  });

  it("accepts the token as a form parameter of a POST (RFC 6750 §2.2)", async () => {
    const token = await accessToken(["openid", "email", "profile"]);
    const response = await userinfo(undefined, { method: "POST", body: `access_token=${token}` });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sub: userId, email: "grace@example.com", email_verified: true, name: "Grace" });
    expect((await userinfo(token, { method: "POST" })).status).toBe(200);
  });

  it("AS-14: allows cross-origin calls from registered origins and exposes the challenge header", async () => {
    const preflight = await call("/oauth2/userinfo", { method: "OPTIONS", headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    const response = await call("/oauth2/userinfo", { headers: { Origin: "https://app.example" } });
    expect(response.headers.get("Access-Control-Expose-Headers")).toContain("WWW-Authenticate");
    const unregistered = await call("/oauth2/userinfo", { headers: { Origin: "https://spa.example" } });
    expect(unregistered.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

describe("userinfo: refusals (RFC 6750 §3)", () => {
  const expectInvalidToken = (response: Awaited<ReturnType<typeof userinfo>>) => {
    expect(response.status).toBe(401);
    expect(response.body.error).toBe("invalid_token");
    expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm="fedgate", error="invalid_token", error_description="[^"]+"$/);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  };

  it("answers a request without a token with a bare Bearer challenge", async () => {
    const response = await userinfo(undefined);
    expect(response.status).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toBe('Bearer realm="fedgate"');
    expect(response.body.error).toBe("invalid_token");
  });

  it("refuses an expired token", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await mintWithFedgateKey("access", { subject: userId, clientId: web.id, projectId: project.id, issuedAt: now - 7200, lifetimeS: 3600 });
    expectInvalidToken(await userinfo(expired.token));
  });

  it("AS-8: refuses a forged token (a foreign key under Fedgate's kid) and one with another issuer", async () => {
    const genuine = await accessToken(["openid"]);
    const { privateKey } = await generateKeyPair("ES256");
    const claims = { client_id: web.id, scope: "openid", project: project.id };
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: decodeProtectedHeader(genuine).kid!, typ: "at+jwt" })
      .setIssuer(ISSUER).setSubject(userId).setAudience(web.id).setIssuedAt().setExpirationTime("1h").setJti("forged").sign(privateKey);
    expectInvalidToken(await userinfo(forged));
    expectInvalidToken(await userinfo(`${genuine.slice(0, -4)}AAAA`));
    expectInvalidToken(await userinfo("not.a.jwt"));
  });

  it("refuses an ID token presented as an access token (typ at+jwt required)", async () => {
    const tokens = await signIn(web, { projectId: project.id, userId, scope: ["openid"] });
    expectInvalidToken(await userinfo(tokens.id_token));
  });

  it("refuses a token whose user was disabled", async () => {
    const user = await api(project.token, "POST", `/projects/${project.id}/users`, { name: "Leaver" });
    const token = await accessToken(["openid"], user.body.id);
    expect((await userinfo(token)).status).toBe(200);
    await api(project.token, "PATCH", `/projects/${project.id}/users/${user.body.id}`, { disabled: true }, { "If-Match": user.headers.get("ETag")! });
    expectInvalidToken(await userinfo(token));
  });

  it("answers 403 insufficient_scope for a token without openid", async () => {
    const response = await userinfo(await accessToken(["email"]));
    expect(response.status).toBe(403);
    expect(response.body.error).toBe("insufficient_scope");
    expect(response.headers.get("WWW-Authenticate")).toContain('error="insufficient_scope"');
    expect(response.headers.get("WWW-Authenticate")).toContain('scope="openid"');
  });

  it("refuses a token in the query, and a token sent twice, as invalid_request", async () => {
    const token = await accessToken(["openid"]);
    for (const response of [
      await userinfo(undefined, { query: `?access_token=${token}` }),
      await userinfo(token, { query: `?access_token=${token}` }),
      await userinfo(token, { method: "POST", body: `access_token=${token}` }),
      await userinfo(undefined, { method: "POST", body: `access_token=${token}&access_token=${token}` }),
      await userinfo(undefined, { method: "POST", body: "access_token=" }),
    ]) {
      expect(response.status).toBe(400);
      expect(response.body.error).toBe("invalid_request");
    }
    const malformed = await call("/oauth2/userinfo", { headers: { Authorization: "Bearer a b" } });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get("WWW-Authenticate")).toContain('error="invalid_request"');
  });

  it("AS-10: refuses a token revoked at /oauth2/revoke", async () => {
    const token = await accessToken(["openid"]);
    expect((await userinfo(token)).status).toBe(200);
    expect((await formPost("/oauth2/revoke", { token }, web)).status).toBe(200);
    expectInvalidToken(await userinfo(token));
  });
});
