/**
 * What the grants that take an upstream provider's token share: token exchange (RFC 8693) and the
 * JWT bearer grant (RFC 7523 §2.1). One implementation, so both judge, link and audit alike:
 *
 * - Who may: a client with the grant (the token endpoint checks); a public client only where its
 *   project's `tokenExchange.allowPublicClients` allows it.
 * - Which providers: the client's own, else its project's (`candidatesFor`); the token is judged by
 *   the provider that issued it (federation/subject-token.ts: RP-6, RP-9).
 * - An ID token is single use (its `jti` is remembered until it expires), across both grants.
 * - The person is found by the provider's subject first (warm: one store read, no upstream call);
 *   seen for the first time, they are linked by the same rules as a sign-in (identity/linking.ts,
 *   RP-7), from the ID token's claims or the provider's userinfo. Either way the user is synced as at
 *   sign-in (identity/profile-sync.ts: mapped roles, and the profile with `updateProfile`) from the
 *   token's claims; a known person whose token brought none (an opaque token judged by introspection
 *   or tokeninfo) is left as is rather than cost an upstream call.
 * - The token: `sub` the platform user, `aud` as requested (issue.ts `requestedAudience`); a refresh
 *   token only when `offline_access` is granted to a client allowed to refresh.
 * - Every outcome is audited as `token.exchange` with `after.grant`, so one report counts both grants:
 *   on success `target` the user and `after.provider`; on failure `target` the provider when known
 *   and `reason` the internal reason.
 * The grants differ only in how they answer an unacceptable token (`UpstreamGrantKind`).
 */
import type { Context } from "hono";
import { sha256 } from "../../encoding";
import type { AppEnv } from "../../env";
import { OAuthError, type OAuthErrorCode } from "../../errors";
import { providerKind, SubjectTokenError, userinfoClaims, type UpstreamSubject } from "../../federation";
import { previewResolution, resolveUser, syncKnownUser } from "../../identity/linking";
import { effectiveRoles, findUserByExternalId, type User } from "../../identity/users";
import type { Client } from "../../registry/clients";
import { findProject } from "../../registry/projects";
import { findProjectProviders, type Provider } from "../../registry/providers";
import { auditLater } from "../../security/audit";
import { Sealer } from "../../security/encryption";
import * as keys from "../../store/keys";
import { exchangeSeed, grantIdFor } from "../../tokens/grants";
import { issueTokens, recordGrant, wantsRefresh, withRefreshToken, type TokenResponse } from "../issue";
import { isShadow, wouldIssue, type ShadowAnswer } from "./shadow";

/** How a grant answers what both grants refuse; everything else is shared. */
export interface UpstreamGrantKind {
  /** Audited as `after.grant`. */
  grant: "token-exchange" | "jwt-bearer";
  /** An unacceptable token: RFC 8693 §2.2.2 says `invalid_request`, RFC 7523 §3.1 `invalid_grant`. */
  refusedToken: "invalid_request" | "invalid_grant";
  /** What the grant calls the token in its descriptions (the judge says "subject token"). */
  wording(description: string): string;
  /** Descriptions of this module's own refusals. */
  messages: {
    publicClient: string;
    replayed: string;
    idTokenWithoutEmail: string;
  };
}

/** Refuses the request: the error handler answers it and audits it (`token.exchange`) with its internal reason. */
export type Refuse = (error: OAuthErrorCode, description: string, reason: string, options?: { status?: 400 | 503; providerId?: string | undefined }) => OAuthError;

export const refusalsFor = (client: Client, kind: UpstreamGrantKind): Refuse => (error, description, reason, { status = 400, providerId } = {}) =>
  new OAuthError(error, description, status, {
    detail: reason,
    ...(status === 503 ? { headers: { "Retry-After": "5" } } : {}),
    audit: {
      projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.exchange",
      target: providerId ? { type: "provider", id: providerId } : { type: "client", id: client.id }, outcome: "failure", reason,
      after: { grant: kind.grant },
    },
  });

/** A public client may present upstream tokens only where its project allows it. */
export async function requireAllowedClient(c: Context<AppEnv>, client: Client, kind: UpstreamGrantKind): Promise<void> {
  if (client.kind === "public" && !(await findProject(c.get("store"), client.projectId))?.tokenExchange?.allowPublicClients) {
    throw new OAuthError("unauthorized_client", kind.messages.publicClient);
  }
}

/** The providers a client's upstream tokens may come from: its own, else its project's. */
export async function candidatesFor(c: Context<AppEnv>, client: Client): Promise<Provider[]> {
  const providers = await findProjectProviders(c.get("store"), client.projectId);
  return client.providerId ? providers.filter((p) => p.id === client.providerId) : providers;
}

/** Runs the judge; its refusals become the grant's (503 when the provider could not be reached). */
export async function judged(judge: () => Promise<UpstreamSubject>, kind: UpstreamGrantKind, refuse: Refuse): Promise<UpstreamSubject> {
  try {
    return await judge();
  } catch (error) {
    if (!(error instanceof SubjectTokenError)) throw error;
    const reason = `${error.code}: ${error.detail}`;
    throw error.code === "unavailable"
      ? refuse("temporarily_unavailable", kind.wording(error.message), reason, { status: 503, providerId: error.providerId })
      : refuse(kind.refusedToken, kind.wording(error.message), reason, { providerId: error.providerId });
  }
}

