/**
 * Revoked access tokens (RFC 7009 §2.1): a JWT stays valid by its signature until `exp`, so revoking
 * one means remembering its `jti` until then. The price of revocable JWTs is one store read wherever
 * Fedgate itself accepts an access token (tokens/accept-access-token.ts); resource servers that verify locally against
 * the JWKS cannot see the list and rely on the short lifetime (AS-9).
 */
import * as keys from "../store/keys";
import type { Store } from "../store/store";

interface RevokedAccessToken {
  clientId: string;
  /** When it was revoked (ms). */
  at: number;
}

/** Deny-lists a token until its expiry (`exp`, seconds); nothing to do for an expired one. */
export async function denyAccessToken(store: Store, jti: string, exp: number, clientId: string, now = Date.now()): Promise<void> {
  const remainingMs = exp * 1000 - now;
  if (remainingMs <= 0) return;
  await store.set(keys.revokedAccessToken(jti), { clientId, at: now } satisfies RevokedAccessToken, { ttlMs: remainingMs });
}

/** Whether the token with this `jti` was revoked (and has not expired since). */
export async function accessTokenDenied(store: Store, jti: string): Promise<boolean> {
  return (await store.get<RevokedAccessToken>(keys.revokedAccessToken(jti))) !== null;
}
