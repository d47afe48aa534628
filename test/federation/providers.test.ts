/**
 * Provider kinds: claim normalisation on claim sets shaped as the emulators (and IDP-NOTES.md)
 * emit them, email authority, and each kind's access-token rules (RP-6).
 */
import { describe, expect, it } from "vitest";
import { providerKind, type Claims } from "../../src/federation/providers";
import { isAuthoritativeFor } from "../../src/identity/email-domain";
import type { UpstreamIdentity } from "../../src/identity/upstream-identity";
import { emailOf, emailVerifiedOf, groupsOf } from "../../src/federation/providers/provider";
import { isCustomAuthorizationServer } from "../../src/federation/providers/okta";
import type { DomainMapping } from "../../src/registry/domains";
import type { Provider } from "../../src/registry/providers";

const ORIGIN = "http://127.0.0.1:8788";
const NOW = 1_795_000_000;

const provider = (kind: Provider["kind"], issuer: string, extra: Partial<Provider> = {}): Provider => ({
  id: kind, projectId: "prj_aaaaaaaaaaaaaaaa", name: kind, kind, issuer, clientId: `client-of-${kind}`, clientSecretSealed: null, scopes: ["openid"],
  linkBy: "email", createUsers: true, exchange: { audiences: [], clientIds: [], acceptOpaqueTokens: false }, createdAt: "", updatedAt: "", ...extra,
});

const identityOf = (kind: Provider["kind"], p: Provider, id: Claims, userinfo?: Claims): UpstreamIdentity => {
  const result = providerKind(kind).normalise(id, userinfo, p);
  if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
  return result.value;
};

// ---- claim sets as the emulators issue them (idp-fixtures/src/providers/*.ts, users.json)
const auth0Issuer = `${ORIGIN}/auth0/`;
const auth0Id = {
  nickname: "alice", name: "Alice Auth0", picture: "https://s.gravatar.com/avatar/x.png", updated_at: "2026-01-01T00:00:00.000Z",
  email: "alice@auth0.example", email_verified: true, "https://fedgate.dev/roles": ["admin"],
  iss: auth0Issuer, aud: "auth0-client", sub: "auth0|65f0c2a1b2c3d4e5f6a7b801", iat: NOW, exp: NOW + 36000, sid: "s1", nonce: "n",
};
const oktaIssuer = `${ORIGIN}/okta/oauth2/default`;
const oktaId = {
  sub: "00u1fedgate0olivia01", name: "Olivia Okta", preferred_username: "olivia@okta.example", email: "olivia@okta.example",
  email_verified: true, groups: ["Everyone", "Engineering"], ver: 1, iss: oktaIssuer, aud: "okta-client", iat: NOW, exp: NOW + 3600,
  jti: "ID.x", amr: ["pwd"], idp: "00ofedgate0org000001", nonce: "n", auth_time: NOW,
};
const googleIssuer = `${ORIGIN}/google`;
const googleId = (user: { sub: string; email: string; verified: boolean; hd?: string }) => ({
  iss: googleIssuer, azp: "google-client", aud: "google-client", sub: user.sub, ...(user.hd ? { hd: user.hd } : {}),
  email: user.email, email_verified: user.verified, name: "G User", picture: "https://lh3.googleusercontent.com/a/x=s96-c",
  given_name: "G", family_name: "User", nonce: "n", iat: NOW, exp: NOW + 3600,
});
const cognitoIssuer = `${ORIGIN}/cognito/us-east-1_fedgate`;
const cognitoId = {
  sub: "3f1c2b8e-0d4a-4c9e-9b7a-5e6f7a8b9c01", "cognito:groups": ["admins", "users"], email_verified: true, iss: cognitoIssuer,
  "cognito:username": "carl", origin_jti: "o", aud: "cognito-client", event_id: "e", token_use: "id", auth_time: NOW,
  name: "Carl Cognito", nonce: "n", exp: NOW + 3600, iat: NOW, jti: "j", email: "carl@cognito.example",
};
const cognitoAccess = {
  sub: cognitoId.sub, "cognito:groups": ["admins", "users"], iss: cognitoIssuer, version: 2, client_id: "cognito-client", origin_jti: "o",
  event_id: "e", token_use: "access", scope: "openid email profile", auth_time: NOW, exp: NOW + 3600, iat: NOW, jti: "j", username: "carl",
};

