/**
 * Just-in-time sync of a platform user with what their provider says, at every sign-in and token
 * exchange, once identity linking (linking.ts) has found or created the user:
 *
 * - `mappedRoles` become what the provider's role mappings grant now (roles.ts): replaced, never
 *   merged; none removes the field. Admin authority never comes from them (admin/auth.ts reads only
 *   the operator-assigned `roles`).
 * - With the provider's `updateProfile`, the name and email are refreshed from the identity; a claim
 *   the provider did not send keeps what is stored. A new email is stored verified only if it is
 *   linkable (RP-7, the rule at creation), else unverified; an unchanged address keeps its stored
 *   verification (so a sign-in with nothing new reads nothing more). A verified address another
 *   user holds is not taken: the old email stays, and the person signs in anyway.
 *
 * The user is written only when something changed, with compare-and-set over the version read
 * (`saveUser`); a concurrent change is read again and the sync applied to it, a few times.
 */
import type { Provider } from "../registry/providers";
import * as keys from "../store/keys";
import type { Store } from "../store/store";
import { mappedRolesFor } from "./roles";
import type { UpstreamIdentity } from "./upstream-identity";
import { getVersionedUser, saveUser, type User } from "./users";

/** What the sync reads: the provider, what it said, when, and (asked only when it matters) whether the email is linkable. */
export interface SyncSource {
  provider: Provider;
  identity: UpstreamIdentity;
  /** ISO 8601 timestamp for `updatedAt`. */
  now: string;
  /** Whether the identity's email may be stored verified (linking.ts: verified, and the provider authoritative for its domain). */
  linkable: () => Promise<boolean>;
}

const MAX_ATTEMPTS = 3;

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((item, i) => item === b[i]);

/**
 * `user` after this sign-in's sync, or null when nothing would change. `keepEmail`: the identity's
 * verified email turned out to be another user's, so the stored one stays.
 */
export async function profileAfter(user: User, source: SyncSource, keepEmail = false): Promise<User | null> {
  const { provider, identity } = source;
  const roles = mappedRolesFor(provider, identity);
  let { name, email, emailVerified } = user;
  if (provider.updateProfile) {
    if (identity.name !== null) name = identity.name;
    // Only a new address costs the linkability check (a domain read): an unchanged one keeps its verification.
    if (!keepEmail && identity.email !== null && identity.email !== user.email) [email, emailVerified] = [identity.email, await source.linkable()];
  }
  if (sameList(user.mappedRoles ?? [], roles) && name === user.name && email === user.email && emailVerified === user.emailVerified) return null;
  const { mappedRoles: _previous, ...rest } = user;
  return { ...rest, name, email, emailVerified, ...(roles.length > 0 ? { mappedRoles: roles } : {}), updatedAt: source.now };
}

/**
 * Syncs a user found for `source.identity` and returns it as stored; null when the user is gone
 * meanwhile (resolve again). Nothing is read or written beyond `found` when nothing changed. A
 * disabled user is returned as read, unwritten, for the caller to refuse. Past the attempts (the
 * record kept changing), the user as last read signs in unsynced.
 */
export async function syncUser(store: Store, found: User, source: SyncSource): Promise<User | null> {
  if (found.disabled || !(await profileAfter(found, source))) return found;
  let user = found;
  let keepEmail = false;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // The version for the compare-and-set: read once a write is due, and decided again over what it holds.
    const stored = await getVersionedUser(store, found.projectId, found.id);
    if (!stored) return null;
    user = stored.value;
    if (user.disabled) return user;
    const next = await profileAfter(user, source, keepEmail);
    if (!next) return user;
    const written = await saveUser(store, next, stored);
    if (written.ok) return next;
    // Another user holds (or is claiming) the new verified email: keep the old one. Else the record changed: again.
    if (next.email !== null && next.emailVerified && written.conflict === keys.userByEmail(next.projectId, next.email)) keepEmail = true;
  }
  return user;
}