/** Tolerance kept on single-use markers past the ID token's `exp` (verify.ts accepts that much skew). */
const SKEW_S = 60;

/** RP-9: an ID token is used once, by either grant; the marker lives until the token could no longer pass `exp`. */
async function spendIdToken(c: Context<AppEnv>, upstream: UpstreamSubject, kind: UpstreamGrantKind, refuse: Refuse): Promise<void> {
  const { id, expiresAt } = upstream.singleUse!;
  const hash = await sha256(id);
  const ttlMs = Math.max((expiresAt + SKEW_S) * 1000 - Date.now(), 1000);
  const written = await c.get("store").set(keys.usedSubjectToken(upstream.provider.projectId, upstream.provider.id, hash), { at: Date.now() }, { ttlMs, ifAbsent: true });
  if (!written.ok) throw refuse(kind.refusedToken, kind.messages.replayed, "ID token replayed", { providerId: upstream.provider.id });
}

/** What linking reads of an upstream token's claims, or the grant's refusal when they describe no one. */
function resolveInput(provider: Provider, claims: Record<string, unknown>, kind: UpstreamGrantKind, refuse: ProviderRefuse) {
  const authority = providerKind(provider.kind);
  const identity = authority.normalise(claims, undefined, provider);
  if (!identity.ok) throw refuse(kind.refusedToken, kind.wording("The subject token does not describe a user."), `${identity.reason}: ${identity.detail}`);
  return { projectId: provider.projectId, provider, identity: identity.value, authority, now: new Date().toISOString() };
}

/** Refuses on behalf of the token's provider (the audit's target). */
type ProviderRefuse = (error: OAuthErrorCode, description: string, reason: string, status?: 400 | 503) => OAuthError;

/**
 * The claims a person seen for the first time is linked by: the token's own, else userinfo's (with an
 * access token's groups beneath them). An ID token without the email pair cannot link a new person by
 * email (there is no access token to ask userinfo with): creating a user keyed on the subject would
 * split them from the account a sign-in would link, and every later sign-in would find the split one
 * first (RP-7).
 */
async function firstTimeClaims(upstream: UpstreamSubject, token: string, sealer: Sealer, kind: UpstreamGrantKind, refuse: ProviderRefuse): Promise<Record<string, unknown>> {
  const { provider, subject, claims } = upstream;
  if (claims && upstream.via === "id_token" && provider.linkBy === "email" && providerKind(provider.kind).needsUserinfo(claims)) {
    throw refuse(kind.refusedToken, kind.messages.idTokenWithoutEmail, "first exchange of an ID token without email and email_verified");
  }
  if (claims) return claims;
  const answer = await userinfoClaims(provider, token, subject, sealer);
  if (!answer.ok) {
    throw answer.outcome === "unavailable"
      ? refuse("temporarily_unavailable", "The identity provider could not be reached; try again.", `userinfo: ${answer.detail}`, 503)
      : refuse(kind.refusedToken, kind.wording("The identity provider does not accept the subject token."), `userinfo: ${answer.detail}`);
  }
  // The person's profile is userinfo's; the access token's groups (Cognito's are only there) come along beneath it.
  return { ...accessClaimsOf(upstream), ...answer.claims! };
}

/** An access token's own claims, with the judged subject: its own `sub` may not be the person's (Okta's is the login). */
const accessClaimsOf = (upstream: UpstreamSubject): Record<string, unknown> | undefined =>
  upstream.accessClaims ? { ...upstream.accessClaims, sub: upstream.subject } : undefined;

const providerRefuse = (refuse: Refuse, provider: Provider): ProviderRefuse => (error, description, reason, status = 400) => refuse(error, description, reason, { status, providerId: provider.id });

/** Shadow mode's `spendIdToken`: refuses an ID token already spent, and leaves it unspent. */
async function checkIdTokenUnspent(c: Context<AppEnv>, upstream: UpstreamSubject, kind: UpstreamGrantKind, refuse: Refuse): Promise<void> {
  const spent = await c.get("store").get(keys.usedSubjectToken(upstream.provider.projectId, upstream.provider.id, await sha256(upstream.singleUse!.id)));
  if (spent) throw refuse(kind.refusedToken, kind.messages.replayed, "ID token replayed", { providerId: upstream.provider.id });
}

/** The user who already holds the upstream identity (one store read, warm), refused if disabled; null for someone new. */
async function knownUser(c: Context<AppEnv>, upstream: UpstreamSubject, refuse: ProviderRefuse): Promise<User | null> {
  const { provider, subject } = upstream;
  const known = await findUserByExternalId(c.get("store"), provider.projectId, { providerId: provider.id, subject });
  if (known?.disabled) throw refuse("invalid_grant", "The user may not sign in.", "user disabled");
  return known;
}

