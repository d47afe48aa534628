/**
 * Platform users of a project. A user is found by a verified email (unique per project) or by an
 * external identity (provider + subject, unique per project). Users and both indexes are spread
 * over many partitions by a hash (store/keys.ts), so no tenant has a hot object; uniqueness across
 * partitions is claimed index-first (user-claims.ts). Unverified emails are kept but never indexed:
 * they prove nothing and must not block the real owner (SECURITY.md RP-7).
 */
import * as keys from "../store/keys";
import type { Store, Versioned } from "../store/store";
import { claimIndex, lostClaim, releaseIndex, SAFE_WRITE_MS, type HeldBy, type UserClaim } from "./user-claims";

export interface ExternalId {
  providerId: string;
  subject: string;
}

export interface User {
  id: string;
  projectId: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  externalIds: ExternalId[];
  disabled: boolean;
  /**
   * Admin roles (admin/auth.ts), read only on users of the operator project (CONSOLE_PROJECT_ID):
   * `operator` (every project) or `admin:<projectId>`. Absent: none.
   */
  roles?: string[];
  /**
   * Roles the signing-in provider's role mappings granted at the person's last sign-in or exchange
   * (identity/roles.ts); replaced each time. Tokens carry these with `roles`; admin authority never
   * comes from them (a mapping is project configuration, and must not make anyone an operator).
   */
  mappedRoles?: string[];
  createdAt: string;
  updatedAt: string;
}

/** The roles tokens carry for a user: assigned and mapped, once each, in order. */
export function effectiveRoles(user: Pick<User, "roles" | "mappedRoles">): string[] {
  return [...new Set([...(user.roles ?? []), ...(user.mappedRoles ?? [])])];
}

/** A user write's outcome; `pending` when the index in the way is being claimed by a write in flight. */
export type SaveResult = { ok: true; version: string } | { ok: false; conflict: string; pending?: boolean };

/** Email addresses compare case-insensitively in practice; store and index them lower-cased. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** The index keys a user holds. */
function userIndexes(user: User): string[] {
  const indexes = user.externalIds.map((id) => keys.userByExternalId(user.projectId, id.providerId, id.subject));
  if (user.email && user.emailVerified) indexes.push(keys.userByEmail(user.projectId, user.email));
  return indexes;
}

const holds = (user: User | null, indexKey: string): user is User => user !== null && userIndexes(user).includes(indexKey);

const heldBy = (store: Store, projectId: string): HeldBy => async (claim, indexKey) =>
  holds(await store.get<User>(keys.user(projectId, claim.userId)), indexKey);

/**
 * Writes a user: new (`previous` null: refused if the id exists) or over the version read. Claims
 * the indexes it gains first, refused if another user holds (or is claiming) its verified email or
 * an external identity; releases those it drops afterwards.
 */
export async function saveUser(store: Store, user: User, previous: Versioned<User> | null = null, now: () => number = Date.now): Promise<SaveResult> {
  const key = keys.user(user.projectId, user.id);
  const before = previous ? userIndexes(previous.value) : [];
  const after = userIndexes(user);
  const gained = after.filter((index) => !before.includes(index));
  const dropped = before.filter((index) => !after.includes(index));
  const release = (indexes: string[]) => Promise.all(indexes.map((index) => releaseIndex(store, index, user.id)));

  const startedAt = now();
  const claims = await Promise.allSettled(gained.map((index) => claimIndex(store, index, user.id, heldBy(store, user.projectId), now)));
  const refused = claims.find((claim) => claim.status === "rejected" || !claim.value.ok);
  if (refused) {
    await release(gained.filter((_, i) => claims[i]!.status === "fulfilled"));
    if (refused.status === "rejected") throw refused.reason;
    return refused.value as Extract<SaveResult, { ok: false }>;
  }

  let written;
  try {
    written = previous ? await store.compareAndSet(key, previous.version, user) : await store.set(key, user, { ifAbsent: true });
  } catch (error) {
    await release(gained);
    throw error;
  }
  if (!written.ok) {
    await release(gained);
    return written;
  }
  // Slow enough that a claim may have been taken over meanwhile: check, and undo the write if so.
  if (now() - startedAt >= SAFE_WRITE_MS) {
    const lost = await lostClaim(store, gained, user.id);
    if (lost !== undefined) {
      await (previous ? store.compareAndSet(key, written.version, previous.value) : store.delete(key));
      await release(gained);
      return { ok: false, conflict: lost };
    }
  }
  await release(dropped);
  return written;
}

/** The user holding `indexKey`: its claim, then the user it names, who must still hold it. Two round trips. */
async function holderOf(store: Store, projectId: string, indexKey: string): Promise<User | null> {
  const claim = await store.get<UserClaim>(indexKey);
  if (!claim) return null;
  const user = await store.get<User>(keys.user(projectId, claim.userId));
  return holds(user, indexKey) ? user : null;
}

export function findUserByEmail(store: Store, projectId: string, email: string): Promise<User | null> {
  return holderOf(store, projectId, keys.userByEmail(projectId, normaliseEmail(email)));
}

/**
 * Which user holds an external identity, in this isolate usually from memory: an identity's user
 * changes only when an admin detaches it, so the user id is cached and checked against the user's
 * record, read in one round trip (a cached user who no longer holds it is forgotten and the index
 * read again).
 */
const knownHolders = new Map<string, string>();
const MAX_KNOWN_HOLDERS = 50_000;

export async function findUserByExternalId(store: Store, projectId: string, id: ExternalId): Promise<User | null> {
  const indexKey = keys.userByExternalId(projectId, id.providerId, id.subject);
  const cached = knownHolders.get(indexKey);
  if (cached !== undefined) {
    const user = await store.get<User>(keys.user(projectId, cached));
    if (holds(user, indexKey)) return user;
    knownHolders.delete(indexKey);
  }
  const user = await holderOf(store, projectId, indexKey);
  if (user) {
    if (knownHolders.size >= MAX_KNOWN_HOLDERS) knownHolders.delete(knownHolders.keys().next().value!);
    knownHolders.set(indexKey, user.id);
  }
  return user;
}

export function getUser(store: Store, projectId: string, userId: string): Promise<User | null> {
  return store.get<User>(keys.user(projectId, userId));
}

/** A user with the version read, for a later `saveUser` over it. */
export function getVersionedUser(store: Store, projectId: string, userId: string): Promise<Versioned<User> | null> {
  return store.getVersioned<User>(keys.user(projectId, userId));
}
