/**
 * Users spread over partitions (issue 12 item 3), on a real store: uniqueness of verified emails and
 * external identities across partitions under parallel writers, interrupted and slow writes,
 * detach/attach, and paging across partitions. Run on both adapters (users-durable-object.test.ts,
 * users-upstash.test.ts). Every test uses a fresh project.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { providerKind } from "../../src/federation/providers";
import { newProjectId, newUserId } from "../../src/ids";
import { resolveUser } from "../../src/identity/linking";
import { CLAIM_GRACE_MS, type UserClaim } from "../../src/identity/user-claims";
import { hasUsers, listUsers } from "../../src/identity/user-pages";
import { findUserByEmail, findUserByExternalId, getVersionedUser, saveUser, type User } from "../../src/identity/users";
import type { Provider } from "../../src/registry/providers";
import * as keys from "../../src/store/keys";
import { metered } from "../../src/store/metered";
import { partitionOf, StoreError, type Store } from "../../src/store/store";

const NOW = "2026-12-03T12:00:00.000Z";

export function usersContract(name: string, open: () => Store): void {
  describe(`users across partitions (${name})`, () => {
    const store = open();
    let projectId: string;
    beforeEach(() => {
      projectId = newProjectId();
    });

    const newUser = (fields: Partial<User> = {}): User => ({
      id: newUserId(), projectId, email: null, emailVerified: false, name: null, externalIds: [], disabled: false, createdAt: NOW, updatedAt: NOW, ...fields,
    });
    const all = async () => (await listUsers(store, projectId, { limit: 200 })).items.map((item) => item.value);
    const okta = (): Provider => ({
      id: "okta", projectId, name: "Okta", kind: "okta", issuer: "http://127.0.0.1:8788/okta", clientId: "c", clientSecretSealed: null, scopes: ["openid"],
      linkBy: "email", createUsers: true, exchange: { audiences: [], clientIds: [], acceptOpaqueTokens: false }, createdAt: NOW, updatedAt: NOW,
    });

    it("puts users, email claims and identity claims in hashed partitions shared by all projects, none in the project's", () => {
      const userKeys = Array.from({ length: 2_000 }, () => keys.user(projectId, newUserId()));
      const counts = new Map<string, number>();
      for (const key of userKeys) counts.set(partitionOf(key)!, (counts.get(partitionOf(key)!) ?? 0) + 1);
      expect(counts.size).toBe(keys.USER_PARTITIONS);
      expect(Math.max(...counts.values()) / userKeys.length).toBeLessThan(1 / 16);
      expect(partitionOf(keys.userByEmail(projectId, "a@example.com"))).toMatch(/^ue:\d+$/);
      expect(partitionOf(keys.userByExternalId(projectId, "okta", "00u1"))).toMatch(/^ux:\d+$/);
      // The same email in two projects: two claims, each naming its project.
      expect(keys.userByEmail(projectId, "a@example.com")).not.toBe(keys.userByEmail(`${projectId}x`, "a@example.com"));
      expect(partitionOf(userKeys[0]!)).not.toBe(`p:${projectId}`);
    });

    it("of parallel creations with one verified email, exactly one succeeds", async () => {
      const email = "ada@example.com";
      const writers = Array.from({ length: 12 }, () => newUser({ email, emailVerified: true }));
      const results = await Promise.all(writers.map((user) => saveUser(store, user)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const winner = writers[results.findIndex((r) => r.ok)]!;
      expect((await findUserByEmail(store, projectId, email))?.id).toBe(winner.id);
      expect((await all()).map((user) => user.id)).toEqual([winner.id]);
    });

    it("of parallel creations with one external identity, exactly one succeeds", async () => {
      const id = { providerId: "okta", subject: "00u1ada" };
      const writers = Array.from({ length: 12 }, () => newUser({ externalIds: [id] }));
      const results = await Promise.all(writers.map((user) => saveUser(store, user)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect((await findUserByExternalId(store, projectId, id))?.id).toBe(writers[results.findIndex((r) => r.ok)]!.id);
      expect(await all()).toHaveLength(1);
    });

    it("concurrent first sign-ins of one person (by email and by subject) create one user", async () => {
      const p = okta();
      await store.set(keys.domainMapping(projectId, "okta.example"), { domain: "okta.example", projectId, providerId: p.id, createdAt: NOW, updatedAt: NOW });
      const claims = { sub: "00u1olivia", email: "olivia@okta.example", email_verified: true, name: "Olivia" };
      const identity = providerKind("okta").normalise(claims, undefined, p);
      if (!identity.ok) throw new Error(identity.detail);
      const resolutions = await Promise.all(
        Array.from({ length: 8 }, () => resolveUser(store, { projectId, provider: p, identity: identity.value, authority: providerKind("okta"), now: NOW })),
      );
      expect(resolutions.every((r) => r.ok)).toBe(true);
      const ids = new Set(resolutions.map((r) => (r.ok ? r.user.id : "")));
      expect(ids.size).toBe(1);
      expect((await all()).map((user) => user.id)).toEqual([...ids]);
      expect(resolutions.filter((r) => r.ok && r.outcome === "created")).toHaveLength(1);
    });

    it("an interrupted creation (claim written, user not) blocks others only for the grace, and never once released", async () => {
      const email = "grace@example.com";
      const ghost = newUserId();
      await store.set(keys.userByEmail(projectId, email), { userId: ghost, at: Date.now() } satisfies UserClaim);
      const retry = newUser({ email, emailVerified: true });
      expect(await saveUser(store, retry)).toMatchObject({ ok: false, pending: true });
      expect(await saveUser(store, retry, null, () => Date.now() + CLAIM_GRACE_MS)).toMatchObject({ ok: true });
      expect((await findUserByEmail(store, projectId, email))?.id).toBe(retry.id);
      expect(await store.get<UserClaim>(keys.userByEmail(projectId, email))).toMatchObject({ userId: retry.id });
    });

    it("a sign-in retried after an interrupted one goes through", async () => {
      const p = { ...okta(), linkBy: "subject" as const };
      await store.set(keys.userByExternalId(projectId, p.id, "00u1retry"), { userId: newUserId(), at: Date.now() - CLAIM_GRACE_MS } satisfies UserClaim);
      const identity = providerKind("okta").normalise({ sub: "00u1retry" }, undefined, p);
      if (!identity.ok) throw new Error(identity.detail);
      const resolution = await resolveUser(store, { projectId, provider: p, identity: identity.value, authority: providerKind("okta"), now: NOW });
      expect(resolution).toMatchObject({ ok: true, outcome: "created" });
    });

    it("a failed user write releases its claims at once", async () => {
      const email = "failed@example.com";
      const existing = newUser();
      await saveUser(store, existing);
      // Over a version that is not the stored one: refused after its claims were taken.
      const stale = await saveUser(store, { ...existing, email, emailVerified: true }, { value: existing, version: "stale" });
      expect(stale).toMatchObject({ ok: false, conflict: keys.user(projectId, existing.id) });
      expect(await saveUser(store, newUser({ email, emailVerified: true }))).toMatchObject({ ok: true });
    });

    it("a writer slowed past the safe window that lost its claim undoes its write", async () => {
      const email = "slow@example.com";
      const slow = newUser({ email, emailVerified: true });
      const rival = newUser({ email, emailVerified: true });
      const t0 = Date.now();
      let clock = t0;
      let rivalResult: unknown;
      // The slow writer's own user write is held up until the rival, past the grace, takes the claim over.
      const stalled = new Proxy(store, {
        get(target, name: keyof Store) {
          const method = (target[name] as (...args: unknown[]) => unknown).bind(target);
          if (name !== "set") return method;
          return async (key: string, ...rest: unknown[]) => {
            if (key === keys.user(projectId, slow.id)) {
              rivalResult = await saveUser(store, rival, null, () => t0 + CLAIM_GRACE_MS + 1);
              clock = t0 + CLAIM_GRACE_MS + 2;
            }
            return method(key, ...rest);
          };
        },
      });
      expect(await saveUser(stalled, slow, null, () => clock)).toMatchObject({ ok: false, conflict: keys.userByEmail(projectId, email) });
      expect(rivalResult).toMatchObject({ ok: true });
      expect((await findUserByEmail(store, projectId, email))?.id).toBe(rival.id);
      expect((await all()).map((user) => user.id)).toEqual([rival.id]);
    });

    it("detaches an identity and attaches it to another user at once; the cached holder follows", async () => {
      const id = { providerId: "okta", subject: "00u1moved" };
      const first = newUser({ externalIds: [id] });
      const second = newUser();
      await saveUser(store, first);
      await saveUser(store, second);
      expect((await findUserByExternalId(store, projectId, id))?.id).toBe(first.id); // cached in this isolate now

      const stored = (await getVersionedUser(store, projectId, first.id))!;
      expect(await saveUser(store, { ...first, externalIds: [] }, stored)).toMatchObject({ ok: true });
      expect(await findUserByExternalId(store, projectId, id)).toBeNull();
      const secondStored = (await getVersionedUser(store, projectId, second.id))!;
      expect(await saveUser(store, { ...second, externalIds: [id] }, secondStored)).toMatchObject({ ok: true });
      expect((await findUserByExternalId(store, projectId, id))?.id).toBe(second.id);

      const back = (await getVersionedUser(store, projectId, first.id))!;
      expect(await saveUser(store, { ...back.value, externalIds: [id] }, back)).toMatchObject({ ok: false, conflict: keys.userByExternalId(projectId, "okta", "00u1moved") });
    });

    it("finds a known identity's user in one round trip, the first time in two", async () => {
      const id = { providerId: "okta", subject: "00u1warm" };
      const user = newUser({ externalIds: [id] });
      await saveUser(store, user);
      const meter = { roundTrips: 0, ms: 0 };
      const counted = metered(store, meter);
      expect((await findUserByExternalId(counted, projectId, id))?.id).toBe(user.id);
      expect(meter.roundTrips).toBe(2);
      expect((await findUserByExternalId(counted, projectId, id))?.id).toBe(user.id);
      expect(meter.roundTrips).toBe(3);
      expect(await findUserByExternalId(counted, projectId, { providerId: "okta", subject: "00u1nobody" })).toBeNull();
      expect(meter.roundTrips).toBe(4);
    });

    it("keeps an identity's claim when the user is changed otherwise, and a renamed email frees the old one", async () => {
      const user = newUser({ email: "old@example.com", emailVerified: true, externalIds: [{ providerId: "okta", subject: "00u1keep" }] });
      await saveUser(store, user);
      const stored = (await getVersionedUser(store, projectId, user.id))!;
      expect(await saveUser(store, { ...user, name: "Renamed", email: "new@example.com" }, stored)).toMatchObject({ ok: true });
      expect((await findUserByExternalId(store, projectId, { providerId: "okta", subject: "00u1keep" }))?.name).toBe("Renamed");
      expect((await findUserByEmail(store, projectId, "new@example.com"))?.id).toBe(user.id);
      expect(await findUserByEmail(store, projectId, "old@example.com")).toBeNull();
      expect(await saveUser(store, newUser({ email: "old@example.com", emailVerified: true }))).toMatchObject({ ok: true });
    });

    it("pages through users across partitions, each once, with any page size", async () => {
      expect(await hasUsers(store, projectId)).toBe(false);
      expect(await listUsers(store, projectId)).toEqual({ items: [] });
      const created = Array.from({ length: 45 }, () => newUser());
      await Promise.all(created.map((user) => saveUser(store, user)));
      expect(await hasUsers(store, projectId)).toBe(true);
      for (const limit of [1, 7, 45, 200]) {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await listUsers(store, projectId, { limit, ...(cursor ? { cursor } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(limit);
          seen.push(...page.items.map((item) => item.value.id));
          cursor = page.cursor;
          pages++;
        } while (cursor && pages < 100);
        expect(seen.sort()).toEqual(created.map((user) => user.id).sort());
        if (limit >= 45) expect(pages).toBe(1);
      }
    });

    it("refuses a cursor it did not hand out", async () => {
      for (const cursor of ["{u:3}user:prj_other:x", `{u:64}user:${projectId}:`, `{u:${projectId}:3}user:x`, `{p:${projectId}}user:x`, "junk"]) {
        await expect(listUsers(store, projectId, { cursor })).rejects.toThrow(StoreError);
      }
    });
  });
}