/** The platform user the upstream subject is: by external identity, else linked or created as at sign-in. */
async function userFor(c: Context<AppEnv>, upstream: UpstreamSubject, token: string, sealer: Sealer, kind: UpstreamGrantKind, refuseFor: Refuse): Promise<User> {
  const { store } = c.var;
  const { provider } = upstream;
  const refuse = providerRefuse(refuseFor, provider);
  const known = await knownUser(c, upstream, refuse);
  if (known) {
    const claims = upstream.claims ?? accessClaimsOf(upstream);
    const synced = claims ? await syncKnownUser(store, resolveInput(provider, claims, kind, refuse), known) : known;
    if (!synced || synced.disabled) throw refuse("invalid_grant", "The user may not sign in.", synced ? "user disabled" : "user gone");
    return synced;
  }
  const resolution = await resolveUser(store, resolveInput(provider, await firstTimeClaims(upstream, token, sealer, kind, refuse), kind, refuse));
  if (!resolution.ok) throw refuse("invalid_grant", resolution.message, resolution.reason);
  return resolution.user;
}

/**
 * Shadow mode's `userFor`: who the person would be, by the same rules, read-only (no user created,
 * attached or synced). `linking` says whether they would be linked to `sub` or created.
 */
async function wouldBeUser(c: Context<AppEnv>, upstream: UpstreamSubject, token: string, sealer: Sealer, kind: UpstreamGrantKind, refuseFor: Refuse): Promise<{ sub: string | null; linking: "link" | "create" }> {
  const { provider } = upstream;
  const refuse = providerRefuse(refuseFor, provider);
  const known = await knownUser(c, upstream, refuse);
  if (known) return { sub: known.id, linking: "link" };
  const input = resolveInput(provider, await firstTimeClaims(upstream, token, sealer, kind, refuse), kind, refuse);
  const preview = await previewResolution(c.get("store"), input);
  if (preview.decision === "refuse") throw refuse("invalid_grant", "The user may not sign in.", preview.reason);
  return preview.decision === "link" ? { sub: preview.userId, linking: "link" } : { sub: null, linking: "create" };
}

export interface UpstreamIssuance {
  upstream: UpstreamSubject;
  /** The upstream token as presented (userinfo is asked with it for a person seen the first time). */
  token: string;
  sealer: Sealer;
  scope: string[];
  audience: string;
  /** RFC 8693 `issued_token_type`; the JWT bearer grant's response has none. */
  issuedTokenType?: string;
}

/**
 * The person's tokens for a judged upstream token: the user, the single use of ID tokens, the grant
 * record, the audit. For a provider in shadow mode, what would have been issued, and nothing else.
 */
export async function issueForUpstream(c: Context<AppEnv>, client: Client, kind: UpstreamGrantKind, refuse: Refuse, issuance: UpstreamIssuance): Promise<TokenResponse | ShadowAnswer> {
  const { upstream, token, sealer, scope, audience } = issuance;
  if (isShadow(upstream.provider)) {
    const [person] = await Promise.all([wouldBeUser(c, upstream, token, sealer, kind, refuse), upstream.singleUse ? checkIdTokenUnspent(c, upstream, kind, refuse) : undefined]);
    const refresh = wantsRefresh(client, scope);
    auditLater(c, {
      projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.exchange",
      target: person.sub ? { type: "user", id: person.sub } : { type: "provider", id: upstream.provider.id },
      after: { grant: kind.grant, provider: upstream.provider.id, via: upstream.via, scope, aud: audience, refresh, shadow: true, linking: person.linking },
    });
    return wouldIssue(upstream.provider, person, { scope, audience, refresh, ...(issuance.issuedTokenType ? { issuedTokenType: issuance.issuedTokenType } : {}) });
  }
  const [user] = await Promise.all([userFor(c, upstream, token, sealer, kind, refuse), upstream.singleUse ? spendIdToken(c, upstream, kind, refuse) : undefined]);

  const refreshable = wantsRefresh(client, scope);
  // A grant record like a code's: rotation, reuse detection and revocation apply alike.
  const seed = refreshable ? exchangeSeed() : undefined;
  const idp = upstream.provider.id;
  const signIn = { user, roles: effectiveRoles(user), authTime: Math.floor(Date.now() / 1000), amr: ["fed"], idp };
  const issued = await issueTokens(c, client, {
    scope, audience, idToken: false, signIn,
    ...(issuance.issuedTokenType ? { issuedTokenType: issuance.issuedTokenType } : {}),
    ...(seed ? { sessionId: await grantIdFor(seed) } : {}),
  });
  const refreshToken = seed
    ? await recordGrant(c, client, seed, { userId: user.id, scope, authTime: signIn.authTime, amr: signIn.amr, idp, refreshable }, issued.access)
    : undefined;
  auditLater(c, {
    projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.exchange", target: { type: "user", id: user.id },
    after: { grant: kind.grant, provider: idp, via: upstream.via, scope, aud: audience, refresh: refreshable, jti: issued.access.jti },
  });
  return withRefreshToken(issued.response, refreshToken);
}
