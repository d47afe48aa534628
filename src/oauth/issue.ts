/**
 * The token response (RFC 6749 §5.1) for a person: a JWT access token, an ID token when `openid` was
 * granted, and a refresh token when `offline_access` was granted to a client allowed to refresh.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { User } from "../identity/users";
import type { Client } from "../registry/clients";
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

export interface SignIn {
  user: Pick<User, "id" | "email" | "emailVerified" | "name">;
  scope: string[];
  nonce?: string;
  authTime: number;
  amr: string[];
  idp: string;
  /** The grant, when it carries refresh tokens: the tokens' `sid`, what logout revokes. */
  sessionId?: string;
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

/** Minted tokens and the access token's id and expiry, which the grant record keeps for revocation. */
export interface Issued {
  response: TokenResponse;
  access: { jti: string; exp: number };
}

/**
 * Mints the access token (always ES256) and the ID token (in the client's algorithm) for a sign-in;
 * signs with the cached active keys, so the RS256 key is read and used only for clients that chose it.
 */
export async function tokensFor(c: Context<AppEnv>, client: Client, signIn: SignIn): Promise<Issued> {
  const { issuer } = c.var.config;
  const access = await mintAccessToken(await c.var.signingKeys.signer(), {
    issuer, subject: signIn.user.id, audience: client.id, clientId: client.id, scope: signIn.scope,
    lifetimeS: client.tokenLifetimes.accessTokenSeconds, projectId: client.projectId, email: signIn.user.email, idp: signIn.idp,
    // The grant's id, as in the ID token: what API sign-out with this token revokes (oauth/sign-out.ts).
    ...(signIn.sessionId ? { extra: { sid: signIn.sessionId } } : {}),
  });
  const id = signIn.scope.includes("openid")
    ? await mintIdToken(await c.var.signingKeys.signer(client.idTokenSignedResponseAlg ?? c.var.config.defaultIdTokenAlg), {
        issuer, subject: signIn.user.id, clientId: client.id, lifetimeS: client.tokenLifetimes.idTokenSeconds,
        ...(signIn.nonce === undefined ? {} : { nonce: signIn.nonce }),
        authTime: signIn.authTime, amr: signIn.amr, accessToken: access.token, profile: profileClaims(signIn.user, signIn.scope),
        ...(signIn.sessionId ? { sessionId: signIn.sessionId } : {}),
      })
    : undefined;
  return {
    response: {
      access_token: access.token,
      token_type: "Bearer",
      expires_in: client.tokenLifetimes.accessTokenSeconds,
      scope: signIn.scope.join(" "),
      ...(id ? { id_token: id.token } : {}),
    },
    access: { jti: access.jti, exp: access.expiresAt },
  };
}
