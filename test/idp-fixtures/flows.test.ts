/** Code flow with PKCE through openid-client against every emulator, and each provider's token shapes. */
import * as client from "openid-client";
import { describe, expect, it } from "vitest";
import {
  PROVIDERS,
  REDIRECT_URI,
  TEST_CLIENTS,
  authorize,
  decodeJwt,
  decodeProtectedHeader,
  discover,
  rawTokens,
  signIn,
  tokenRequest,
  useEmulators,
  verifyWithJwks,
  type Emulators,
} from "./helpers";

let emu: Emulators;
useEmulators((started) => (emu = started));

describe.each(PROVIDERS)("%s: authorization code flow with PKCE (openid-client)", (provider) => {
  it("completes with state and nonce, a signed ID token, userinfo and a refresh", async () => {
    const { config, tokens, nonce } = await signIn(emu, provider);
    const claims = tokens.claims();
    expect(claims?.iss).toBe(emu.issuers[provider]);
    expect(claims?.aud).toBe(TEST_CLIENTS[provider].id);
    expect(claims?.nonce).toBe(nonce);
    const verified = await verifyWithJwks(config, tokens.id_token ?? "", { audience: TEST_CLIENTS[provider].id });
    expect(verified.sub).toBe(claims?.sub);

    const info = await client.fetchUserInfo(config, tokens.access_token, claims?.sub ?? "");
    expect(info.sub).toBe(claims?.sub);

    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? "");
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.claims()?.sub).toBe(claims?.sub);
  });

  it("refuses a wrong code_verifier and a replayed code", async () => {
    const { config, callback, verifier } = await authorize(emu, provider);
    const code = callback.searchParams.get("code") ?? "";
    const bad = await tokenRequest(config, provider, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: `${verifier}x` });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(((await bad.json()) as { error: string }).error).toBe("invalid_grant");
    const good = await tokenRequest(config, provider, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(good.status).toBe(200);
    const replay = await tokenRequest(config, provider, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    expect(((await replay.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("authenticates the client with client_secret_basic too", async () => {
    const config = await discover(emu, provider, { basic: true });
    const { tokens } = await signIn(emu, provider, { config });
    expect(tokens.access_token).toBeTruthy();
  });
});

describe("provider-true tokens", () => {
  it("Auth0: auth0| subject, opaque access token without audience, valid at /userinfo", async () => {
    const { config, tokens } = await signIn(emu, "auth0");
    const claims = tokens.claims();
    expect(claims?.sub).toMatch(/^auth0\|/);
    expect(claims).toMatchObject({ email: "alice@auth0.example", email_verified: true, nickname: "alice", "https://fedgate.dev/roles": ["admin"] });
    expect(claims?.sid).toBeTypeOf("string");
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: "dir", enc: "A256GCM" });
    expect(() => decodeJwt(tokens.access_token)).toThrow();
    const res = await fetch(config.serverMetadata().userinfo_endpoint ?? "", { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBeTruthy();
  });

  it("Auth0: a JWT access token when audience is asked for, aud = [API, {issuer}userinfo], azp", async () => {
    const { config, tokens } = await signIn(emu, "auth0", { extra: { audience: "https://api.fedgate.test" } });
    const at = await verifyWithJwks(config, tokens.access_token);
    expect(at.aud).toEqual(["https://api.fedgate.test", `${emu.issuers.auth0}userinfo`]);
    expect(at).toMatchObject({ azp: TEST_CLIENTS.auth0.id, scope: "openid profile email offline_access" });
  });

  it("Okta custom AS: JWT access token with cid, uid, scp, ver; groups with the groups scope", async () => {
    const { config, tokens } = await signIn(emu, "okta");
    const at = await verifyWithJwks(config, tokens.access_token, { audience: "api://default" });
    expect(at).toMatchObject({ cid: TEST_CLIENTS.okta.id, uid: "00u1fedgate0olivia01", sub: "olivia@okta.example", ver: 1 });
    expect(at.scp).toEqual(["openid", "profile", "email", "groups", "offline_access"]);
    expect(tokens.claims()).toMatchObject({ sub: "00u1fedgate0olivia01", preferred_username: "olivia@okta.example", groups: ["Everyone", "Engineering"], amr: ["pwd"] });
    expect(tokens.claims()?.at_hash).toBeTypeOf("string");
  });

  it("Okta org AS: access token signed with a key outside its JWKS; introspection says active", async () => {
    const { config, tokens } = await signIn(emu, "okta-org");
    await expect(verifyWithJwks(config, tokens.access_token)).rejects.toThrow();
    const intro = await client.tokenIntrospection(config, tokens.access_token);
    expect(intro).toMatchObject({ active: true, client_id: TEST_CLIENTS["okta-org"].id, uid: "00u1fedgate0olivia01", username: "olivia@okta.example" });
    const other = await discover(emu, "okta-org", { clientId: "0oafedgatedemo000001", secret: "okta-demo-secret" });
    expect(await client.tokenIntrospection(other, tokens.access_token)).toEqual({ active: false });
  });

  it("Okta: an unknown authorization server answers 404 E0000007", async () => {
    const res = await fetch(`${emu.origin}/okta/oauth2/nope/.well-known/openid-configuration`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ errorCode: "E0000007" });
  });

  it("Google: ya29. access token, hd for Workspace users, iss in the redirect, tokeninfo strings", async () => {
    const { config, tokens, callback } = await signIn(emu, "google");
    expect(callback.searchParams.get("iss")).toBe(emu.issuers.google);
    expect(tokens.access_token).toMatch(/^ya29\./);
    expect(tokens.claims()).toMatchObject({ hd: "workspace.example", email_verified: true, azp: TEST_CLIENTS.google.id });
    expect(tokens.scope).toContain("https://www.googleapis.com/auth/userinfo.email");
    const tokeninfo = config.serverMetadata().issuer + "/tokeninfo";
    const info = (await (await fetch(`${tokeninfo}?access_token=${tokens.access_token}`)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ aud: TEST_CLIENTS.google.id, email: "gina@workspace.example", email_verified: "true", access_type: "offline" });
    expect(info.exp).toBeTypeOf("string");
    expect(info.expires_in).toBeTypeOf("string");
    const idInfo = (await (await fetch(`${tokeninfo}?id_token=${tokens.id_token}`)).json()) as Record<string, unknown>;
    expect(idInfo).toMatchObject({ hd: "workspace.example", email_verified: "true", alg: "RS256" });
    const bad = await fetch(`${tokeninfo}?access_token=ya29.nope`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "invalid_token", error_description: "Invalid Value" });
  });

  it("Google: personal accounts carry no hd", async () => {
    const { tokens } = await signIn(emu, "google", { email: "sam@okta.example", password: "sam-password" });
    expect(tokens.claims()?.email).toBe("sam@okta.example");
    expect(tokens.claims()?.hd).toBeUndefined();
  });

  it("Cognito: token_use, cognito:* claims, access token with client_id and no aud, another kid", async () => {
    const { config, tokens } = await signIn(emu, "cognito");
    const id = tokens.claims();
    expect(id).toMatchObject({ token_use: "id", "cognito:username": "carl", "cognito:groups": ["admins", "users"], email_verified: true });
    const at = await verifyWithJwks(config, tokens.access_token);
    expect(at).toMatchObject({ token_use: "access", client_id: TEST_CLIENTS.cognito.id, username: "carl", scope: "openid email profile" });
    expect(at.aud).toBeUndefined();
    expect(decodeProtectedHeader(tokens.access_token).kid).not.toBe(decodeProtectedHeader(tokens.id_token ?? "").kid);
    const info = await client.fetchUserInfo(config, tokens.access_token, id?.sub ?? "");
    expect(info.email_verified).toBe("true");
  });

  it("unverified users come out with email_verified false", async () => {
    const { tokens } = await signIn(emu, "okta", { email: "uma@okta.example", password: "uma-password" });
    expect(tokens.claims()?.email_verified).toBe(false);
  });
});

describe("client authentication and errors in each provider's format", () => {
  it("a wrong client secret", async () => {
    const expected = {
      auth0: [401, { error: "access_denied", error_description: "Unauthorized" }],
      okta: [401, { error: "invalid_client", error_description: "The client secret supplied for a confidential client is invalid." }],
      google: [401, { error: "invalid_client", error_description: "Unauthorized" }],
      cognito: [400, { error: "invalid_client" }],
    } as const;
    for (const [provider, [status, body]] of Object.entries(expected) as [keyof typeof expected, (typeof expected)[keyof typeof expected]][]) {
      const config = await discover(emu, provider);
      const res = await tokenRequest(config, provider, { grant_type: "authorization_code", code: "x", redirect_uri: REDIRECT_URI, client_secret: "wrong" });
      expect(res.status, provider).toBe(status);
      expect(await res.json(), provider).toEqual(body);
    }
  });

  it("Auth0 also takes a JSON token request", async () => {
    const { callback, verifier } = await authorize(emu, "auth0");
    const res = await fetch(`${emu.issuers.auth0}oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "authorization_code",
        client_id: TEST_CLIENTS.auth0.id,
        client_secret: TEST_CLIENTS.auth0.secret,
        code: callback.searchParams.get("code"),
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toMatchObject({ token_type: "Bearer", expires_in: 86400 });
  });

  it("Okta: no client credentials found", async () => {
    const config = await discover(emu, "okta");
    const res = await fetch(config.serverMetadata().token_endpoint ?? "", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=authorization_code&code=x" });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "invalid_client", error_description: "No client credentials found." });
  });

  it("Auth0 answers invalid_grant with 403, Google with its own description", async () => {
    const a = await discover(emu, "auth0");
    const r1 = await tokenRequest(a, "auth0", { grant_type: "authorization_code", code: "nope", redirect_uri: REDIRECT_URI });
    expect(r1.status).toBe(403);
    const { body } = await rawTokens(emu, "google", { pkce: "S256" });
    expect(body.access_token).toBeTruthy();
    const { config, callback } = await authorize(emu, "google");
    const code = callback.searchParams.get("code") ?? "";
    const r2 = await tokenRequest(config, "google", { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: "a".repeat(43) });
    expect(await r2.json()).toEqual({ error: "invalid_grant", error_description: "Invalid code verifier." });
  });

  it("userinfo 401s: Auth0 text, Okta empty body with Bearer challenge, Google JSON, Cognito without Bearer", async () => {
    const get = async (p: "auth0" | "okta" | "google" | "cognito") => {
      const config = await discover(emu, p);
      return fetch(config.serverMetadata().userinfo_endpoint ?? "", { headers: { authorization: "Bearer nope" } });
    };
    const a = await get("auth0");
    expect([a.status, await a.text()]).toEqual([401, "Unauthorized"]);
    const o = await get("okta");
    expect([o.status, await o.text()]).toEqual([401, ""]);
    expect(o.headers.get("www-authenticate")).toMatch(/^Bearer .*error="invalid_token"/);
    const g = await get("google");
    expect(await g.json()).toEqual({ error: "invalid_request", error_description: "Invalid Credentials" });
    const c = await get("cognito");
    expect(c.status).toBe(401);
    expect(c.headers.get("www-authenticate")).toMatch(/^error="invalid_token"/);
  });

  it("public clients need PKCE and no secret", async () => {
    const config = await discover(emu, "okta", { clientId: "0oafedgatepublic0003", secret: null });
    const { tokens } = await signIn(emu, "okta", { config });
    expect(tokens.access_token).toBeTruthy();
    const { callback } = await authorize(emu, "okta", { config, pkce: "none" });
    expect(callback.searchParams.get("error")).toBe("invalid_request");
  });
});

describe("authorization endpoint", () => {
  it("PKCE plain: accepted by Auth0 and Google, refused by Okta and Cognito", async () => {
    for (const provider of ["auth0", "google"] as const) {
      const { tokens } = await signIn(emu, provider, { pkce: "plain" });
      expect(tokens.access_token, provider).toBeTruthy();
    }
    for (const provider of ["okta", "cognito"] as const) {
      const { callback } = await authorize(emu, provider, { pkce: "plain" });
      expect(callback.searchParams.get("error"), provider).toBe("invalid_request");
    }
  });

  it("the HTML sign-in form: shown, wrong password re-shown with an alert, right password redirects", async () => {
    const config = await discover(emu, "cognito");
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: "openid email", state: "s1", code_challenge: await client.calculatePKCECodeChallenge("v".repeat(43)), code_challenge_method: "S256" });
    const page = await fetch(url);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<label for="email">Email</label>');
    expect(html).toContain('<label for="password">Password</label>');
    const tx = /name="tx" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const action = /action="([^"]+)"/.exec(html)?.[1] ?? "";
    const post = (password: string) =>
      fetch(new URL(action, emu.origin), { method: "POST", redirect: "manual", body: new URLSearchParams({ tx, email: "carl@cognito.example", password }) });
    const wrong = await post("nope");
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('role="alert"');
    const right = await post("carl-password");
    expect(right.status).toBe(302);
    const back = new URL(right.headers.get("location") ?? "");
    expect(back.searchParams.get("state")).toBe("s1");
    expect(back.searchParams.get("code")).toBeTruthy();
  });

  it("an unregistered redirect_uri gets an error page, never a redirect", async () => {
    const config = await discover(emu, "auth0", { clientId: "FedgateDemoAuth0Client0000000001", secret: "auth0-demo-secret" });
    const res = await fetch(client.buildAuthorizationUrl(config, { redirect_uri: "http://127.0.0.1:9/evil", scope: "openid" }), { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("prompt=none without a session: login_required", async () => {
    const config = await discover(emu, "google");
    const res = await fetch(client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: "openid", prompt: "none", state: "s" }), { redirect: "manual" });
    expect(new URL(res.headers.get("location") ?? "").searchParams.get("error")).toBe("login_required");
  });
});

describe("revocation and logout", () => {
  it("revoking a refresh token ends the grant; unknown tokens: 200 (Okta, Auth0, Cognito), 400 (Google)", async () => {
    const revokePaths = { auth0: "/auth0/oauth/revoke", okta: "/okta/oauth2/default/v1/revoke", cognito: "/cognito-domain/oauth2/revoke", google: "/google/revoke" };
    for (const provider of ["auth0", "okta", "cognito", "google"] as const) {
      const revoke = (token: string) =>
        fetch(emu.origin + revokePaths[provider], {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ token, client_id: TEST_CLIENTS[provider].id, client_secret: TEST_CLIENTS[provider].secret }),
        });
      const { config, tokens } = await signIn(emu, provider);
      expect((await revoke(tokens.refresh_token ?? "")).status, provider).toBe(200);
      await expect(client.refreshTokenGrant(config, tokens.refresh_token ?? ""), provider).rejects.toThrow();
      expect((await revoke("unknown")).status, provider).toBe(provider === "google" ? 400 : 200);
    }
  });

  it("Cognito revokes refresh tokens only", async () => {
    const { tokens } = await signIn(emu, "cognito");
    const res = await fetch(`${emu.origin}/cognito-domain/oauth2/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.access_token, client_id: TEST_CLIENTS.cognito.id, client_secret: TEST_CLIENTS.cognito.secret }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "unsupported_token_type" });
  });

  it("RP-initiated logout redirects only to registered URIs (Okta, Auth0) and Cognito's logout_uri", async () => {
    const { config, tokens } = await signIn(emu, "okta");
    const end = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token ?? "", post_logout_redirect_uri: "http://127.0.0.1:9/bye", state: "st" });
    const res = await fetch(end, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://127.0.0.1:9/bye?state=st");
    const auth0 = await fetch(`${emu.origin}/auth0/oidc/logout?client_id=FedgateDemoAuth0Client0000000001&post_logout_redirect_uri=https://evil.example/`, { redirect: "manual" });
    expect(auth0.status).toBe(400);
    const cognito = await fetch(`${emu.origin}/cognito-domain/logout?client_id=fedgatedemocognito00000001&logout_uri=${encodeURIComponent("http://127.0.0.1:8787/")}`, { redirect: "manual" });
    expect(cognito.headers.get("location")).toBe("http://127.0.0.1:8787/");
  });
});
