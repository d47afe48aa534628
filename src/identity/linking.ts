/**
 * Who a verified upstream identity is on the platform (SECURITY.md RP-7, issue 5 item 3).
 *
 * 1. By external identity (provider id + `sub`): always, whatever the provider's `linkBy`.
 * 2. Only for `linkBy: "email"`, by email, if the email is *linkable*: `emailVerified === true` and
 *    the provider is authoritative for its domain (`isAuthoritativeFor`: the project's mapping of
 *    the domain names this provider, and a kind with its own rule, Google, satisfies it; a domain
 *    mapped to another provider is never this one's). The identity is attached to that user with
 *    compare-and-set, unless the user already holds another subject of this provider (a recreated
 *    account on a lapsed domain, say): then `identity_conflict`.
 * 3. Otherwise a new user if the provider `createUsers`, else `not_provisioned`. The new user keeps
 *    the email; it is stored verified (and so indexed, claimable by later email links) only if it
 *    was linkable, else unverified and unindexed, so an address nobody proved cannot claim or block
 *    its real owner. A `linkBy: "subject"` provider's emails are therefore always stored unverified.
 * A disabled user is refused however found. Concurrent first sign-ins of one person create one
 * user: the indexes are claimed before the user is written (user-claims.ts), so the losers' writes
 * are refused; they resolve again (after a short wait while the winner's write is in flight) and
 * find the winner.
 *
 * However found or created, the user is then synced with the identity (profile-sync.ts: mapped roles,
 * and with `updateProfile` the name and email), in the same write as a creation or an attachment.
 */
import { domainOfEmail, isAuthoritativeFor, type EmailAuthority } from "./email-domain";
import { profileAfter, syncUser, type SyncSource } from "./profile-sync";
import { mappedRolesFor } from "./roles";
import type { UpstreamIdentity } from "./upstream-identity";
import { newUserId } from "../ids";
import { normaliseDomain, readDomainMapping } from "../registry/domains";
import type { Provider } from "../registry/providers";
import type { Store } from "../store/store";
import { findUserByEmail, findUserByExternalId, getVersionedUser, saveUser, type ExternalId, type User } from "./users";

type LinkRefusalReason =
  /** The person's platform account is disabled. */
  | "user_disabled"
  /** No user matches, and the provider does not create users on first sign-in. */
  | "not_provisioned"
  /** The email's user already holds a different subject of this provider. */
  | "identity_conflict"
  /** The user records kept changing under us; the sign-in may be retried. */
  | "contention";

export type Resolution =
  | { ok: true; outcome: "linked" | "created"; via: "subject" | "email" | "new"; user: User }
  | { ok: false; reason: LinkRefusalReason; message: string };

/** Messages safe to show on the error page: they name no account, address or provider detail. */
const REFUSAL_MESSAGES: Record<LinkRefusalReason, string> = {
  user_disabled: "Your account has been disabled. Contact your administrator.",
  not_provisioned: "You do not have an account here yet. Ask your administrator to give you access.",
  identity_conflict: "This sign-in cannot be matched to your account. Contact your administrator.",
  contention: "We could not complete your sign-in. Please try again.",
};

export interface ResolveInput {
  projectId: string;
  provider: Provider;
  identity: UpstreamIdentity;
  /** The provider kind's own rule on email domains (federation/providers: `providerKind(provider.kind)`). */
  authority: EmailAuthority;
  /** ISO 8601 timestamp for the records written. */
  now: string;
}

const MAX_ATTEMPTS = 5;
/** How long a loser waits, times its attempt, for a rival's write in flight to land. */
const PENDING_WAIT_MS = 20;

/** A short wait before resolving again, growing with the attempt. */
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, PENDING_WAIT_MS * (attempt + 1)));

const refuse = (reason: LinkRefusalReason): Resolution => ({ ok: false, reason, message: REFUSAL_MESSAGES[reason] });

/** A found user is returned unless disabled. */
const found = (user: User, via: "subject" | "email", outcome: "linked" | "created" = "linked"): Resolution =>
  user.disabled ? refuse("user_disabled") : { ok: true, outcome, via, user };

/**
 * Whether `identity`'s email may link or be stored verified: verified, and the provider authoritative
 * for its domain (RP-7). Reads the domain mapping from the store, uncached: a remapped domain takes
 * effect at once, and the read happens only on a first sign-in (or when `updateProfile` offers a
 * new address).
 */
async function isLinkableEmail(store: Store, provider: Provider, identity: UpstreamIdentity, authority: EmailAuthority): Promise<boolean> {
  if (provider.linkBy !== "email" || identity.emailVerified !== true || identity.email === null) return false;
  const domain = normaliseDomain(domainOfEmail(identity.email));
  if (domain === undefined) return false;
  const mapping = await readDomainMapping(store, provider.projectId, domain);
  return isAuthoritativeFor(authority, identity, domain, mapping, provider);
}

/** The sync's view of a sign-in; whether the email is linkable is read once, only if asked. */
function syncSource(store: Store, input: ResolveInput): SyncSource {
  let linkable: Promise<boolean> | undefined;
  return {
    provider: input.provider, identity: input.identity, now: input.now,
    linkable: () => (linkable ??= isLinkableEmail(store, input.provider, input.identity, input.authority)),
  };
}

