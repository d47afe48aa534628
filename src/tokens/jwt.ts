/**
 * Fedgate's own tokens: JWT access tokens (RFC 9068 profile, SECURITY.md AS-9) and OpenID Connect
 * ID tokens, each signed once with the active signing key (ES256 by default, AS-8).
 * @see https://www.rfc-editor.org/rfc/rfc9068
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
import { SignJWT, type JWTPayload } from "jose";
import { accessTokenHash } from "../security/jws-algorithms";
import { randomId } from "../ids";
import type { Signer } from "./signing-keys";

export interface AccessTokenClaims {
  issuer: string;
  /** The user's id, or the client's for client-credentials tokens. */
  subject: string;
  audience: string | string[];
  clientId: string;
  scope: string[];
  lifetimeS: number;
  /** Fedgate's additions: the project, and for people their email and upstream provider. */
  projectId: string;
  email?: string | null;
  idp?: string;
  extra?: Record<string, unknown>;
}

export interface MintedToken {
  token: string;
  jti: string;
  issuedAt: number;
  expiresAt: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** What every Fedgate JWT carries besides its own claims: iss, sub, aud, iat, exp and a fresh jti (logout tokens too, tokens/logout-token.ts). */
export async function sign(
  signer: Signer,
  typ: "at+jwt" | "JWT" | "logout+jwt",
  payload: JWTPayload,
  registered: { issuer: string; subject: string; audience: string | string[]; lifetimeS: number },
  now: number,
): Promise<MintedToken> {
  const jti = randomId(26);
  const expiresAt = now + registered.lifetimeS;
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ })
    .setIssuer(registered.issuer)
    .setSubject(registered.subject)
    .setAudience(registered.audience)
    .setIssuedAt(now)
    .setExpirationTime(expiresAt)
    .setJti(jti)
    .sign(signer.privateKey);
  return { token, jti, issuedAt: now, expiresAt };
}

/** A signed access token carrying iss, sub, aud, exp, iat, jti, client_id and scope (AS-9). */
export async function mintAccessToken(signer: Signer, claims: AccessTokenClaims, now = nowSeconds()): Promise<MintedToken> {
  const payload = {
    client_id: claims.clientId,
    scope: claims.scope.join(" "),
    project: claims.projectId,
    ...(claims.email ? { email: claims.email } : {}),
    ...(claims.idp ? { idp: claims.idp } : {}),
    ...claims.extra,
  };
  return sign(signer, "at+jwt", payload, claims, now);
}

export interface IdTokenClaims {
  issuer: string;
  subject: string;
  clientId: string;
  lifetimeS: number;
  nonce?: string;
  authTime: number;
  amr: string[];
  /** The upstream `acr`, carried only from a provider whose authentication context is trusted. */
  acr?: string;
  /** The access token issued with it, for `at_hash`. */
  accessToken?: string;
  /** Profile and email claims the granted scopes allow. */
  profile?: Record<string, unknown>;
  /** `sid`: the broker session (or, for an exchange, the refresh family) that RP-initiated logout ends (oauth/logout.ts). */
  sessionId?: string;
}

/** A signed ID token with the downstream nonce, auth_time, amr and at_hash. */
export async function mintIdToken(signer: Signer, claims: IdTokenClaims, now = nowSeconds()): Promise<MintedToken> {
  const payload = {
    ...claims.profile,
    ...(claims.nonce === undefined ? {} : { nonce: claims.nonce }),
    auth_time: claims.authTime,
    amr: claims.amr,
    ...(claims.acr === undefined ? {} : { acr: claims.acr }),
    azp: claims.clientId,
    ...(claims.sessionId ? { sid: claims.sessionId } : {}),
    ...(claims.accessToken ? { at_hash: await accessTokenHash(claims.accessToken, signer.alg) } : {}),
  };
  return sign(signer, "JWT", payload, { ...claims, audience: claims.clientId }, now);
}