describe("provider kinds: shared claim normalisation", () => {
  it("RP-7: email_verified is true only for boolean true or the string \"true\" in any case", () => {
    for (const yes of [true, "true", "TRUE", "True"]) expect(emailVerifiedOf(yes), String(yes)).toBe(true);
    for (const no of [false, "false", "False", "yes", "1", 1, " true", "", null, undefined, {}, ["true"]]) expect(emailVerifiedOf(no), JSON.stringify(no)).toBe(false);
  });

  it("lower-cases and trims emails; anything that is not an address is null", () => {
    expect(emailOf("  Alice@Auth0.EXAMPLE ")).toBe("alice@auth0.example");
    for (const bad of [undefined, null, 42, "", "   ", "no-at-sign", "@example.com", "alice@", "a b@example.com"]) expect(emailOf(bad)).toBeNull();
  });

  it("takes groups only from arrays made entirely of strings", () => {
    expect(groupsOf(["a", "b", "a"])).toEqual(["a", "b"]);
    for (const bad of ["admins", ["a", 1], [{ name: "a" }], null, { 0: "a" }]) expect(groupsOf(bad)).toEqual([]);
  });

  it("refuses claims without a subject, and userinfo about someone else (RP-5)", () => {
    const p = provider("oidc", `${ORIGIN}/oidc`);
    const { sub: _sub, ...noSub } = oktaId;
    expect(providerKind("oidc").normalise(noSub, undefined, p)).toMatchObject({ ok: false, reason: "missing_subject" });
    expect(providerKind("oidc").normalise({ ...oktaId, sub: "" }, undefined, p)).toMatchObject({ ok: false, reason: "missing_subject" });
    expect(providerKind("oidc").normalise({ sub: "a" }, { sub: "b", email: "x@y.example" }, p)).toMatchObject({ ok: false, reason: "userinfo_subject_mismatch" });
  });

  it("RP-7: applies an email_verified flag only to the address it came with", () => {
    const p = provider("oidc", `${ORIGIN}/oidc`);
    const other = { sub: "u1", email: "other@example.com", email_verified: true };
    expect(identityOf("oidc", p, { sub: "u1", email: "Mallory@Example.com" }, other)).toMatchObject({ email: "mallory@example.com", emailVerified: false });
    const signedFalse = { sub: "u1", email: "a@example.com", email_verified: false };
    expect(identityOf("oidc", p, signedFalse, { sub: "u1", email: "a@example.com", email_verified: true }).emailVerified).toBe(false);
    const thin = identityOf("oidc", p, { sub: "u1", name: "Thin" }, { sub: "u1", email: "u1@example.com", email_verified: "true" });
    expect(thin).toMatchObject({ email: "u1@example.com", emailVerified: true, name: "Thin" });
    expect(identityOf("oidc", p, { sub: "u1", email_verified: true })).toMatchObject({ email: null, emailVerified: false });
  });

  it("every kind has an ID-token algorithm allow-list without none or HS*", () => {
    for (const kind of ["auth0", "okta", "google", "cognito", "oidc"] as const) {
      const algorithms = providerKind(kind).idTokenAlgorithms;
      expect(algorithms.length, kind).toBeGreaterThan(0);
      expect(algorithms.some((alg: string) => alg === "none" || alg.startsWith("HS")), kind).toBe(false);
    }
  });
});

