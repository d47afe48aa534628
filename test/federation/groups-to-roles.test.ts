/**
 * Roles from upstream groups and claims (identity/roles.ts, identity/profile-sync.ts) over HTTP with
 * the emulators' seeded users: each kind's groups (Google: the `hd` claim) mapped at sign-in land in
 * the user record, the access token, the ID token and userinfo, stay on refresh, are replaced at the
 * next sign-in and synced at token exchange; `updateProfile` on and off; unmapped, no `roles` at
 * all; never admin authority. The rules themselves: test/identity/roles.test.ts.
 */
import { createLocalJWKSet, jwtVerify, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { api, operator } from "../helpers/admin";
import { consoleAccessToken, PEOPLE, setUpConsole } from "../helpers/console";
import { AUTH0_API, exchangeClient, exchangeProvider, exchangeToken, newProject } from "../helpers/exchange";
import { refresh } from "../helpers/oauth";
import { redeemFlow, setupFederation, signInFlow, type Federation, type Kind, type ProviderKindName } from "../helpers/signin";
import { upstreamTokens } from "../helpers/upstream";
import { call, ISSUER } from "../helpers/worker";

const people: Record<Kind, { email: string; password: string; domain: string }> = {
  auth0: { email: "alice@auth0.example", password: "alice-password", domain: "auth0.example" },
  okta: { email: "olivia@okta.example", password: "olivia-password", domain: "okta.example" },
  google: { email: "gina@workspace.example", password: "gina-password", domain: "workspace.example" },
  cognito: { email: "carl@cognito.example", password: "carl-password", domain: "cognito.example" },
};
/** Okta sends `groups` only for the `groups` scope. */
const OKTA_SCOPES = ["openid", "email", "profile", "groups"];
const AUTH0_ROLES_CLAIM = "https://fedgate.dev/roles";

const keys = async () => createLocalJWKSet((await (await call("/.well-known/jwks.json")).json()) as { keys: [] });
const verify = async (token: string): Promise<JWTPayload> => (await jwtVerify(token, await keys(), { issuer: ISSUER })).payload;

/** A whole sign-in: the verified access and ID tokens, and the refresh token. */
async function signIn(f: Federation, kind: Kind) {
  const flow = await signInFlow(f, people[kind]);
  expect(flow.page, flow.page?.text.slice(0, 300)).toBeUndefined();
  const tokens = await redeemFlow(f, flow);
  expect(tokens.status).toBe(200);
  return { access: await verify(tokens.body.access_token), id: await verify(tokens.body.id_token), accessToken: tokens.body.access_token as string, refreshToken: tokens.body.refresh_token as string };
}

const userOf = async (project: { id: string; token: string }, userId: string) => (await api(project.token, "GET", `/projects/${project.id}/users/${userId}`)).body;

async function patchProvider(project: { id: string; token: string }, providerId: string, patch: Record<string, unknown>): Promise<void> {
  const path = `/projects/${project.id}/providers/${providerId}`;
  const read = await api(project.token, "GET", path);
  const patched = await api(project.token, "PATCH", path, patch, { "If-Match": read.headers.get("ETag")! });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
}

async function userinfo(accessToken: string) {
  const response = await call("/oauth2/userinfo", { headers: { Authorization: `Bearer ${accessToken}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe("roles from upstream groups at sign-in", () => {
  const cases: [string, Kind, ProviderKindName, Record<string, unknown>, string[]][] = [
    ["okta: groups (with the groups scope)", "okta", "okta", { scopes: OKTA_SCOPES, roleMappings: [{ group: "Engineering", role: "eng" }, { group: "Sales", role: "sales" }, { group: "Everyone", role: "member" }] }, ["eng", "member"]],
    ["generic oidc: groups", "okta", "oidc", { scopes: OKTA_SCOPES, roleMappings: [{ group: "Engineering", role: "eng" }] }, ["eng"]],
    ["cognito: cognito:groups", "cognito", "cognito", { roleMappings: [{ group: "admins", role: "app:admin" }, { group: "users", role: "app:user" }] }, ["app:admin", "app:user"]],
    ["auth0: the namespaced roles claim named as groupsClaim", "auth0", "auth0", { groupsClaim: AUTH0_ROLES_CLAIM, roleMappings: [{ group: "admin", role: "app:admin" }] }, ["app:admin"]],
    ["auth0: a claim rule on the namespaced claim", "auth0", "auth0", { roleMappings: [{ claim: AUTH0_ROLES_CLAIM, value: "admin", role: "app:admin" }] }, ["app:admin"]],
    ["google: the hd claim", "google", "google", { roleMappings: [{ claim: "hd", value: "workspace.example", role: "staff" }, { claim: "hd", value: "other.example", role: "other" }] }, ["staff"]],
  ];

  it.each(cases)("%s: in the user record, the access token, the ID token, userinfo, and on refresh", async (_name, kind, providerKind, provider, roles) => {
    const f = await setupFederation(kind, { domains: [people[kind].domain], providerKind, provider });
    const { access, id, accessToken, refreshToken } = await signIn(f, kind);
    expect(access.roles).toEqual(roles);
    expect(id.roles).toEqual(roles);
    expect((await userOf(f.project, access.sub!)).mappedRoles).toEqual(roles);
    expect((await userinfo(accessToken)).roles).toEqual(roles);

    const refreshed = await refresh(refreshToken, { id: f.clientId });
    expect(refreshed.status).toBe(200);
    expect((await verify(refreshed.body.access_token)).roles).toEqual(roles);
    expect((await verify(refreshed.body.id_token)).roles).toEqual(roles);
  });

  it("unmapped groups give no roles claim at all, and no mappedRoles on the user", async () => {
    const f = await setupFederation("okta", { domains: ["okta.example"], provider: { scopes: OKTA_SCOPES } });
    const { access, id, accessToken } = await signIn(f, "okta");
    expect(access).not.toHaveProperty("roles");
    expect(id).not.toHaveProperty("roles");
    expect(await userinfo(accessToken)).not.toHaveProperty("roles");
    expect(await userOf(f.project, access.sub!)).not.toHaveProperty("mappedRoles");
  });

  it("changed mappings replace the roles at the next sign-in; a refresh reads the record; none left removes them", async () => {
    const f = await setupFederation("okta", { domains: ["okta.example"], provider: { scopes: OKTA_SCOPES, roleMappings: [{ group: "Engineering", role: "eng" }] } });
    const first = await signIn(f, "okta");
    expect(first.access.roles).toEqual(["eng"]);

    await patchProvider(f.project, f.providerId, { roleMappings: [{ group: "Everyone", role: "member" }] });
    const second = await signIn(f, "okta");
    expect(second.access.sub).toBe(first.access.sub);
    expect(second.access.roles).toEqual(["member"]);
    expect((await userOf(f.project, first.access.sub!)).mappedRoles).toEqual(["member"]);
    // The first sign-in's grant refreshes with the roles the record holds now.
    expect((await verify((await refresh(first.refreshToken, { id: f.clientId })).body.access_token)).roles).toEqual(["member"]);

    await patchProvider(f.project, f.providerId, { roleMappings: [] });
    const third = await signIn(f, "okta");
    expect(third.access).not.toHaveProperty("roles");
    expect(await userOf(f.project, first.access.sub!)).not.toHaveProperty("mappedRoles");
  });

  it("assigned roles come first in the tokens, mapped ones after, each once", async () => {
    const f = await setupFederation("cognito", { domains: ["cognito.example"], provider: { roleMappings: [{ group: "admins", role: "app:admin" }, { group: "users", role: `admin:${"prj_aaaaaaaaaaaaaaaa"}` }] } });
    const { access } = await signIn(f, "cognito");
    const path = `/projects/${f.project.id}/users/${access.sub}`;
    const read = await operator("GET", path);
    await operator("PATCH", path, { roles: ["admin:prj_aaaaaaaaaaaaaaaa", "operator"] }, { "If-Match": read.headers.get("ETag")! });
    const again = await signIn(f, "cognito");
    expect(again.access.roles).toEqual(["admin:prj_aaaaaaaaaaaaaaaa", "operator", "app:admin"]);
    expect((await userOf(f.project, access.sub!)).roles).toEqual(["admin:prj_aaaaaaaaaaaaaaaa", "operator"]);
  });
});

describe("updateProfile (just-in-time profile update)", () => {
  it("off: the stored name stays whatever the provider now says; on: name and email are refreshed by RP-7's rule", async () => {
    const f = await setupFederation("okta", { domains: ["okta.example"] });
    const { access } = await signIn(f, "okta");
    const userId = access.sub!;
    expect(await userOf(f.project, userId)).toMatchObject({ name: "Olivia Okta", email: "olivia@okta.example", emailVerified: true });

    await f.upstreamSwitch({ claims: { name: "Olivia Renamed" }, tokens: ["id_token"] });
    expect((await signIn(f, "okta")).id.name).toBe("Olivia Okta");
    expect((await userOf(f.project, userId)).name).toBe("Olivia Okta");

    await patchProvider(f.project, f.providerId, { updateProfile: true });
    expect((await signIn(f, "okta")).id.name).toBe("Olivia Renamed");
    expect((await userOf(f.project, userId)).name).toBe("Olivia Renamed");

    // A verified address in a domain mapped to this provider: stored verified.
    await f.upstreamSwitch({ claims: { name: "Olivia Renamed", email: "olivia.renamed@okta.example" }, tokens: ["id_token"] });
    expect((await signIn(f, "okta")).access.email).toBe("olivia.renamed@okta.example");
    expect(await userOf(f.project, userId)).toMatchObject({ email: "olivia.renamed@okta.example", emailVerified: true });

    // A verified address another user holds: not taken, the old one stays, the rest syncs (the name is
    // Okta's own again), and the person signs in.
    const other = await api(f.project.token, "POST", `/projects/${f.project.id}/users`, { email: "taken@okta.example", emailVerified: true, name: "Taken" });
    expect(other.status).toBe(201);
    await f.upstreamSwitch({ claims: { email: "taken@okta.example" } });
    const kept = await signIn(f, "okta");
    expect(kept.access.sub).toBe(userId);
    expect(kept.access.email).toBe("olivia.renamed@okta.example");
    expect(await userOf(f.project, userId)).toMatchObject({ name: "Olivia Okta", email: "olivia.renamed@okta.example", emailVerified: true });
    expect(await userOf(f.project, other.body.id)).toMatchObject({ email: "taken@okta.example", emailVerified: true });

    // An address in a domain this provider is not authoritative for: kept, but unverified.
    await f.upstreamSwitch({ claims: { email: "olivia@elsewhere.example" } });
    await signIn(f, "okta");
    expect(await userOf(f.project, userId)).toMatchObject({ email: "olivia@elsewhere.example", emailVerified: false });
  });
});

describe("roles at token exchange", () => {
  const tokensOf = (provider: { upstream: Parameters<typeof upstreamTokens>[0]; upstreamClient: { clientId: string } }, extra: { audience?: string; scope?: string } = {}) =>
    upstreamTokens(provider.upstream, { clientId: provider.upstreamClient.clientId, nonce: crypto.randomUUID(), ...extra });

  it("JWT access tokens and ID tokens map their groups; changed mappings apply at the next exchange; refresh reads the record", async () => {
    const project = await newProject("exchange roles");
    const okta = await exchangeProvider(project, "okta", { domains: ["okta.example"], provider: { roleMappings: [{ group: "Engineering", role: "eng" }] } });
    const cognito = await exchangeProvider(project, "cognito", { domains: ["cognito.example"], provider: { roleMappings: [{ group: "admins", role: "app:admin" }] } });
    const auth0 = await exchangeProvider(project, "auth0", { domains: ["auth0.example"], provider: { groupsClaim: AUTH0_ROLES_CLAIM, roleMappings: [{ group: "admin", role: "app:admin" }] } });
    const client = await exchangeClient(project);
    const exchanged = async (token: string, type: "access" | "id" = "access", extra: Record<string, string> = {}) => {
      const response = await exchangeToken(client, token, type, extra);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return { claims: await verify(response.body.access_token), refreshToken: response.body.refresh_token as string | undefined };
    };

    // First exchange (the person is new: created from userinfo, with the access token's groups).
    const first = await exchanged((await tokensOf(okta, { scope: "openid email profile groups" })).access_token, "access", { scope: "openid email offline_access" });
    expect(first.claims.roles).toEqual(["eng"]);
    expect((await userOf(project, first.claims.sub!)).mappedRoles).toEqual(["eng"]);
    // Known person, mappings changed: the next JWT access token replaces them; so does an ID token.
    await patchProvider(project, okta.id, { roleMappings: [{ group: "Everyone", role: "member" }, { group: "Engineering", role: "eng" }] });
    expect((await exchanged((await tokensOf(okta, { scope: "openid email profile groups" })).access_token)).claims.roles).toEqual(["member", "eng"]);
    await patchProvider(project, okta.id, { roleMappings: [{ group: "Everyone", role: "member" }] });
    const byId = await exchanged((await tokensOf(okta, { scope: "openid email profile groups" })).id_token!, "id");
    expect(byId.claims.sub).toBe(first.claims.sub);
    expect(byId.claims.roles).toEqual(["member"]);
    expect((await userOf(project, first.claims.sub!)).mappedRoles).toEqual(["member"]);
    const refreshed = await refresh(first.refreshToken!, client);
    expect(refreshed.status).toBe(200);
    expect((await verify(refreshed.body.access_token)).roles).toEqual(["member"]);

    // Cognito's groups are in its access token (first exchange) and ID token; Auth0's API access token carries the namespaced claim.
    expect((await exchanged((await tokensOf(cognito)).access_token)).claims.roles).toEqual(["app:admin"]);
    expect((await exchanged((await tokensOf(cognito)).id_token!, "id")).claims.roles).toEqual(["app:admin"]);
    expect((await exchanged((await tokensOf(auth0, { audience: AUTH0_API })).access_token)).claims.roles).toEqual(["app:admin"]);
  });

  it("an opaque token judged without claims leaves a known person's roles as they are; the next ID token syncs them", async () => {
    const project = await newProject("exchange roles, opaque");
    const google = await exchangeProvider(project, "google", { exchange: { acceptOpaqueTokens: true }, provider: { roleMappings: [{ claim: "hd", value: "workspace.example", role: "staff" }] } });
    const client = await exchangeClient(project);
    const byId = await exchangeToken(client, (await tokensOf(google)).id_token!, "id");
    expect(byId.status).toBe(200);
    const person = await verify(byId.body.access_token);
    expect(person.roles).toEqual(["staff"]);

    await patchProvider(project, google.id, { roleMappings: [] });
    const opaque = await exchangeToken(client, (await tokensOf(google)).access_token);
    expect(opaque.status).toBe(200);
    expect((await verify(opaque.body.access_token)).roles).toEqual(["staff"]); // tokeninfo says nothing of hd: no upstream call to learn it
    expect((await userOf(project, person.sub!)).mappedRoles).toEqual(["staff"]);

    const again = await exchangeToken(client, (await tokensOf(google)).id_token!, "id");
    expect(await verify(again.body.access_token)).not.toHaveProperty("roles");
    expect(await userOf(project, person.sub!)).not.toHaveProperty("mappedRoles");
  });
});

describe("admin authority never comes from mapped roles", () => {
  it("a console user whose provider maps their group to operator gets no admin scope from it", async () => {
    const setup = await setUpConsole({ ulrich: ["operator"] });
    await patchProvider(setup.project, "auth0", { groupsClaim: AUTH0_ROLES_CLAIM, roleMappings: [{ group: "admin", role: "operator" }, { group: "admin", role: `admin:${setup.project.id}` }] });
    const token = await consoleAccessToken(setup, PEOPLE.alice);
    expect((await verify(token)).roles).toEqual(["operator", `admin:${setup.project.id}`]); // the mapping did apply
    expect((await userOf(setup.project, setup.users.alice)).mappedRoles).toEqual(["operator", `admin:${setup.project.id}`]);
    expect((await userOf(setup.project, setup.users.alice)).roles).toBeUndefined();

    const me = await call("/admin/v1/me", { env: setup.env, headers: { Authorization: `Bearer ${token}` } });
    expect(me.status).toBe(403);
    const project = await call(`/admin/v1/projects/${setup.project.id}`, { env: setup.env, headers: { Authorization: `Bearer ${token}` } });
    expect(project.status).toBe(403);
  });
});
