/**
 * OpenID Connect Back-Channel Logout 1.0 Logout Tokens (§2.4): what Fedgate posts to an app's
 * `backchannel_logout_uri` when a broker session it signed in with ends (sessions/backchannel-logout.ts).
 * Signed like the client's ID tokens (its `idTokenSignedResponseAlg`, else the deployment's default),
 * so an app verifies both with the same keys and algorithm; `typ: logout+jwt` (§2.4, RFC 8725 §3.11)
 * keeps a logout token from passing for an ID token and back. Never a `nonce` (§2.4).
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken
 */
import { sign, type MintedToken } from "./jwt";
import type { Signer } from "./signing-keys";

/** The `events` member that makes a JWT a logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

/** Short: it is minted for one delivery attempt and posted at once; a retry mints a fresh one. */
export const LOGOUT_TOKEN_LIFETIME_S = 120;

/**
 * A logout to announce: this user's session ended, tell this client. Also the logout queue's message
 * (sessions/backchannel-logout.ts), so the token is minted from what the queue carries.
 */
export interface Logout {
  projectId: string;
  /** The app told: the token's `aud`. */
  clientId: string;
  /** The user, as the ID tokens' `sub`. */
  userId: string;
  /** The broker session that ended, as the ID tokens' `sid`. */
  sessionId: string;
}

/** A signed logout token: iss, aud, iat, exp, jti, sub, sid and the back-channel logout event. */
export function mintLogoutToken(signer: Signer, issuer: string, logout: Logout, now = Math.floor(Date.now() / 1000)): Promise<MintedToken> {
  const payload = { sid: logout.sessionId, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } };
  return sign(signer, "logout+jwt", payload, { issuer, subject: logout.userId, audience: logout.clientId, lifetimeS: LOGOUT_TOKEN_LIFETIME_S }, now);
}
