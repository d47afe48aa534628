/**
 * Setup links through the admin API: created, listed and revoked by the operator or a project's key
 * (another project's key sees nothing); the link's own credential refused (403) on every operation
 * that does not accept links, and on another project's or provider's resources; expired, revoked and
 * completed links refused (401, saying which).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/admin";
import { sha256 } from "../../src/encoding";
import { DurableObjectStore } from "../../src/store/durable-object";
import { api, issuers, newProject, newProvider, operator } from "../helpers/admin";
import { ADMIN_TOKEN, ISSUER } from "../helpers/worker";

let mine: { id: string; token: string };
let theirs: { id: string; token: string };
let otherProvider: string;

beforeAll(async () => {
  [mine, theirs] = await Promise.all([newProject("Mine"), newProject("Theirs")]);
  otherProvider = (await newProvider(mine, "okta")).id;
});

const linksOf = (projectId: string) => `/projects/${projectId}/setup-links`;
/** A new link of `mine`, and its credential. */
async function newLink(token = mine.token, body: Record<string, unknown> = { organization: "Acme Corp" }) {
  const created = await api(token, "POST", linksOf(mine.id), body);
  expect(created.status).toBe(201);
  const url = created.body.url as string;
  return { id: created.body.id as string, url, credential: `fgs.${url.slice(`${ISSUER}/setup/`.length)}`, body: created.body };
}

