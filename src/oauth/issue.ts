/**
 * What a grant issues, built once for every grant (node-oidc-provider's shared grant helpers):
 * - the scope: what the client asked for within what it may have, or a refresh's narrowing;
 * - the audience: a registered `resource`/`audience`, else the client itself;
 * - the tokens: a JWT access token, an ID token when `openid` was granted to a person;
 * - the grant record and its first refresh token, when `offline_access` was granted to a client
 *   allowed to refresh (and always for a code, so its replay can revoke what it issued);
 * - the token response (RFC 6749 §5.1, RFC 8693 §2.2.1).
 * Recording the grant is its only store call (one write); tokens are signed with the cached keys.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { OAuthError } from "../errors";
import type { User } from "../identity/users";
import type { Client } from "../registry/clients";
import { Grants, type GrantInput, type GrantRecord, type GrantSeed } from "../tokens/grants";
import { mintAccessToken, mintIdToken } from "../tokens/jwt";

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  /** RFC 8693 §2.2.1: what a token exchange issued. */
  issued_token_type?: string;
  id_token?: string;
  refresh_token?: string;
}

/** The `scope` parameter's values; undefined when it is absent. */
const scopeParameter = (params: Map<string, string>): string[] | undefined => params.get("scope")?.split(" ").filter(Boolean);

/**
 * The scope requested of a grant without a prior grant (client_credentials, token exchange): each
 * value on the client's list (`invalid_scope` otherwise); nothing requested, the client's whole list.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function clientScope(client: Client, params: Map<string, string>): string[] {
  const requested = scopeParameter(params);
  const refused = requested?.filter((scope) => !client.scopes.includes(scope)) ?? [];
  if (refused.length > 0) throw new OAuthError("invalid_scope", `Scope "${refused[0]}" is not allowed for this client.`, 400, { detail: `not allowed: ${refused.join(" ")}` });
  return requested && requested.length > 0 ? [...new Set(requested)] : client.scopes;
}

/**
 * A refresh's scope: it may narrow the original grant's, never widen it; nothing requested, the grant's.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function narrowedScope(granted: string[], params: Map<string, string>): string[] {
  const requested = scopeParameter(params);
  if (requested && !requested.every((scope) => granted.includes(scope))) {
    throw new OAuthError("invalid_scope", "A refresh cannot widen the scope of the original grant.");
  }
  return requested ?? granted;
}

/**
 * The access token's `aud`: the RFC 8707 `resource` or RFC 8693 `audience` parameter (one target,
 * registered in the client's `audiences`, `invalid_target` otherwise); none given, the client id.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function requestedAudience(client: Client, params: Map<string, string>): string {
  const resource = params.get("resource");
  const audience = params.get("audience");
  if (resource !== undefined && audience !== undefined && resource !== audience) {
    throw new OAuthError("invalid_request", 'Give "resource" or "audience", not two different targets.');
  }
  const target = resource ?? audience;
  if (target !== undefined && !(client.audiences ?? []).includes(target)) {
    throw new OAuthError("invalid_target", `Fedgate does not issue tokens for "${target}" to this client.`);
  }
  return target ?? client.id;
}

/** Whether this grant should carry a refresh token. */
export const wantsRefresh = (client: Client, scope: string[]): boolean =>
  scope.includes("offline_access") && client.grantTypes.includes("refresh_token");

/** The claims the granted scopes release about the user (OIDC Core §5.4). */
export function profileClaims(user: Pick<User, "email" | "emailVerified" | "name">, scope: string[]): Record<string, unknown> {
  return {
    ...(scope.includes("email") && user.email ? { email: user.email, email_verified: user.emailVerified } : {}),
    ...(scope.includes("profile") && user.name ? { name: user.name } : {}),
  };
}

/** The person the tokens speak for, and how they signed in. */
interface SignIn {
  user: Pick<User, "id" | "email" | "emailVerified" | "name">;
  authTime: number;
  amr: string[];
  /** The upstream `acr`, only when the provider's authentication context is trusted. */
  acr?: string;
  idp: string;
  /** The user's roles (assigned and mapped): `roles` in both tokens when there are any. */
  roles?: string[];
  nonce?: string;
}