describe("provider kinds: Auth0", () => {
  const p = provider("auth0", auth0Issuer, { groupsClaim: "https://fedgate.dev/roles" });

  it("keeps the connection-prefixed sub whole; groups only from the configured namespace claim, as a string array", () => {
    expect(identityOf("auth0", p, auth0Id)).toMatchObject({
      issuer: auth0Issuer, subject: "auth0|65f0c2a1b2c3d4e5f6a7b801", email: "alice@auth0.example", emailVerified: true,
      name: "Alice Auth0", username: "alice", groups: ["admin"], hostedDomain: null,
    });
    const social = identityOf("auth0", p, { ...auth0Id, sub: "google-oauth2|109876543210987654321", email: "fran@gmail.com" });
    expect(social.subject).toBe("google-oauth2|109876543210987654321");
    expect(identityOf("auth0", provider("auth0", auth0Issuer), auth0Id).groups).toEqual([]);
    expect(identityOf("auth0", p, { ...auth0Id, "https://fedgate.dev/roles": "admin" }).groups).toEqual([]);
  });

  it("RP-7: an unverified Auth0 email stays unverified, and a federated connection's missing flag is false", () => {
    expect(identityOf("auth0", p, { ...auth0Id, email: "ulrich@auth0.example", email_verified: false }).emailVerified).toBe(false);
    const { email_verified: _v, ...noFlag } = auth0Id;
    expect(identityOf("auth0", p, noFlag).emailVerified).toBe(false);
    expect(providerKind("auth0").needsUserinfo(noFlag)).toBe(true);
    expect(providerKind("auth0").needsUserinfo(auth0Id)).toBe(false);
  });

  const api = provider("auth0", auth0Issuer, { exchange: { audiences: ["https://api.fedgate.test"], clientIds: [], acceptOpaqueTokens: true } });
  const access = { iss: auth0Issuer, sub: auth0Id.sub, aud: ["https://api.fedgate.test", `${auth0Issuer}userinfo`], iat: NOW, exp: NOW + 86400, jti: "j", scope: "openid email", azp: "auth0-client" };
  const check = (claims: Claims, settings = api) => providerKind("auth0").accessTokenRules(settings).jwt!.check(claims, settings);

  it("RP-6: accepts a JWT access token whose aud contains the configured API; opaque ones go to userinfo", () => {
    expect(check(access)).toEqual({ ok: true, value: { subject: auth0Id.sub } });
    expect(check({ ...access, aud: "https://api.fedgate.test" })).toMatchObject({ ok: true });
    expect(providerKind("auth0").accessTokenRules(api).remote?.via).toBe("userinfo");
  });

  it("RP-6: refuses another API's token, a client-credentials token, an unlisted azp, a token without sub", () => {
    expect(check({ ...access, aud: ["https://other.api", `${auth0Issuer}userinfo`] })).toMatchObject({ ok: false, reason: "audience_not_allowed" });
    expect(check(access, provider("auth0", auth0Issuer))).toMatchObject({ ok: false, reason: "audience_not_allowed" });
    expect(check({ ...access, sub: "m2m@clients", gty: "client-credentials" })).toMatchObject({ ok: false, reason: "not_a_user_token" });
    const narrowed = { ...api, exchange: { ...api.exchange, clientIds: ["spa-client"] } };
    expect(check(access, narrowed)).toMatchObject({ ok: false, reason: "client_not_allowed" });
    expect(check({ ...access, azp: "spa-client" }, narrowed)).toMatchObject({ ok: true });
    expect(check({ ...access, sub: undefined })).toMatchObject({ ok: false, reason: "missing_subject" });
  });
});

