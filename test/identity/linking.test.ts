/**
 * Identity resolution after a verified upstream sign-in (SECURITY.md RP-7, issue 5 item 3), on the
 * real Durable Object store. Each test gets a fresh project, written directly through the store.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { providerKind, type Claims } from "../../src/federation/providers";
import type { UpstreamIdentity } from "../../src/identity/upstream-identity";
import { newProjectId, newUserId } from "../../src/ids";
import { listUsers } from "../../src/identity/user-pages";
import { findUserByEmail, saveUser, type User } from "../../src/identity/users";
import { resolveUser, type Resolution } from "../../src/identity/linking";
import type { DomainMapping } from "../../src/registry/domains";
import type { Provider } from "../../src/registry/providers";
import { DurableObjectStore } from "../../src/store/durable-object";
import * as keys from "../../src/store/keys";
import type { Store } from "../../src/store/store";

const store = new DurableObjectStore(env.STORE);
const NOW = "2026-11-23T12:00:00.000Z";
let projectId: string;
beforeEach(() => {
  projectId = newProjectId();
});

const provider = (id: string, kind: Provider["kind"], extra: Partial<Provider> = {}): Provider => ({
  id, projectId, name: id, kind, issuer: `http://127.0.0.1:8788/${id}`, clientId: `client-of-${id}`, clientSecretSealed: null, scopes: ["openid"],
  linkBy: "email", createUsers: true, exchange: { audiences: [], clientIds: [], acceptOpaqueTokens: false }, createdAt: NOW, updatedAt: NOW, ...extra,
});

const mapDomain = (domain: string, providerId: string) =>
  store.set(keys.domainMapping(projectId, domain), { domain, projectId, providerId, createdAt: NOW, updatedAt: NOW } satisfies DomainMapping);

/** An identity as the provider's kind normalises these claims. */
function identity(p: Provider, claims: Claims): UpstreamIdentity {
  const result = providerKind(p.kind).normalise(claims, undefined, p);
  if (!result.ok) throw new Error(result.detail);
  return result.value;
}

async function preProvision(fields: Partial<User>): Promise<User> {
  const user: User = { id: newUserId(), projectId, email: null, emailVerified: false, name: null, externalIds: [], disabled: false, createdAt: NOW, updatedAt: NOW, ...fields };
  const written = await saveUser(store, user, null);
  if (!written.ok) throw new Error(`pre-provisioning failed on ${written.conflict}`);
  return user;
}

const resolve = (p: Provider, who: UpstreamIdentity, on: Store = store) => resolveUser(on, { projectId, provider: p, identity: who, authority: providerKind(p.kind), now: NOW });

/** The store, with `rival` run once just before the first write: another sign-in or admin winning a race. */
function racing(rival: () => Promise<unknown>): Store {
  let fired = false;
  return new Proxy(store, {
    get(target, name: keyof Store) {
      const method = (target[name] as (...args: unknown[]) => unknown).bind(target);
      if (name !== "set" && name !== "compareAndSet") return method;
      return async (...args: unknown[]) => {
        if (!fired) {
          fired = true;
          await rival();
        }
        return method(...args);
      };
    },
  });
}

const users = async () => (await listUsers(store, projectId, { limit: 200 })).items.map((item) => item.value);

function ok(resolution: Resolution) {
  if (resolution.ok) return resolution;
  throw new Error(`refused: ${resolution.reason}`);
}

const okta = () => provider("okta", "okta");
const google = () => provider("google", "google");
const olivia = (p: Provider, extra: Claims = {}) =>
  identity(p, { sub: "00u1fedgate0olivia01", email: "Olivia@okta.example", email_verified: true, name: "Olivia Okta", ...extra });