/** What to issue. */
export interface Issuance {
  scope: string[];
  /** The access token's `aud`; the client id when absent. */
  audience?: string;
  /** The person; absent, the client is the subject and `gty: "client_credentials"` says so. */
  signIn?: SignIn;
  /**
   * `sid` in both tokens, what logout and API sign-out end: the broker session of a browser sign-in
   * (sessions/records.ts), else the grant's id when it carries refresh tokens (a token exchange's).
   */
  sessionId?: string;
  /** An ID token when `openid` is granted to a person (token exchange issues access tokens only). */
  idToken: boolean;
  /** RFC 8693 `issued_token_type`, for a token exchange. */
  issuedTokenType?: string;
}

/** The response without its refresh token, and the access token's id and expiry, which the grant record keeps for revocation. */
export interface Issued {
  response: TokenResponse;
  access: GrantRecord["access"];
}

/** The `gty` claim of client tokens: no person is behind them (a resource server must not read `sub` as a user). */
const CLIENT_TOKEN_GTY = "client_credentials";

/**
 * Mints the access token (always ES256) and, for a person granted `openid`, the ID token (in the
 * client's algorithm); signs with the cached active keys, so the RS256 key is read and used only
 * for clients that chose it.
 */
export async function issueTokens(c: Context<AppEnv>, client: Client, issuance: Issuance): Promise<Issued> {
  const { issuer } = c.get("config");
  const { scope, signIn, sessionId } = issuance;
  const lifetimeS = client.tokenLifetimes.accessTokenSeconds;
  // A person's token names their email and provider, and the grant as `sid` (as the ID token does):
  // what API sign-out with this token revokes (oauth/sign-out.ts).
  const roles = signIn?.roles && signIn.roles.length > 0 ? { roles: signIn.roles } : {};
  const about = signIn
    ? { email: signIn.user.email, idp: signIn.idp, extra: { ...roles, ...(sessionId ? { sid: sessionId } : {}) } }
    : { extra: { gty: CLIENT_TOKEN_GTY } };
  const access = await mintAccessToken(await c.get("signingKeys").signer(), {
    issuer, subject: signIn?.user.id ?? client.id, audience: issuance.audience ?? client.id, clientId: client.id, scope, lifetimeS, projectId: client.projectId, ...about,
  });
  const id = signIn && issuance.idToken && scope.includes("openid")
    ? await mintIdToken(await c.get("signingKeys").signer(client.idTokenSignedResponseAlg ?? c.get("config").defaultIdTokenAlg), {
        issuer, subject: signIn.user.id, clientId: client.id, lifetimeS: client.tokenLifetimes.idTokenSeconds,
        ...(signIn.nonce === undefined ? {} : { nonce: signIn.nonce }),
        authTime: signIn.authTime, amr: signIn.amr, ...(signIn.acr === undefined ? {} : { acr: signIn.acr }),
        accessToken: access.token, profile: { ...profileClaims(signIn.user, scope), ...roles },
        ...(sessionId ? { sessionId } : {}),
      })
    : undefined;
  return {
    response: {
      access_token: access.token,
      ...(issuance.issuedTokenType ? { issued_token_type: issuance.issuedTokenType } : {}),
      token_type: "Bearer",
      expires_in: lifetimeS,
      scope: scope.join(" "),
      ...(id ? { id_token: id.token } : {}),
    },
    access: { jti: access.jti, exp: access.expiresAt },
  };
}

/**
 * Records the grant tokens were issued from (before any leaves, so a replayed code can always find
 * what to revoke) and returns the first refresh token when it is refreshable.
 */
export async function recordGrant(c: Context<AppEnv>, client: Client, seed: GrantSeed, grant: Omit<GrantInput, "projectId" | "clientId">, access: Issued["access"]): Promise<string | undefined> {
  const grants = new Grants(c.get("store"), c.get("config").encryptionKey);
  const { refreshToken } = await grants.record({ projectId: client.projectId, clientId: client.id, ...grant }, seed, access, client.tokenLifetimes.refreshTokenSeconds);
  return refreshToken;
}

/** The token response with the refresh token, when there is one. */
export const withRefreshToken = (response: TokenResponse, refreshToken: string | undefined): TokenResponse =>
  refreshToken ? { ...response, refresh_token: refreshToken } : response;