describe("provider kinds: Okta", () => {
  const custom = provider("okta", oktaIssuer, { exchange: { audiences: ["api://default"], clientIds: ["okta-client"], acceptOpaqueTokens: false } });
  const org = provider("okta", `${ORIGIN}/okta`, { exchange: custom.exchange });

  it("normalises groups, name and preferred_username", () => {
    expect(identityOf("okta", custom, oktaId)).toMatchObject({
      subject: "00u1fedgate0olivia01", email: "olivia@okta.example", emailVerified: true, name: "Olivia Okta",
      username: "olivia@okta.example", groups: ["Everyone", "Engineering"],
    });
    expect(identityOf("okta", custom, { ...oktaId, email: "uma@okta.example", email_verified: false, groups: undefined })).toMatchObject({ emailVerified: false, groups: [] });
  });

  it("fills a thin ID token (response type with token) from userinfo", () => {
    const thin = { sub: oktaId.sub, email: "olivia@okta.example", name: "Olivia Okta", preferred_username: "olivia@okta.example", iss: oktaIssuer };
    expect(providerKind("okta").needsUserinfo(thin)).toBe(true);
    const userinfo = { sub: oktaId.sub, email: "olivia@okta.example", email_verified: true, groups: ["Everyone"], locale: "en-US" };
    // userinfo's flag applies: it is about the same address.
    expect(identityOf("okta", custom, thin, userinfo)).toMatchObject({ emailVerified: true, groups: ["Everyone"] });
    const { email: _e, ...thinner } = thin;
    expect(identityOf("okta", custom, thinner, userinfo)).toMatchObject({ email: "olivia@okta.example", emailVerified: true });
    // …but never to another address.
    expect(identityOf("okta", custom, { ...thin, email: "Eve@okta.example" }, userinfo)).toMatchObject({ email: "eve@okta.example", emailVerified: false });
  });

  it("tells custom authorization servers from the org authorization server by issuer shape", () => {
    expect(isCustomAuthorizationServer(oktaIssuer)).toBe(true);
    expect(isCustomAuthorizationServer("https://acme.okta.com/oauth2/aus1abc")).toBe(true);
    expect(isCustomAuthorizationServer("https://acme.okta.com")).toBe(false);
    expect(isCustomAuthorizationServer(`${ORIGIN}/okta`)).toBe(false);
    expect(isCustomAuthorizationServer("https://acme.okta.com/oauth2/v1")).toBe(false);
  });

  const access = { ver: 1, jti: "AT.x", iss: oktaIssuer, aud: "api://default", iat: NOW, exp: NOW + 3600, cid: "okta-client", uid: oktaId.sub, scp: ["openid"], auth_time: NOW, sub: "olivia@okta.example" };
  const check = (claims: Claims) => providerKind("okta").accessTokenRules(custom).jwt!.check(claims, custom);

  it("RP-6: a custom-AS access token with allowed aud and cid names the user by uid, not its login sub; the org AS's only by introspection", () => {
    expect(check(access)).toEqual({ ok: true, value: { subject: "00u1fedgate0olivia01" } });
    expect(providerKind("okta").accessTokenRules(custom).remote?.via).toBe("introspection");
    // The org authorization server's access tokens are never verified locally, only introspected.
    const orgRules = providerKind("okta").accessTokenRules(org);
    expect(orgRules.jwt).toBeUndefined();
    expect(orgRules.remote?.via).toBe("introspection");
  });

  it("RP-6: an introspection answer must be active, an access token of an allowed client, naming a user (uid)", () => {
    const check = (answer: Claims) => providerKind("okta").accessTokenRules(org).remote!.check(answer, org);
    const answer = { active: true, token_type: "Bearer", client_id: "okta-client", uid: oktaId.sub, sub: "olivia@okta.example", exp: NOW + 60 };
    expect(check(answer)).toEqual({ ok: true, value: { subject: oktaId.sub, expiresAt: NOW + 60 } });
    expect(check({ active: false })).toMatchObject({ ok: false, reason: "inactive" });
    expect(check({ ...answer, token_type: "refresh_token" })).toMatchObject({ ok: false, reason: "wrong_token_use" });
    expect(check({ ...answer, client_id: "other" })).toMatchObject({ ok: false, reason: "client_not_allowed" });
    expect(check({ ...answer, uid: undefined })).toMatchObject({ ok: false, reason: "not_a_user_token" });
  });

  it("RP-6: refuses a wrong aud, an unlisted or missing cid, and a client-credentials token (no uid)", () => {
    expect(check({ ...access, aud: "api://other" })).toMatchObject({ ok: false, reason: "audience_not_allowed" });
    expect(check({ ...access, cid: "someone-else" })).toMatchObject({ ok: false, reason: "client_not_allowed" });
    expect(check({ ...access, cid: undefined })).toMatchObject({ ok: false, reason: "client_not_allowed" });
    expect(check({ ...access, uid: undefined, sub: "okta-client" })).toMatchObject({ ok: false, reason: "not_a_user_token" });
  });
});

