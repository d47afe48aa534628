/**
 * The token-exchange grant (RFC 8693) for migrating apps: an app that signs its users in with Auth0,
 * Okta, Google or Cognito trades the provider's token for a Fedgate access token for the same person.
 *
 * - Who may: a client with this grant; a public client only where its project allows it.
 * - The subject token is judged by the provider that issued it (federation/subject-token.ts: RP-6,
 *   RP-9); an ID token is single use (its `jti` is remembered until it expires).
 * - The person is found by the provider's subject first (warm: one store read, no upstream call);
 *   seen for the first time, they are linked by the same rules as a sign-in (identity/linking.ts,
 *   RP-7), from the ID token's claims or the provider's userinfo. Either way the user is synced as at
 *   sign-in (identity/profile-sync.ts: mapped roles, and the profile with `updateProfile`) from the
 *   subject token's claims; a known person whose token brought none (an opaque token judged by
 *   introspection or tokeninfo) is left as is rather than cost an upstream call.
 * - The token: `sub` the platform user, `aud` the requested `audience`/`resource` where the client
 *   registered it (`invalid_target` otherwise), else the client id; scope within the client's list.
 *   A refresh token only when `offline_access` is granted to a client allowed to refresh.
 * - Errors (RFC 8693 §2.2.2): an unacceptable subject token is `invalid_request`; a person who may not
 *   sign in is `invalid_grant`; an unreachable provider is 503 `temporarily_unavailable`. Every
 *   outcome is audited with its reason (`token.exchange`).
 * @see https://www.rfc-editor.org/rfc/rfc8693
 */
import type { Context } from "hono";
import { sha256 } from "../../encoding";
import type { AppEnv } from "../../env";
import { OAuthError, type OAuthErrorCode } from "../../errors";
import { judgeSubjectToken, providerKind, SUBJECT_TOKEN_TYPES, SubjectTokenError, userinfoClaims, type UpstreamSubject } from "../../federation";
import { resolveUser, syncKnownUser } from "../../identity/linking";
import { effectiveRoles, findUserByExternalId, type User } from "../../identity/users";
import type { Client } from "../../registry/clients";
import { findProject } from "../../registry/projects";
import { findProjectProviders, type Provider } from "../../registry/providers";
import { auditLater } from "../../security/audit";
import { Sealer } from "../../security/encryption";
import * as keys from "../../store/keys";
import { exchangeSeed, grantIdFor } from "../../tokens/grants";
import { clientScope, issueTokens, recordGrant, requestedAudience, wantsRefresh, withRefreshToken } from "../issue";
import type { Grant } from "./grant";

export const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
/** Fedgate's access tokens are JWTs, so a client may ask for either identifier (RFC 8693 §3). */
const ISSUABLE = new Set([ACCESS_TOKEN_TYPE, "urn:ietf:params:oauth:token-type:jwt"]);
/** Tolerance kept on single-use markers past the ID token's `exp` (verify.ts accepts that much skew). */
const SKEW_S = 60;

/** Refuses the exchange: the error handler answers it and audits it (`token.exchange`) with its internal reason. */
type Refuse = (error: OAuthErrorCode, description: string, reason: string, options?: { status?: 400 | 503; providerId?: string | undefined }) => OAuthError;

const refusalsFor = (client: Client): Refuse => (error, description, reason, { status = 400, providerId } = {}) =>
  new OAuthError(error, description, status, {
    detail: reason,
    ...(status === 503 ? { headers: { "Retry-After": "5" } } : {}),
    audit: {
      projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.exchange",
      target: providerId ? { type: "provider", id: providerId } : { type: "client", id: client.id }, outcome: "failure", reason,
    },
  });

const invalidRequest = (description: string) => new OAuthError("invalid_request", description);

/** The providers a client's subject tokens may come from: its own, else its project's. */
async function candidatesFor(c: Context<AppEnv>, client: Client): Promise<Provider[]> {
  const providers = await findProjectProviders(c.get("store"), client.projectId);
  return client.providerId ? providers.filter((p) => p.id === client.providerId) : providers;
}

/** RP-9: an ID token is exchanged once; the marker lives until the token could no longer pass `exp`. */
async function spendIdToken(c: Context<AppEnv>, upstream: UpstreamSubject, refuse: Refuse): Promise<void> {
  const { id, expiresAt } = upstream.singleUse!;
  const hash = await sha256(id);
  const ttlMs = Math.max((expiresAt + SKEW_S) * 1000 - Date.now(), 1000);
  const written = await c.get("store").set(keys.usedSubjectToken(upstream.provider.projectId, upstream.provider.id, hash), { at: Date.now() }, { ttlMs, ifAbsent: true });
  if (!written.ok) throw refuse("invalid_request", "The subject ID token was already exchanged.", "ID token replayed", { providerId: upstream.provider.id });
}