describe("identity resolution", () => {
  it("RP-7: links by provider + subject, for both linkBy modes", async () => {
    for (const linkBy of ["email", "subject"] as const) {
      const p = provider(`okta-${linkBy}`, "okta", { linkBy });
      const existing = await preProvision({ externalIds: [{ providerId: p.id, subject: "00u1fedgate0olivia01" }] });
      const resolution = ok(await resolve(p, olivia(p, { email: "someone-else@okta.example", email_verified: false })));
      expect(resolution).toMatchObject({ outcome: "linked", via: "subject", user: { id: existing.id } });
    }
  });

  it("RP-7: links a verified email from the provider its domain is mapped to, attaching the identity", async () => {
    const p = okta();
    await mapDomain("okta.example", p.id);
    const existing = await preProvision({ email: "olivia@okta.example", emailVerified: true, externalIds: [{ providerId: "google", subject: "109" }] });
    const first = ok(await resolve(p, olivia(p)));
    expect(first).toMatchObject({ outcome: "linked", via: "email", user: { id: existing.id } });
    expect(first.user.externalIds).toEqual([{ providerId: "google", subject: "109" }, { providerId: "okta", subject: "00u1fedgate0olivia01" }]);
    // Stored, so the next sign-in finds the identity itself, even with the email gone.
    expect(ok(await resolve(p, olivia(p, { email: undefined })))).toMatchObject({ via: "subject", user: { id: existing.id } });
    expect(await users()).toHaveLength(1);
  });

  it("RP-7: an unverified email does not link; the new user keeps it unverified and unindexed", async () => {
    const p = okta();
    await mapDomain("okta.example", p.id);
    const owner = await preProvision({ email: "uma@okta.example", emailVerified: true });
    const uma = identity(p, { sub: "00u1fedgate0uma00003", email: "uma@okta.example", email_verified: "false" });
    const resolution = ok(await resolve(p, uma));
    expect(resolution).toMatchObject({ outcome: "created", user: { email: "uma@okta.example", emailVerified: false } });
    expect(resolution.user.id).not.toBe(owner.id);
    expect((await findUserByEmail(store, projectId, "uma@okta.example"))?.id).toBe(owner.id);
  });

  it("RP-7: a provider cannot claim an email in a domain mapped to another provider: a separate, unverified user", async () => {
    const p = okta();
    const cognito = provider("cognito", "cognito");
    await mapDomain("okta.example", p.id);
    const owner = await preProvision({ email: "otto@okta.example", emailVerified: true });
    const otto = identity(cognito, { sub: "3f1c2b8e-0d4a-4c9e-9b7a-5e6f7a8b9c03", email: "otto@okta.example", email_verified: true, token_use: "id" });
    const resolution = ok(await resolve(cognito, otto));
    expect(resolution).toMatchObject({ outcome: "created", user: { emailVerified: false } });
    expect(resolution.user.id).not.toBe(owner.id);
    // Without pre-provisioning rights it is refused outright.
    const strict = { ...cognito, createUsers: false };
    expect(await resolve(strict, { ...otto, subject: "another-sub" })).toMatchObject({ ok: false, reason: "not_provisioned" });
  });

  it("RP-7: a verified email in an unmapped domain links nothing for a kind without its own authority", async () => {
    const p = okta();
    const owner = await preProvision({ email: "olivia@okta.example", emailVerified: true });
    const resolution = ok(await resolve(p, olivia(p)));
    expect(resolution.outcome).toBe("created");
    expect(resolution.user.id).not.toBe(owner.id);
  });

  it("RP-7: Google's signed hd equal to the email's domain is authoritative without a mapping", async () => {
    const p = google();
    const owner = await preProvision({ email: "gina@workspace.example", emailVerified: true });
    const gina = identity(p, { sub: "109000000000000000001", email: "gina@workspace.example", email_verified: true, hd: "workspace.example" });
    expect(ok(await resolve(p, gina))).toMatchObject({ outcome: "linked", via: "email", user: { id: owner.id } });
  });

  it("RP-7: a personal Google account with an address on a Workspace domain does not link, mapped to Google or not", async () => {
    const p = google();
    const owner = await preProvision({ email: "sam@workspace.example", emailVerified: true });
    const sam = identity(p, { sub: "109000000000000000003", email: "sam@workspace.example", email_verified: true });
    const unmapped = ok(await resolve(p, sam));
    expect(unmapped).toMatchObject({ outcome: "created", user: { emailVerified: false } });
    await mapDomain("workspace.example", p.id);
    const mapped = ok(await resolve(p, { ...sam, subject: "109000000000000000099" }));
    expect(mapped).toMatchObject({ outcome: "created", user: { emailVerified: false } });
    expect([unmapped.user.id, mapped.user.id]).not.toContain(owner.id);
  });

  it("RP-7: a gmail.com address links from Google; Google cannot claim a domain mapped to another provider", async () => {
    const p = google();
    const pat = await preProvision({ email: "pat.personal@gmail.com", emailVerified: true });
    const patIdentity = identity(p, { sub: "109000000000000000002", email: "Pat.Personal@gmail.com", email_verified: true });
    expect(ok(await resolve(p, patIdentity))).toMatchObject({ via: "email", user: { id: pat.id } });
    await mapDomain("workspace.example", "okta");
    const owner = await preProvision({ email: "gina@workspace.example", emailVerified: true });
    const gina = identity(p, { sub: "109000000000000000001", email: "gina@workspace.example", email_verified: true, hd: "workspace.example" });
    const resolution = ok(await resolve(p, gina));
    expect(resolution).toMatchObject({ outcome: "created", user: { emailVerified: false } });
    expect(resolution.user.id).not.toBe(owner.id);
  });

  it("RP-7: linkBy subject never links by email, and stores its emails unverified", async () => {
    const p = provider("okta", "okta", { linkBy: "subject" });
    await mapDomain("okta.example", p.id);
    const owner = await preProvision({ email: "olivia@okta.example", emailVerified: true });
    const resolution = ok(await resolve(p, olivia(p)));
    expect(resolution).toMatchObject({ outcome: "created", via: "new", user: { email: "olivia@okta.example", emailVerified: false } });
    expect(resolution.user.id).not.toBe(owner.id);
  });

  it("creates users on first sign-in (JIT) with a linkable email stored verified and indexed", async () => {
    const p = okta();
    await mapDomain("okta.example", p.id);
    const resolution = ok(await resolve(p, olivia(p)));
    expect(resolution).toMatchObject({
      outcome: "created", via: "new",
      user: { projectId, email: "olivia@okta.example", emailVerified: true, name: "Olivia Okta", disabled: false, externalIds: [{ providerId: "okta", subject: "00u1fedgate0olivia01" }] },
    });
    expect((await findUserByEmail(store, projectId, "olivia@okta.example"))?.id).toBe(resolution.user.id);
  });

  it("without JIT creation, refuses people who are not provisioned and admits those who are", async () => {
    const p = provider("okta", "okta", { createUsers: false });
    await mapDomain("okta.example", p.id);
    expect(await resolve(p, olivia(p))).toMatchObject({ ok: false, reason: "not_provisioned", message: expect.stringContaining("administrator") });
    expect(await users()).toHaveLength(0);
    const byEmail = await preProvision({ email: "olivia@okta.example", emailVerified: true });
    expect(ok(await resolve(p, olivia(p)))).toMatchObject({ via: "email", user: { id: byEmail.id } });
    const bySubject = await preProvision({ externalIds: [{ providerId: p.id, subject: "00u1fedgate0uma00003" }] });
    expect(ok(await resolve(p, identity(p, { sub: "00u1fedgate0uma00003" })))).toMatchObject({ via: "subject", user: { id: bySubject.id } });
  });

  it("refuses a disabled user, found by subject or by email, and attaches nothing to it", async () => {
    const p = okta();
    await mapDomain("okta.example", p.id);
    await preProvision({ disabled: true, externalIds: [{ providerId: p.id, subject: "00u1disabled" }] });
    expect(await resolve(p, identity(p, { sub: "00u1disabled" }))).toMatchObject({ ok: false, reason: "user_disabled" });
    const byEmail = await preProvision({ disabled: true, email: "olivia@okta.example", emailVerified: true });
    expect(await resolve(p, olivia(p))).toMatchObject({ ok: false, reason: "user_disabled" });
    expect((await store.get<User>(keys.user(projectId, byEmail.id)))?.externalIds).toEqual([]);
    expect(await users()).toHaveLength(2);
  });

  it("RP-7: refuses to attach a second subject of the same provider to an email's user (a recreated account)", async () => {
    const p = google();
    const owner = await preProvision({ email: "gina@workspace.example", emailVerified: true, externalIds: [{ providerId: p.id, subject: "109000000000000000001" }] });
    const recreated = identity(p, { sub: "109000000000000000777", email: "gina@workspace.example", email_verified: true, hd: "workspace.example" });
    expect(await resolve(p, recreated)).toMatchObject({ ok: false, reason: "identity_conflict" });
    expect((await store.get<User>(keys.user(projectId, owner.id)))?.externalIds).toHaveLength(1);
  });

  it("concurrent first sign-ins of one person create exactly one user, with a linkable email or without", async () => {
    const p = okta();
    await mapDomain("okta.example", p.id);
    for (const who of [olivia(p), olivia(p, { sub: "00u1fedgate0uma00003", email: "uma@okta.example", email_verified: "false" })]) {
      const results = (await Promise.all(Array.from({ length: 10 }, () => resolve(p, who)))).map(ok);
      expect(results.filter((r) => r.outcome === "created")).toHaveLength(1);
      expect(new Set(results.map((r) => r.user.id)).size).toBe(1);
    }
    expect(await users()).toHaveLength(2);
  });

  it("concurrent first sign-ins linking one pre-provisioned email attach the identity once", async () => {
    const p = okta();
    await mapDomain("okta.example", p.id);
    const owner = await preProvision({ email: "olivia@okta.example", emailVerified: true });
    const results = (await Promise.all(Array.from({ length: 10 }, () => resolve(p, olivia(p))))).map(ok);
    expect(results.every((r) => r.outcome === "linked" && r.user.id === owner.id)).toBe(true);
    const stored = await users();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.externalIds).toEqual([{ providerId: "okta", subject: "00u1fedgate0olivia01" }]);
  });

  it("a first sign-in that loses the creation race returns the winner's user", async () => {
    const p = okta();
    await mapDomain("okta.example", p.id);
    let winner: User | undefined;
    const on = racing(async () => {
      winner = await preProvision({ email: "olivia@okta.example", emailVerified: true, externalIds: [{ providerId: p.id, subject: "00u1fedgate0olivia01" }] });
    });
    expect(ok(await resolve(p, olivia(p), on))).toMatchObject({ outcome: "linked", via: "subject", user: { id: winner!.id } });
    expect(await users()).toHaveLength(1);
  });

  it("an email link whose identity is taken meanwhile by another user re-resolves by subject", async () => {
    const p = okta();
    await mapDomain("okta.example", p.id);
    const owner = await preProvision({ email: "olivia@okta.example", emailVerified: true });
    let other: User | undefined;
    const on = racing(async () => (other = await preProvision({ externalIds: [{ providerId: p.id, subject: "00u1fedgate0olivia01" }] })));
    expect(ok(await resolve(p, olivia(p), on))).toMatchObject({ via: "subject", user: { id: other!.id } });
    expect((await store.get<User>(keys.user(projectId, owner.id)))?.externalIds).toEqual([]);
  });

  it("an email link whose user changed meanwhile attaches over the new version, losing nothing", async () => {
    const p = okta();
    await mapDomain("okta.example", p.id);
    const owner = await preProvision({ email: "olivia@okta.example", emailVerified: true, name: "Before" });
    const on = racing(async () => {
      const current = await store.getVersioned<User>(keys.user(projectId, owner.id));
      await saveUser(store, { ...current!.value, name: "Renamed" }, current);
    });
    const resolution = ok(await resolve(p, olivia(p), on));
    expect(resolution).toMatchObject({ via: "email", user: { id: owner.id, name: "Renamed" } });
    expect(await store.get<User>(keys.user(projectId, owner.id))).toMatchObject({ name: "Renamed", externalIds: [{ providerId: p.id, subject: "00u1fedgate0olivia01" }] });
  });
});