describe("provider kinds: Google", () => {
  const p = provider("google", googleIssuer);
  const kind = providerKind("google");
  const authority = (identity: UpstreamIdentity, mapping: DomainMapping | null = null) =>
    isAuthoritativeFor(kind, identity, identity.email!.split("@")[1]!, mapping, p);
  const mappedTo = (providerId: string): DomainMapping => ({ domain: "workspace.example", projectId: p.projectId, providerId, createdAt: "", updatedAt: "" });

  it("accepts the scheme-less issuer only for the real Google issuer, and reports the configured one", () => {
    const real = provider("google", "https://accounts.google.com");
    expect(kind.acceptedIssuers(real)).toEqual(["https://accounts.google.com", "accounts.google.com"]);
    expect(kind.acceptedIssuers(p)).toEqual([googleIssuer]);
    const gina = identityOf("google", real, { ...googleId({ sub: "109000000000000000001", email: "gina@workspace.example", verified: true }), iss: "accounts.google.com" });
    expect(gina.issuer).toBe("https://accounts.google.com");
  });

  it("RP-7: hd present and equal to the verified email's domain makes Google authoritative, without a mapping", () => {
    const gina = identityOf("google", p, googleId({ sub: "109000000000000000001", email: "gina@workspace.example", verified: true, hd: "Workspace.Example" }));
    expect(gina.hostedDomain).toBe("workspace.example");
    expect(authority(gina)).toBe(true);
    expect(authority(gina, mappedTo("google"))).toBe(true);
  });

  it("RP-7: a personal account (no hd) on a Workspace domain is not authoritative, even where the domain is mapped to Google", () => {
    const sam = identityOf("google", p, googleId({ sub: "109000000000000000003", email: "sam@workspace.example", verified: true }));
    expect(sam.hostedDomain).toBeNull();
    expect(authority(sam)).toBe(false);
    expect(authority(sam, mappedTo("google"))).toBe(false);
  });

  it("RP-7: a mismatched hd, an unverified email, or a domain mapped to another provider is not authoritative", () => {
    const mismatched = identityOf("google", p, googleId({ sub: "1", email: "eve@workspace.example", verified: true, hd: "other.example" }));
    expect(authority(mismatched)).toBe(false);
    const unverified = identityOf("google", p, googleId({ sub: "2", email: "nora@workspace.example", verified: false, hd: "workspace.example" }));
    expect(authority(unverified)).toBe(false);
    const gina = identityOf("google", p, googleId({ sub: "3", email: "gina@workspace.example", verified: true, hd: "workspace.example" }));
    expect(authority(gina, mappedTo("okta"))).toBe(false);
  });

  it("RP-7: Google is authoritative for @gmail.com addresses", () => {
    const pat = identityOf("google", p, googleId({ sub: "109000000000000000002", email: "Pat.Personal@gmail.com", verified: true }));
    expect(pat).toMatchObject({ email: "pat.personal@gmail.com", emailVerified: true, hostedDomain: null });
    expect(authority(pat)).toBe(true);
  });

  it("RP-7: hd counts only from the signed ID token, never from userinfo", () => {
    const { email: _e, email_verified: _v, ...idToken } = googleId({ sub: "4", email: "x@workspace.example", verified: true });
    const identity = identityOf("google", p, idToken, { sub: "4", email: "x@workspace.example", email_verified: true, hd: "workspace.example" });
    expect(identity.hostedDomain).toBeNull();
    expect(authority(identity)).toBe(false);
  });

  it("RP-6: Google access tokens are opaque and judged at tokeninfo, which must name a client configured for exchange", () => {
    const rules = kind.accessTokenRules(p);
    expect(rules.jwt).toBeUndefined();
    expect(rules.remote).toMatchObject({ via: "tokeninfo", endpoint: `${googleIssuer}/tokeninfo` });
    expect(kind.accessTokenRules(provider("google", "https://accounts.google.com")).remote?.endpoint).toBe("https://oauth2.googleapis.com/tokeninfo");
    const app = provider("google", googleIssuer, { exchange: { audiences: [], clientIds: ["app.apps.googleusercontent.com"], acceptOpaqueTokens: true } });
    const answer = { aud: "app.apps.googleusercontent.com", azp: "app.apps.googleusercontent.com", sub: "109", exp: String(NOW + 60), email_verified: "true" };
    expect(rules.remote!.check(answer, app)).toEqual({ ok: true, value: { subject: "109", expiresAt: NOW + 60 } });
    expect(rules.remote!.check({ ...answer, aud: "other", azp: "other" }, app)).toMatchObject({ ok: false, reason: "client_not_allowed" });
    expect(rules.remote!.check({ ...answer, sub: undefined }, app)).toMatchObject({ ok: false, reason: "missing_subject" });
  });
});

