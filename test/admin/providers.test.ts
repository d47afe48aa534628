import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { sealContext, type Provider } from "../../src/registry/providers";
import { Sealer } from "../../src/security/encryption";
import { DurableObjectStore } from "../../src/store/durable-object";
import * as keys from "../../src/store/keys";
import { api, emulatorSwitch, issuers, newProject, newProvider } from "../helpers/admin";

let project: { id: string; token: string };
beforeAll(async () => {
  project = await newProject("providers");
});
afterEach(async () => {
  await emulatorSwitch("okta", { discovery: null, delay: null, fail: null });
});

const create = (body: Record<string, unknown>) =>
  api(project.token, "POST", `/projects/${project.id}/providers`, { name: "IdP", clientId: "abc", ...body });

describe("admin: identity providers", () => {
  it.each([
    ["auth0", issuers.auth0],
    ["okta", issuers.okta],
    ["okta", issuers.oktaOrg],
    ["google", issuers.google],
    ["cognito", issuers.cognito],
  ])("adds a %s provider at %s after checking its discovery document", async (kind, issuer) => {
    const created = await create({ kind, issuer, clientSecret: "s3cret-upstream" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind, issuer, clientId: "abc", hasClientSecret: true, scopes: ["openid", "email", "profile"], linkBy: "email", createUsers: true,
      exchange: { audiences: [], clientIds: [], acceptOpaqueTokens: false },
    });
    expect(created.body.callbackUrl).toBe(`https://id.fedgate.test/auth/callback/${created.body.id}`);
    expect(JSON.stringify(created.body)).not.toContain("s3cret-upstream");
  });

  it("AD-2: seals the client secret at rest, bound to the provider, and never returns it", async () => {
    const provider = await newProvider(project, "google");
    const record = (await new DurableObjectStore(env.STORE).get<Provider>(keys.provider(project.id, provider.id)))!;
    expect(JSON.stringify(record)).not.toContain("upstream-secret");
    const config = parseConfig(env as unknown as Record<string, unknown>);
    expect(await new Sealer(config.encryptionKey).open(record.clientSecretSealed!, sealContext(provider.id))).toBe("upstream-secret");
    await expect(new Sealer(config.encryptionKey).open(record.clientSecretSealed!, sealContext("idp_other"))).rejects.toThrow();
    const list = await api(project.token, "GET", `/projects/${project.id}/providers`);
    expect(JSON.stringify(list.body)).not.toMatch(/upstream-secret|Sealed|"alg":"dir"/);
  });

  it("RP-8: reports an unreachable issuer as 502 and saves nothing", async () => {
    const before = (await api(project.token, "GET", `/projects/${project.id}/providers`)).body.items.length;
    const refused = await create({ kind: "oidc", issuer: "http://127.0.0.1:9/nothing-here" });
    expect(refused.status).toBe(502);
    expect(refused.body.detail).toMatch(/could not be reached/);
    await emulatorSwitch("okta", { fail: { status: 503, endpoints: ["discovery"] } });
    const failing = await create({ kind: "okta", issuer: issuers.okta });
    expect(failing.status).toBe(502);
    expect((await api(project.token, "GET", `/projects/${project.id}/providers`)).body.items.length).toBe(before);
  });

  it("RP-8: gives up on a discovery document that takes longer than 5 s", async () => {
    await emulatorSwitch("okta", { delay: { ms: 6000, endpoints: ["discovery"] } });
    const started = Date.now();
    const slow = await create({ kind: "okta", issuer: issuers.okta });
    expect(slow.status).toBe(502);
    expect(slow.body.detail).toMatch(/within 5 s/);
    expect(Date.now() - started).toBeLessThan(5900);
  }, 15_000);

  it("oidcc-discovery-issuer-mismatch: refuses a document naming another issuer as 422", async () => {
    await emulatorSwitch("okta", { discovery: "issuer-mismatch" });
    const mismatch = await create({ kind: "okta", issuer: issuers.okta });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.title).toBe("Issuer not usable");
    await emulatorSwitch("okta", { discovery: "missing-jwks-uri" });
    expect((await create({ kind: "okta", issuer: issuers.okta })).status).toBe(422);
  });

  it("takes a chosen id, unique in the project, which names the callback URL", async () => {
    const created = await create({ id: "corp-okta", kind: "okta", issuer: issuers.okta });
    expect(created.status).toBe(201);
    expect(created.body.callbackUrl).toBe("https://id.fedgate.test/auth/callback/corp-okta");
    expect((await create({ id: "corp-okta", kind: "okta", issuer: issuers.okta })).status).toBe(409);
    expect((await create({ id: "Bad Id", kind: "okta", issuer: issuers.okta })).status).toBe(400);
  });

  it("refuses a non-https issuer outside loopback and unknown kinds", async () => {
    expect((await create({ kind: "oidc", issuer: "http://idp.example.com" })).status).toBe(400);
    expect((await create({ kind: "saml", issuer: issuers.okta })).status).toBe(400);
  });

  it("changes settings with If-Match, removes a secret with null, and deletes only an unused provider", async () => {
    const provider = await newProvider(project, "cognito");
    const path = `/projects/${project.id}/providers/${provider.id}`;
    const etag = (await api(project.token, "GET", path)).headers.get("ETag")!;
    const patched = await api(project.token, "PATCH", path, { clientSecret: null, linkBy: "subject", createUsers: false }, { "If-Match": etag });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ hasClientSecret: false, linkBy: "subject", createUsers: false });
    expect((await api(project.token, "PATCH", path, { issuer: issuers.okta }, { "If-Match": patched.headers.get("ETag")! })).status).toBe(400);

    await api(project.token, "POST", `/projects/${project.id}/domains`, { domain: "cognito-users.example", providerId: provider.id });
    const busy = await api(project.token, "DELETE", path);
    expect(busy.status).toBe(409);
    expect(busy.body.detail).toContain("domain cognito-users.example");
    await api(project.token, "DELETE", `/projects/${project.id}/domains/cognito-users.example`);
    expect((await api(project.token, "DELETE", path)).status).toBe(204);
  });

  it("takes the groups claim, role mappings, profile update and authentication context on create and patch, and returns them", async () => {
    const plain = await create({ kind: "okta", issuer: issuers.okta });
    expect(plain.body).toMatchObject({ roleMappings: [], updateProfile: false, authContext: { trusted: false, mfaAcrValues: [] } });
    expect(plain.body).not.toHaveProperty("groupsClaim"); // the kind's default

    const roleMappings = [{ group: "Engineering", role: "dev" }, { claim: "https://example.com/roles", value: "admin", role: "app:admin" }];
    const created = await create({
      kind: "auth0", issuer: issuers.auth0, groupsClaim: "https://example.com/roles", roleMappings, updateProfile: true,
      authContext: { trusted: true, mfaAcrValues: ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      groupsClaim: "https://example.com/roles", roleMappings, updateProfile: true,
      authContext: { trusted: true, mfaAcrValues: ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"] },
    });
    const path = `/projects/${project.id}/providers/${created.body.id}`;
    const patched = await api(project.token, "PATCH", path, { groupsClaim: null, roleMappings: [{ group: "Sales", role: "sales" }], authContext: { trusted: false } }, { "If-Match": created.headers.get("ETag")! });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ groupsClaim: null, roleMappings: [{ group: "Sales", role: "sales" }], updateProfile: true, authContext: { trusted: false, mfaAcrValues: [] } });
    expect((await api(project.token, "GET", path)).body).toMatchObject({ groupsClaim: null, roleMappings: [{ group: "Sales", role: "sales" }] });
  });

  it.each([
    ["a role with spaces", { roleMappings: [{ group: "a", role: "has space" }] }],
    ["a role over 100 characters", { roleMappings: [{ group: "a", role: "r".repeat(101) }] }],
    ["a rule with both a group and a claim", { roleMappings: [{ group: "a", claim: "b", value: "c", role: "r" }] }],
    ["a claim rule without a value", { roleMappings: [{ claim: "b", role: "r" }] }],
    ["more than 100 rules", { roleMappings: Array.from({ length: 101 }, (_, i) => ({ group: `g${i}`, role: "r" })) }],
    ["a group over 500 characters", { roleMappings: [{ group: "g".repeat(501), role: "r" }] }],
    ["a groups claim over 200 characters", { groupsClaim: "c".repeat(201) }],
    ["an acr value with a space", { authContext: { trusted: true, mfaAcrValues: ["a b"] } }],
    ["more than 20 acr values", { authContext: { mfaAcrValues: Array.from({ length: 21 }, (_, i) => `acr${i}`) } }],
    ["an unknown authContext member", { authContext: { trusted: true, extra: 1 } }],
    ["updateProfile that is not a boolean", { updateProfile: "yes" }],
  ])("refuses %s with 400", async (_name, body) => {
    const refused = await create({ kind: "okta", issuer: issuers.okta, ...body });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("Content-Type")).toContain("application/problem+json");
  });
});
