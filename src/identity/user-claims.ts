/**
 * Unique user indexes across partitions. A verified email or an external identity is held by at
 * most one user of a project; the index key lives in another partition than the user (keys.ts), so
 * no single write can keep the two in step. Instead the index is *claimed* first, then the user is
 * written (users.ts `saveUser`):
 *
 * - A claim names a user and when it was made (`UserClaim`). It is *held* while that user's record
 *   carries the index; a claim not held is *pending* for CLAIM_GRACE_MS after it was made (its
 *   writer may be about to write the user), and free after that, or at once when released.
 * - Claiming writes the key if absent, else takes it over with compare-and-set on the version read,
 *   after checking it is neither held nor pending. Re-claiming one's own key rewrites it too, so a
 *   concurrent takeover that read the old version fails.
 * - A writer whose user write lands within SAFE_WRITE_MS of its claims cannot have lost them (a
 *   takeover needs CLAIM_GRACE_MS to pass first, and reads the user after that); a slower writer
 *   re-reads its claims and undoes its write if one was taken.
 * - A failed write releases its claims; an interrupted one (the isolate died between claim and
 *   write) blocks nobody longer than CLAIM_GRACE_MS. A claim that names a user who no longer holds
 *   the index is never trusted by readers: lookups check the user's record.
 */
import type { Store } from "../store/store";

/** What an index key holds: the user who claimed it and when (ms; 0 once released). */
export interface UserClaim {
  userId: string;
  at: number;
}

/** How long a claim not (yet) backed by its user's record blocks others. */
export const CLAIM_GRACE_MS = 10_000;
/** A write that took longer than this after its claims re-checks them (half the grace: room for clock skew). */
export const SAFE_WRITE_MS = CLAIM_GRACE_MS / 2;

/** Whether the user a claim names still holds `indexKey` (reads that user's record). */
export type HeldBy = (claim: UserClaim, indexKey: string) => Promise<boolean>;

export type Claimed = { ok: true } | { ok: false; conflict: string; pending: boolean };

const ATTEMPTS = 3;

/** Claims `indexKey` for `userId`, per the module's rules; refused if another user holds it or is claiming it. */
export async function claimIndex(store: Store, indexKey: string, userId: string, heldBy: HeldBy, now: () => number): Promise<Claimed> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if ((await store.set(indexKey, { userId, at: now() } satisfies UserClaim, { ifAbsent: true })).ok) return { ok: true };
    const stored = await store.getVersioned<UserClaim>(indexKey);
    if (!stored) continue;
    if (stored.value.userId !== userId) {
      // The time is taken before the holder is read: a user written before it is seen.
      const checkedAt = now();
      if (await heldBy(stored.value, indexKey)) return { ok: false, conflict: indexKey, pending: false };
      if (checkedAt - stored.value.at < CLAIM_GRACE_MS) return { ok: false, conflict: indexKey, pending: true };
    }
    if ((await store.compareAndSet(indexKey, stored.version, { userId, at: now() } satisfies UserClaim)).ok) return { ok: true };
  }
  return { ok: false, conflict: indexKey, pending: true };
}

/** Releases `userId`'s claim on `indexKey` (free at once for others); a claim another user took is left alone. Best effort. */
export async function releaseIndex(store: Store, indexKey: string, userId: string): Promise<void> {
  const stored = await store.getVersioned<UserClaim>(indexKey).catch(() => null);
  if (stored?.value.userId !== userId || stored.value.at === 0) return;
  await store.compareAndSet(indexKey, stored.version, { userId, at: 0 } satisfies UserClaim).catch(() => undefined);
}

/** The first of `indexKeys` whose claim no longer names `userId`, or undefined when all still do. One round trip. */
export async function lostClaim(store: Store, indexKeys: readonly string[], userId: string): Promise<string | undefined> {
  if (indexKeys.length === 0) return undefined;
  const claims = await store.getManyVersioned<UserClaim>(indexKeys);
  return indexKeys.find((_, i) => claims[i]?.value.userId !== userId);
}
