import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { normaliseDomain, resolveDomain } from "../../src/registry/domains";
import { DurableObjectStore } from "../../src/store/durable-object";
import { api, newProject, newProvider, operator } from "../helpers/admin";

let a: { id: string; token: string };
let providerA: string;
beforeAll(async () => {
  a = await newProject("domains A");
  providerA = (await newProvider(a, "okta")).id;
});

const unique = () => `d${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}.example`;
const map = (project: { id: string; token: string }, domain: string, providerId: string) =>
  api(project.token, "POST", `/projects/${project.id}/domains`, { domain, providerId });

describe("admin: email-domain mappings", () => {
  it("normalises domains: lower case, IDNA, no trailing dot; refuses what is not a domain", () => {
    expect(normaliseDomain("Example.COM")).toBe("example.com");
    expect(normaliseDomain("bücher.example.")).toBe("xn--bcher-kva.example");
    for (const bad of ["localhost", "192.168.0.1", "example.com:443", "user@example.com", "exa mple.com", "-bad.example", "example.com/path", ""]) {
      expect(normaliseDomain(bad), bad).toBeUndefined();
    }
  });

  it("maps a domain once per project, in canonical form, to a provider of the project", async () => {
    const domain = unique();
    const created = await map(a, domain.toUpperCase(), providerA);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ domain, providerId: providerA, projectId: a.id, verified: false });
    expect((await map(a, domain, providerA)).status).toBe(409);
    expect((await map(a, unique(), "idp_not_here")).status).toBe(400);
    expect((await map(a, "not a domain", providerA)).status).toBe(400);
    const read = await api(a.token, "GET", `/projects/${a.id}/domains/${domain.toUpperCase()}`);
    expect(read.status).toBe(200);
    expect(read.body.domain).toBe(domain);
  });

  it("refuses a domain mapped in another project until the operator verifies ownership", async () => {
    const b = await newProject("domains B");
    const c = await newProject("domains C");
    const [providerB, providerC] = [(await newProvider(b, "google")).id, (await newProvider(c, "auth0")).id];
    const domain = unique();
    expect((await map(a, domain, providerA)).status).toBe(201);

    const refused = await map(b, domain, providerB);
    expect(refused.status).toBe(409);
    expect(refused.body.title).toBe("Domain claimed by another project");

    // Only the operator may verify.
    expect((await api(b.token, "PUT", `/projects/${b.id}/domain-verifications/${domain}`)).status).toBe(403);
    expect((await operator("PUT", `/projects/${b.id}/domain-verifications/${domain}`)).status).toBe(204);
    const verified = await map(b, domain, providerB);
    expect(verified.status).toBe(201);
    expect(verified.body.verified).toBe(true);
    // A third, unverified project is still refused.
    expect((await map(c, domain, providerC)).status).toBe(409);
  });

  it("frees an unverified claim when the mapping is deleted", async () => {
    const b = await newProject("domains free");
    const providerB = (await newProvider(b, "google")).id;
    const domain = unique();
    await map(a, domain, providerA);
    expect((await api(a.token, "DELETE", `/projects/${a.id}/domains/${domain}`)).status).toBe(204);
    expect((await map(b, domain, providerB)).status).toBe(201);
    expect((await api(a.token, "GET", `/projects/${a.id}/domains/${domain}`)).status).toBe(404);
  });

  it("moves a domain to another provider with If-Match, and lists mappings", async () => {
    const domain = unique();
    await map(a, domain, providerA);
    const other = (await newProvider(a, "cognito")).id;
    const path = `/projects/${a.id}/domains/${domain}`;
    const etag = (await api(a.token, "GET", path)).headers.get("ETag")!;
    const moved = await api(a.token, "PATCH", path, { providerId: other }, { "If-Match": etag });
    expect(moved.status).toBe(200);
    expect(moved.body.providerId).toBe(other);
    const list = await api(a.token, "GET", `/projects/${a.id}/domains?limit=200`);
    expect(list.body.items.map((m: { domain: string }) => m.domain)).toContain(domain);
  });

  it("resolves a domain on the hot path with one store read, then from the isolate cache", async () => {
    const domain = unique();
    await map(a, domain, providerA);
    let reads = 0;
    const backend = new DurableObjectStore(env.STORE);
    const counting = new Proxy(backend, {
      get: (target, name) => (name === "get" ? (...args: [string]) => (reads++, target.get(...args)) : Reflect.get(target, name)),
    });
    expect((await resolveDomain(counting, a.id, domain))?.providerId).toBe(providerA);
    expect((await resolveDomain(counting, a.id, domain))?.providerId).toBe(providerA);
    expect(await resolveDomain(counting, a.id, `unmapped-${domain}`)).toBeNull();
    expect(await resolveDomain(counting, a.id, `unmapped-${domain}`)).toBeNull();
    expect(reads).toBe(2);
  });
});
