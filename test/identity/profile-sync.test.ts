/**
 * The sync after linking (identity/profile-sync.ts) on the real Durable Object store, where HTTP
 * cannot see it: how many store calls a sign-in costs, races with another writer, and one write for
 * a creation or an attachment. Behaviour over HTTP: test/federation/groups-to-roles.test.ts.
 */
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { providerKind, type Claims } from "../../src/federation/providers";
import { newProjectId, newUserId } from "../../src/ids";
import { resolveUser, syncKnownUser, type Resolution } from "../../src/identity/linking";
import type { UpstreamIdentity } from "../../src/identity/upstream-identity";
import { getVersionedUser, saveUser, type User } from "../../src/identity/users";
import type { DomainMapping } from "../../src/registry/domains";
import type { Provider } from "../../src/registry/providers";
import { DurableObjectStore } from "../../src/store/durable-object";
import * as keys from "../../src/store/keys";
import type { Store } from "../../src/store/store";

const store = new DurableObjectStore(env.STORE);
const NOW = "2026-12-03T12:00:00.000Z";
let projectId: string;
// The store's first call starts it: seconds the first test's own budget should not pay.
beforeAll(() => store.get(keys.user(newProjectId(), "usr_warm_up")), 30_000);
beforeEach(() => {
  projectId = newProjectId();
});

const okta = (extra: Partial<Provider> = {}): Provider => ({
  id: "okta", projectId, name: "okta", kind: "okta", issuer: "http://127.0.0.1:8788/okta", clientId: "c", clientSecretSealed: null, scopes: ["openid"],
  linkBy: "email", createUsers: true, exchange: { audiences: [], clientIds: [], acceptOpaqueTokens: false }, createdAt: NOW, updatedAt: NOW,
  roleMappings: [{ group: "Engineering", role: "eng" }], ...extra,
});
const olivia = (p: Provider, extra: Claims = {}): UpstreamIdentity => {
  const result = providerKind(p.kind).normalise({ sub: "00u1olivia", email: "olivia@okta.example", email_verified: true, name: "Olivia Okta", groups: ["Engineering"], ...extra }, undefined, p);
  if (!result.ok) throw new Error(result.detail);
  return result.value;
};
const input = (p: Provider, who: UpstreamIdentity) => ({ projectId, provider: p, identity: who, authority: providerKind(p.kind), now: NOW });

/** The store, counting calls by method, with `before` run ahead of each compare-and-set (a rival writer). */
function counted(before?: () => Promise<unknown>): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(store, {
    get(target, name: keyof Store) {
      const method = (target[name] as (...args: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        calls.push(`${String(name)} ${String(args[0]).replace(/\}.*$/, "}")}`);
        if (name === "compareAndSet" && String(args[0]) === keys.user(projectId, (args[2] as User | undefined)?.id ?? "") && before) await before();
        return method(...args);
      };
    },
  });
  return { store: proxy, calls };
}

function ok(resolution: Resolution) {
  if (resolution.ok) return resolution;
  throw new Error(`refused: ${resolution.reason}`);
}

async function provision(fields: Partial<User>): Promise<User> {
  const user: User = { id: newUserId(), projectId, email: null, emailVerified: false, name: null, externalIds: [], disabled: false, createdAt: NOW, updatedAt: NOW, ...fields };
  const written = await saveUser(store, user, null);
  if (!written.ok) throw new Error(`provisioning failed on ${written.conflict}`);
  return user;
}

describe("profile sync", () => {
  it("creates a new user with its mapped roles in the one write that creates it", async () => {
    const p = okta();
    const { store: watched, calls } = counted();
    const created = ok(await resolveUser(watched, input(p, olivia(p))));
    expect(created).toMatchObject({ outcome: "created", user: { mappedRoles: ["eng"] } });
    expect(calls.filter((call) => /^(set|compareAndSet) \{u:/.test(call))).toHaveLength(1);
    expect((await getVersionedUser(store, projectId, created.user.id))?.value.mappedRoles).toEqual(["eng"]);
  });

  it("attaches an identity found by email and syncs it in the same write", async () => {
    const p = okta({ updateProfile: true });
    await store.set(keys.domainMapping(projectId, "okta.example"), { domain: "okta.example", projectId, providerId: p.id, createdAt: NOW, updatedAt: NOW } satisfies DomainMapping);
    const owner = await provision({ email: "olivia@okta.example", emailVerified: true, name: "Old name" });
    const { store: watched, calls } = counted();
    const linked = ok(await resolveUser(watched, input(p, olivia(p))));
    expect(linked).toMatchObject({ via: "email", user: { id: owner.id, name: "Olivia Okta", mappedRoles: ["eng"] } });
    expect(calls.filter((call) => call.startsWith("compareAndSet {u:"))).toHaveLength(1);
  });

  it("a known user whose roles and profile are unchanged costs no store call at all (the exchange's fast path)", async () => {
    const p = okta({ updateProfile: true });
    const user = ok(await resolveUser(store, input(p, olivia(p)))).user;
    const { store: watched, calls } = counted();
    expect(await syncKnownUser(watched, input(p, olivia(p)), user)).toEqual(user);
    expect(calls).toEqual([]);
  });

  it("a concurrent change of the user is read again and kept, the sync applied over it", async () => {
    const p = okta();
    const user = ok(await resolveUser(store, input(p, olivia(p, { groups: [] })))).user;
    expect(user).not.toHaveProperty("mappedRoles");
    let raced = false;
    const { store: watched } = counted(async () => {
      if (raced) return;
      raced = true;
      // An administrator renames the user between the sync's read and its write.
      const stored = (await getVersionedUser(store, projectId, user.id))!;
      expect((await saveUser(store, { ...stored.value, name: "Renamed by an admin" }, stored)).ok).toBe(true);
    });
    const synced = await syncKnownUser(watched, input(p, olivia(p)), user);
    expect(raced).toBe(true);
    expect(synced).toMatchObject({ name: "Renamed by an admin", mappedRoles: ["eng"] });
    expect((await getVersionedUser(store, projectId, user.id))?.value).toMatchObject({ name: "Renamed by an admin", mappedRoles: ["eng"] });
  });

  it("a user disabled meanwhile is returned as read, unwritten, for the caller to refuse", async () => {
    const p = okta();
    const user = ok(await resolveUser(store, input(p, olivia(p, { groups: [] })))).user;
    const stored = (await getVersionedUser(store, projectId, user.id))!;
    await saveUser(store, { ...stored.value, disabled: true }, stored);
    const synced = await syncKnownUser(store, input(p, olivia(p)), user);
    expect(synced).toMatchObject({ disabled: true });
    expect(synced).not.toHaveProperty("mappedRoles");
    expect(await resolveUser(store, input(p, olivia(p)))).toMatchObject({ ok: false, reason: "user_disabled" });
  });

  it("a user deleted meanwhile is gone (null), not written back", async () => {
    const p = okta();
    const user = ok(await resolveUser(store, input(p, olivia(p, { groups: [] })))).user;
    await store.delete(keys.user(projectId, user.id));
    expect(await syncKnownUser(store, input(p, olivia(p)), user)).toBeNull();
    expect(await getVersionedUser(store, projectId, user.id)).toBeNull();
  });
});
