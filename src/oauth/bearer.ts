/**
 * RFC 6750 for Fedgate's protected resources (userinfo, API sign-out): the Bearer credential's shape
 * and the §3 errors, a JSON body (AS-11) plus the matching `WWW-Authenticate` challenge.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { OAuthError } from "../errors";
import { AccessTokenRefused, acceptAccessToken, refuseIfRevoked } from "../tokens/accept-access-token";
import type { AccessTokenPayload } from "../tokens/verify";
import { forClientId } from "./cors";

export type BearerErrorCode = "invalid_request" | "invalid_token" | "insufficient_scope";

const STATUS = { invalid_request: 400, invalid_token: 401, insufficient_scope: 403 } as const;

/** An `Authorization: Bearer` credential (b64token, RFC 6750 §2.1); the token is group 1. */
export const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Whether an Authorization header uses the Bearer scheme at all (well-formed or not). */
export const isBearer = (authorization: string | undefined): boolean => authorization !== undefined && /^Bearer(\s|$)/i.test(authorization);

/** An RFC 6750 §3 error: the JSON body (AS-11) and the matching `WWW-Authenticate` challenge. */
export function bearerError(code: BearerErrorCode, description: string, detail?: string): OAuthError {
  // error_description may not hold `"` or `\` (RFC 6750 §3); ours never do, but keep it so.
  const quoted = description.replace(/["\\]/g, "'");
  const scope = code === "insufficient_scope" ? ', scope="openid"' : "";
  const challenge = `Bearer realm="fedgate", error="${code}", error_description="${quoted}"${scope}`;
  return new OAuthError(code, description, STATUS[code], { headers: { "WWW-Authenticate": challenge }, ...(detail ? { detail } : {}) });
}

/** RFC 6750 §3.1: a request without any credentials gets a bare challenge, no error code in it. */
export const noToken = (): OAuthError =>
  new OAuthError("invalid_token", "An access token is required.", 401, { headers: { "WWW-Authenticate": 'Bearer realm="fedgate"' } });

/** The one answer for a token that is bad, expired, revoked, or whose user is gone (the detail says which, in the log). */
export const invalidToken = (detail: string): OAuthError => bearerError("invalid_token", "The access token is invalid or expired.", detail);

/** The token of an `Authorization` header that uses the Bearer scheme; `invalid_request` when it is malformed. */
export function bearerToken(authorization: string): string {
  const token = BEARER.exec(authorization)?.[1];
  if (!token) throw bearerError("invalid_request", "The Authorization header is not a valid Bearer credential.");
  return token;
}

/** A refusal as `invalid_token`, after a revoked token's client decided which origins see it. */
const asInvalidToken = (c: Context<AppEnv>) => async (error: unknown): Promise<never> => {
  if (!(error instanceof AccessTokenRefused)) throw error;
  if (error.claims) await forClientId(c, error.claims.client_id); // a revoked token's client still decides
  throw invalidToken(error.detail);
};

/**
 * A presented access token Fedgate accepts (verified, not revoked), its client then deciding which
 * origins see the answer (CORS, oauth/cors.ts); a refusal is `invalid_token`. A store outage (503) and
 * a bug (500) pass through. `denyList: "caller"` leaves the deny-list to `bearerNotRevoked`, so a
 * caller can read it alongside its own reads.
 */
export async function verifyBearer(c: Context<AppEnv>, token: string, options: { denyList?: "check" | "caller" } = {}): Promise<AccessTokenPayload> {
  const claims = await acceptAccessToken(c.var, token, options).catch(asInvalidToken(c));
  await forClientId(c, claims.client_id);
  return claims;
}

/** `invalid_token` when the token `verifyBearer` accepted with `denyList: "caller"` is deny-listed. */
export const bearerNotRevoked = (c: Context<AppEnv>, claims: AccessTokenPayload): Promise<void> =>
  refuseIfRevoked(c.get("store"), claims).catch(asInvalidToken(c));