describe("provider kinds: Cognito", () => {
  const p = provider("cognito", cognitoIssuer, { exchange: { audiences: [], clientIds: ["cognito-client"], acceptOpaqueTokens: false } });
  const kind = providerKind("cognito");

  it("normalises cognito:username and cognito:groups", () => {
    expect(identityOf("cognito", p, cognitoId)).toMatchObject({
      subject: "3f1c2b8e-0d4a-4c9e-9b7a-5e6f7a8b9c01", email: "carl@cognito.example", emailVerified: true, username: "carl", groups: ["admins", "users"],
    });
  });

  it("RP-7: userinfo's string email_verified: \"true\" is true and \"false\" is false", () => {
    const { email: _e, email_verified: _v, ...idToken } = cognitoId;
    expect(kind.needsUserinfo(idToken)).toBe(true);
    const userinfo = (verified: string) => ({ sub: cognitoId.sub, email_verified: verified, email: "vera@cognito.example", name: "Vera", username: "vera" });
    expect(identityOf("cognito", p, idToken, userinfo("false")).emailVerified).toBe(false);
    expect(identityOf("cognito", p, idToken, userinfo("true")).emailVerified).toBe(true);
  });

  it("requires token_use id on ID tokens", () => {
    expect(kind.checkIdToken(cognitoId, p)).toBeNull();
    expect(kind.checkIdToken({ ...cognitoId, token_use: "access" }, p)).toMatchObject({ reason: "wrong_token_use" });
    expect(kind.checkIdToken({ ...cognitoId, token_use: undefined }, p)).toMatchObject({ reason: "wrong_token_use" });
  });

  const check = (claims: Claims) => kind.accessTokenRules(p).jwt!.check(claims, p);

  it("RP-6: accepts an access token with token_use access, an allowed client_id and no aud", () => {
    expect(check(cognitoAccess)).toEqual({ ok: true, value: { subject: cognitoId.sub } });
    expect(kind.accessTokenRules(p).remote).toBeUndefined();
  });

  it("RP-6: refuses an ID token as access token, an aud, an unlisted client_id, a client-credentials token", () => {
    expect(check(cognitoId)).toMatchObject({ ok: false, reason: "wrong_token_use" });
    expect(check({ ...cognitoAccess, aud: "cognito-client" })).toMatchObject({ ok: false, reason: "unexpected_audience" });
    expect(check({ ...cognitoAccess, client_id: "other-client" })).toMatchObject({ ok: false, reason: "client_not_allowed" });
    expect(check({ ...cognitoAccess, username: undefined, sub: "cognito-client" })).toMatchObject({ ok: false, reason: "not_a_user_token" });
  });
});

describe("provider kinds: generic OIDC", () => {
  const p = provider("oidc", `${ORIGIN}/oidc`, { exchange: { audiences: ["https://api.example"], clientIds: ["app"], acceptOpaqueTokens: true } });
  const check = (claims: Claims) => providerKind("oidc").accessTokenRules(p).jwt!.check(claims, p);

  it("normalises standard claims and a groups array; no email authority of its own", () => {
    const identity = identityOf("oidc", p, { sub: "u1", email: "U1@Example.com", email_verified: true, name: " U One ", preferred_username: "u1", groups: ["g"] });
    expect(identity).toMatchObject({ subject: "u1", email: "u1@example.com", emailVerified: true, name: "U One", username: "u1", groups: ["g"] });
    expect(isAuthoritativeFor(providerKind("oidc"), identity, "example.com", null, p)).toBe(false);
    const mapping = { domain: "example.com", projectId: p.projectId, providerId: p.id, createdAt: "", updatedAt: "" };
    expect(isAuthoritativeFor(providerKind("oidc"), identity, "example.com", mapping, p)).toBe(true);
    expect(isAuthoritativeFor(providerKind("oidc"), identity, "example.com", { ...mapping, providerId: "other" }, p)).toBe(false);
  });

  it("RP-6: RFC 9068 access tokens: allowed aud and client_id, a user subject", () => {
    const access = { iss: p.issuer, sub: "u1", aud: "https://api.example", client_id: "app", exp: NOW + 60, iat: NOW, jti: "j" };
    expect(check(access)).toEqual({ ok: true, value: { subject: "u1" } });
    expect(check({ ...access, aud: "https://other" })).toMatchObject({ ok: false, reason: "audience_not_allowed" });
    expect(check({ ...access, client_id: "x" })).toMatchObject({ ok: false, reason: "client_not_allowed" });
    expect(check({ ...access, sub: "app" })).toMatchObject({ ok: false, reason: "not_a_user_token" });
  });
});