/** The platform user the upstream subject is: by external identity, else linked or created as at sign-in. */
async function userFor(c: Context<AppEnv>, upstream: UpstreamSubject, token: string, sealer: Sealer, refuseFor: Refuse): Promise<User> {
  const { store } = c.var;
  const { provider, subject } = upstream;
  const refuse = (error: OAuthErrorCode, description: string, reason: string, status: 400 | 503 = 400) => refuseFor(error, description, reason, { status, providerId: provider.id });
  const kind = providerKind(provider.kind);
  const identityOf = (claims: Record<string, unknown>) => {
    const identity = kind.normalise(claims, undefined, provider);
    if (!identity.ok) throw refuse("invalid_request", "The subject token does not describe a user.", `${identity.reason}: ${identity.detail}`);
    return { projectId: provider.projectId, provider, identity: identity.value, authority: kind, now: new Date().toISOString() };
  };
  // An access token's own `sub` may not be the person's (Okta's is the login): the judged subject is.
  const accessClaims = upstream.accessClaims ? { ...upstream.accessClaims, sub: subject } : undefined;
  const known = await findUserByExternalId(store, provider.projectId, { providerId: provider.id, subject });
  if (known) {
    if (known.disabled) throw refuse("invalid_grant", "The user may not sign in.", "user disabled");
    const claims = upstream.claims ?? accessClaims;
    const synced = claims ? await syncKnownUser(store, identityOf(claims), known) : known;
    if (!synced || synced.disabled) throw refuse("invalid_grant", "The user may not sign in.", synced ? "user disabled" : "user gone");
    return synced;
  }
  let claims = upstream.claims;
  // An ID token without the email pair cannot link a new person by email (there is no access token
  // to ask userinfo with): creating a user keyed on the subject would split them from the account a
  // sign-in would link, and every later sign-in would find the split one first (RP-7).
  if (claims && upstream.via === "id_token" && provider.linkBy === "email" && kind.needsUserinfo(claims)) {
    throw refuse(
      "invalid_request",
      "The subject ID token does not carry the person's email; exchange an access token, or sign in once, first.",
      "first exchange of an ID token without email and email_verified",
    );
  }
  if (!claims) {
    // First exchange for this person: their email (and whether it is verified) comes from userinfo.
    const answer = await userinfoClaims(provider, token, subject, sealer);
    if (!answer.ok) {
      throw answer.outcome === "unavailable"
        ? refuse("temporarily_unavailable", "The identity provider could not be reached; try again.", `userinfo: ${answer.detail}`, 503)
        : refuse("invalid_request", "The identity provider does not accept the subject token.", `userinfo: ${answer.detail}`);
    }
    // The person's profile is userinfo's; the access token's groups (Cognito's are only there) come along beneath it.
    claims = { ...accessClaims, ...answer.claims! };
  }
  const resolution = await resolveUser(store, identityOf(claims));
  if (!resolution.ok) throw refuse("invalid_grant", resolution.message, resolution.reason);
  return resolution.user;
}

async function exchange({ c, client, params }: Parameters<Grant["handler"]>[0]) {
  if (params.has("actor_token") || params.has("actor_token_type")) throw invalidRequest("Delegation (actor_token) is not supported.");
  const token = params.get("subject_token");
  const tokenTypeUri = params.get("subject_token_type");
  if (!token) throw invalidRequest('"subject_token" is required.');
  if (!tokenTypeUri) throw invalidRequest('"subject_token_type" is required.');
  const type = SUBJECT_TOKEN_TYPES.get(tokenTypeUri);
  if (!type) throw invalidRequest(`"subject_token_type" must be one of ${[...SUBJECT_TOKEN_TYPES.keys()].join(", ")}.`);
  const issuedType = params.get("requested_token_type") ?? ACCESS_TOKEN_TYPE;
  if (!ISSUABLE.has(issuedType)) throw invalidRequest(`"requested_token_type" must be ${[...ISSUABLE].join(" or ")}: Fedgate exchanges for access tokens.`);
  if (client.kind === "public" && !(await findProject(c.get("store"), client.projectId))?.tokenExchange?.allowPublicClients) {
    throw new OAuthError("unauthorized_client", "This project does not let public clients exchange tokens.");
  }
  const scope = clientScope(client, params);
  const audience = requestedAudience(client, params);

  const refuse = refusalsFor(client);
  const sealer = new Sealer(c.get("config").encryptionKey);
  let upstream: UpstreamSubject;
  try {
    upstream = await judgeSubjectToken({ store: c.get("store"), sealer, projectId: client.projectId, candidates: await candidatesFor(c, client), token, type });
  } catch (error) {
    if (!(error instanceof SubjectTokenError)) throw error;
    throw error.code === "unavailable"
      ? refuse("temporarily_unavailable", error.message, `${error.code}: ${error.detail}`, { status: 503, providerId: error.providerId })
      : refuse("invalid_request", error.message, `${error.code}: ${error.detail}`, { providerId: error.providerId });
  }
  const [user] = await Promise.all([userFor(c, upstream, token, sealer, refuse), upstream.singleUse ? spendIdToken(c, upstream, refuse) : undefined]);

  const refreshable = wantsRefresh(client, scope);
  // A grant record like a code's: rotation, reuse detection and revocation apply alike.
  const seed = refreshable ? exchangeSeed() : undefined;
  const idp = upstream.provider.id;
  const signIn = { user, roles: effectiveRoles(user), authTime: Math.floor(Date.now() / 1000), amr: ["fed"], idp };
  const issued = await issueTokens(c, client, {
    scope, audience, idToken: false, issuedTokenType: issuedType,
    signIn,
    ...(seed ? { sessionId: await grantIdFor(seed) } : {}),
  });
  const refreshToken = seed
    ? await recordGrant(c, client, seed, { userId: user.id, scope, authTime: signIn.authTime, amr: signIn.amr, idp, refreshable }, issued.access)
    : undefined;
  auditLater(c, {
    projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.exchange", target: { type: "user", id: user.id },
    after: { provider: idp, via: upstream.via, scope, aud: audience, refresh: refreshable, jti: issued.access.jti },
  });
  return withRefreshToken(issued.response, refreshToken);
}

export const tokenExchangeGrant: Grant = {
  grantType: TOKEN_EXCHANGE,
  parameters: ["subject_token", "subject_token_type", "requested_token_type", "audience", "resource", "scope", "actor_token", "actor_token_type"],
  handler: exchange,
};