/**
 * A user the identity already names (the token exchange's fast path: `findUserByExternalId`), synced
 * as at sign-in; null when the user is gone meanwhile. No store access when nothing changed.
 */
export function syncKnownUser(store: Store, input: ResolveInput, user: User): Promise<User | null> {
  return syncUser(store, user, syncSource(store, input));
}

/**
 * Finds or creates the platform user for a verified upstream identity, per the module's rules, and
 * returns it synced with the identity (profile-sync.ts).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClaimStability
 */
export async function resolveUser(store: Store, input: ResolveInput): Promise<Resolution> {
  const { projectId, provider, identity } = input;
  if (provider.projectId !== projectId) throw new Error(`provider ${provider.id} is not in project ${projectId}`);
  const externalId: ExternalId = { providerId: provider.id, subject: identity.subject };
  const source = syncSource(store, input);

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const bySubject = await findUserByExternalId(store, projectId, externalId);
    if (bySubject) {
      const synced = await syncUser(store, bySubject, source);
      if (synced) return found(synced, "subject");
      continue;
    }

    const linkable = await source.linkable();
    if (linkable) {
      const byEmail = await findUserByEmail(store, projectId, identity.email!);
      if (byEmail) {
        if (byEmail.disabled) return refuse("user_disabled");
        const attached = await attach(store, byEmail, externalId, source);
        if (attached === "retry") continue;
        if (attached === "pending") {
          await pause(attempt);
          continue;
        }
        return attached;
      }
    }

    if (!provider.createUsers) return refuse("not_provisioned");
    const user: User = {
      id: newUserId(), projectId,
      email: identity.email, emailVerified: linkable, name: identity.name,
      externalIds: [externalId], disabled: false, ...withRoles(mappedRolesFor(provider, identity)), createdAt: input.now, updatedAt: input.now,
    };
    // A taken index (this identity, or this verified email) means someone won a race: resolve again.
    const written = await saveUser(store, user, null);
    if (written.ok) return { ok: true, outcome: "created", via: "new", user };
    if (written.pending) await pause(attempt);
  }
  return refuse("contention");
}

const withRoles = (roles: string[]): Pick<User, "mappedRoles"> => (roles.length > 0 ? { mappedRoles: roles } : {});

/** Adds the external identity to the user found by email, synced, in one write over the version read (compare-and-set). */
async function attach(store: Store, candidate: User, externalId: ExternalId, source: SyncSource): Promise<Resolution | "retry" | "pending"> {
  const stored = await getVersionedUser(store, candidate.projectId, candidate.id);
  // Gone, disabled, or no longer holding the email since the index read: decide again from scratch.
  if (!stored || stored.value.disabled || stored.value.email !== candidate.email || !stored.value.emailVerified) return "retry";
  const user = stored.value;
  const holds = user.externalIds.some((id) => id.providerId === externalId.providerId && id.subject === externalId.subject);
  if (!holds && user.externalIds.some((id) => id.providerId === externalId.providerId)) return refuse("identity_conflict");
  const linked: User = holds ? user : { ...user, externalIds: [...user.externalIds, externalId], updatedAt: source.now };
  const next = (await profileAfter(linked, source)) ?? linked;
  if (next === user) return found(user, "email");
  const written = await saveUser(store, next, stored);
  // Lost to a concurrent change of this user, or another user took the identity: resolve again.
  if (written.ok) return { ok: true, outcome: "linked", via: "email", user: next };
  return written.pending ? "pending" : "retry";
}

/** What `resolveUser` would decide for an identity, found without writing anything (the console's test sign-in). */
export type LinkPreview =
  | { decision: "link"; via: "subject" | "email"; userId: string; linkableEmail: boolean }
  | { decision: "create"; linkableEmail: boolean }
  | { decision: "refuse"; reason: LinkRefusalReason; userId?: string; linkableEmail: boolean };

/**
 * The decision `resolveUser` would take now, by the same rules, read-only: no user is created and no
 * identity attached. A race it would resolve by retrying is not foreseen; the verdict is the rule's.
 */
export async function previewResolution(store: Store, input: Omit<ResolveInput, "now">): Promise<LinkPreview> {
  const { projectId, provider, identity } = input;
  if (provider.projectId !== projectId) throw new Error(`provider ${provider.id} is not in project ${projectId}`);
  const linkableEmail = await isLinkableEmail(store, provider, identity, input.authority);
  const bySubject = await findUserByExternalId(store, projectId, { providerId: provider.id, subject: identity.subject });
  if (bySubject) {
    return bySubject.disabled
      ? { decision: "refuse", reason: "user_disabled", userId: bySubject.id, linkableEmail }
      : { decision: "link", via: "subject", userId: bySubject.id, linkableEmail };
  }
  if (linkableEmail) {
    const byEmail = await findUserByEmail(store, projectId, identity.email!);
    if (byEmail) {
      if (byEmail.disabled) return { decision: "refuse", reason: "user_disabled", userId: byEmail.id, linkableEmail };
      if (byEmail.externalIds.some((id) => id.providerId === provider.id)) return { decision: "refuse", reason: "identity_conflict", userId: byEmail.id, linkableEmail };
      return { decision: "link", via: "email", userId: byEmail.id, linkableEmail };
    }
  }
  return provider.createUsers ? { decision: "create", linkableEmail } : { decision: "refuse", reason: "not_provisioned", linkableEmail };
}