describe("setup links: the project admin's side", () => {
  it("creates a link shown once, lists it pending, and audits setup-link.create", async () => {
    const link = await newLink();
    expect(link.url).toMatch(new RegExp(`^${ISSUER}/setup/[A-Za-z0-9_-]{43}$`));
    expect(link.body).toMatchObject({ organization: "Acme Corp", state: "pending", providerId: null, domains: [] });
    const hours = (Date.parse(link.body.expiresAt) - Date.parse(link.body.createdAt)) / 3600_000;
    expect(hours).toBe(72);
    const list = await api(mine.token, "GET", linksOf(mine.id));
    expect(list.status).toBe(200);
    const listed = list.body.items.find((item: { id: string }) => item.id === link.id);
    expect(listed).toMatchObject({ state: "pending", organization: "Acme Corp" });
    expect(listed.url).toBeUndefined();
    expect(JSON.stringify(list.body)).not.toContain(link.url.split("/").pop());
    const log = await api(mine.token, "GET", `/projects/${mine.id}/audit?action=setup-link.create&limit=50`);
    expect(log.body.items.some((event: { target: { id: string } }) => event.target.id === link.id)).toBe(true);
  });

  it("answers bad input as a problem naming the field", async () => {
    for (const [body, field] of [[{ organization: "" }, "organization"], [{ organization: "A", expiresInHours: 169 }, "expiresInHours"], [{ organization: "A", extra: 1 }, ""]] as const) {
      const refused = await api(mine.token, "POST", linksOf(mine.id), body);
      expect(refused.status).toBe(400);
      expect(refused.headers.get("Content-Type")).toContain("application/problem+json");
      if (field) expect(JSON.stringify(refused.body)).toContain(field);
    }
  });

  it("lets the operator create and revoke; another project's key gets 404", async () => {
    const created = await operator("POST", linksOf(mine.id), { organization: "Globex", expiresInHours: 1 });
    expect(created.status).toBe(201);
    expect((await api(theirs.token, "POST", linksOf(mine.id), { organization: "X" })).status).toBe(404);
    expect((await api(theirs.token, "GET", linksOf(mine.id))).status).toBe(404);
    expect((await api(theirs.token, "DELETE", `${linksOf(mine.id)}/${created.body.id}`)).status).toBe(404);
    expect((await api(theirs.token, "DELETE", `${linksOf(theirs.id)}/${created.body.id}`)).status).toBe(404);
    const revoked = await operator("DELETE", `${linksOf(mine.id)}/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ state: "revoked", kept: { providerId: null, domains: [] } });
    const log = await api(mine.token, "GET", `/projects/${mine.id}/audit?action=setup-link.revoke&limit=50`);
    expect(log.body.items.find((event: { target: { id: string } }) => event.target.id === created.body.id)?.actor).toEqual({ kind: "operator" });
  });
});

describe("setup links: the link's own credential", () => {
  it("is refused (403) on every operation that does not accept setup links", async () => {
    const link = await newLink();
    const params: Record<string, string> = {
      projectId: mine.id, providerId: otherProvider, clientId: "x", userId: "x", domain: "example.com", linkId: link.id, keyId: "x", testId: "x".repeat(30),
    };
    const closed = operations.filter((op) => !op.acceptsSetupLink);
    expect(closed.length).toBeGreaterThan(20);
    for (const op of closed) {
      const path = op.path.replace(/\{(\w+)\}/g, (_: string, name: string) => params[name] ?? "x");
      const answer = await api(link.credential, op.method.toUpperCase(), path, op.method === "get" || op.method === "delete" ? undefined : {});
      expect([op.method, path, answer.status]).toEqual([op.method, path, 403]);
    }
    expect((await api(link.credential, "GET", "/signing-keys")).status).toBe(403);
  });

  it("reaches only its own provider and domains, in its own project", async () => {
    const link = await newLink();
    const own = (await api(link.credential, "GET", "/setup-link")).body;
    expect(own).toMatchObject({ organization: "Acme Corp", projectName: "Mine", providerCreated: false, domains: [] });
    expect(own.callbackUrl).toBe(`${ISSUER}/auth/callback/${own.providerId}`);
    // Another provider of the project, or another project: refused.
    expect((await api(link.credential, "GET", `/projects/${mine.id}/providers/${otherProvider}`)).status).toBe(403);
    expect((await api(link.credential, "GET", `/projects/${theirs.id}/providers/${own.providerId}`)).status).toBe(404);
    const provider = { name: "Acme Okta", kind: "okta", issuer: issuers.okta, clientId: "acme-client", clientSecret: "s" };
    expect((await api(link.credential, "POST", `/projects/${mine.id}/providers`, provider)).status).toBe(403); // no id: not its own
    expect((await api(link.credential, "POST", `/projects/${mine.id}/providers`, { ...provider, id: "acme" })).status).toBe(403);
    expect((await api(link.credential, "POST", `/projects/${theirs.id}/providers`, { ...provider, id: own.providerId })).status).toBe(404);
    const exchange = { ...provider, id: own.providerId, exchange: { audiences: ["api"] } };
    expect((await api(link.credential, "POST", `/projects/${mine.id}/providers`, exchange)).status).toBe(403);
    const created = await api(link.credential, "POST", `/projects/${mine.id}/providers`, { ...provider, id: own.providerId });
    expect(created.status).toBe(201);
    expect((await api(link.credential, "POST", `/projects/${mine.id}/providers`, { ...provider, id: own.providerId })).status).toBe(409);
    expect((await api(link.credential, "GET", `/projects/${mine.id}/providers/${own.providerId}`)).status).toBe(200);
    // A domain it did not take on, or one the project already maps: refused.
    const mapped = `taken-${Date.now().toString(36)}.example`;
    expect((await api(mine.token, "POST", `/projects/${mine.id}/domains`, { domain: mapped, providerId: otherProvider })).status).toBe(201);
    expect((await api(link.credential, "POST", `/projects/${mine.id}/domain-challenges/${mapped}`)).status).toBe(409);
    expect((await api(link.credential, "GET", `/projects/${mine.id}/domains/${mapped}`)).status).toBe(403);
    expect((await api(link.credential, "POST", `/projects/${mine.id}/domains`, { domain: mapped, providerId: own.providerId })).status).toBe(403);
    const domain = `acme-${Date.now().toString(36)}.example`;
    expect((await api(link.credential, "POST", `/projects/${mine.id}/domain-challenges/${domain}`)).status).toBe(201);
    // Not verified yet: not mapped.
    expect((await api(link.credential, "POST", `/projects/${mine.id}/domains`, { domain, providerId: own.providerId })).status).toBe(409);
    expect((await api(link.credential, "POST", `/projects/${mine.id}/domains`, { domain, providerId: otherProvider })).status).toBe(403);
    const listed = (await api(mine.token, "GET", linksOf(mine.id))).body.items.find((item: { id: string }) => item.id === link.id);
    expect(listed).toMatchObject({ state: "in_progress", providerId: own.providerId, domains: [domain] });
    const log = await api(mine.token, "GET", `/projects/${mine.id}/audit?actor=setup-link:${link.id}&limit=50`);
    expect(log.body.items.map((event: { action: string }) => event.action).sort()).toEqual(["domain.challenge.issue", "provider.create"]);
    expect(log.body.items[0].actor).toEqual({ kind: "setup-link", linkId: link.id, organization: "Acme Corp" });
  });

  it("stops at once when revoked (what it made stays, named) and after completing", async () => {
    const link = await newLink();
    const own = (await api(link.credential, "GET", "/setup-link")).body;
    expect((await api(link.credential, "POST", "/setup-link/complete")).status).toBe(409); // no provider yet
    const provider = { id: own.providerId, name: "Acme Okta", kind: "okta", issuer: issuers.okta, clientId: "acme-client" };
    expect((await api(link.credential, "POST", `/projects/${mine.id}/providers`, provider)).status).toBe(201);
    const revoked = await api(mine.token, "DELETE", `${linksOf(mine.id)}/${link.id}`);
    expect(revoked.body).toMatchObject({ state: "revoked", kept: { providerId: own.providerId, domains: [] } });
    const refused = await api(link.credential, "GET", "/setup-link");
    expect(refused.status).toBe(401);
    expect(refused.body.setupLinkState).toBe("revoked");
    expect((await api(mine.token, "GET", `/projects/${mine.id}/providers/${own.providerId}`)).status).toBe(200);

    const second = await newLink();
    const secondOwn = (await api(second.credential, "GET", "/setup-link")).body;
    expect((await api(second.credential, "POST", `/projects/${mine.id}/providers`, { ...provider, id: secondOwn.providerId })).status).toBe(201);
    const completed = await api(second.credential, "POST", "/setup-link/complete");
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ providerId: secondOwn.providerId, providerCreated: true });
    const after = await api(second.credential, "GET", "/setup-link");
    expect([after.status, after.body.setupLinkState]).toEqual([401, "completed"]);
    expect((await api(mine.token, "GET", linksOf(mine.id))).body.items.find((item: { id: string }) => item.id === second.id).state).toBe("completed");
  });

  it("is refused once expired, and a made-up or malformed one is refused", async () => {
    const link = await newLink(ADMIN_TOKEN, { organization: "Short", expiresInHours: 1 });
    // Make it expire: the record is rewritten an hour earlier, as the clock would.
    const store = new DurableObjectStore(env.STORE);
    const key = `setup-link:${await sha256(link.credential.slice(4))}`;
    const stored = (await store.getVersioned<{ expiresAt: string }>(key))!;
    await store.set(key, { ...stored.value, expiresAt: new Date(Date.now() - 1000).toISOString() });
    const refused = await api(link.credential, "GET", "/setup-link");
    expect([refused.status, refused.body.setupLinkState]).toEqual([401, "expired"]);
    expect((await api(`fgs.${"A".repeat(43)}`, "GET", "/setup-link")).status).toBe(401);
    expect((await api("fgs.short", "GET", "/setup-link")).status).toBe(401);
    expect((await api(mine.token, "GET", "/setup-link")).status).toBe(403);
  });
});
