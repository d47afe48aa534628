/**
 * Verifying Fedgate's own tokens when they come back: access tokens at userinfo, introspection,
 * revocation, forward auth and API sign-out; ID tokens as logout hints. Only Fedgate's published keys
 * and their algorithms are accepted (never `none`, never HS*), and the issuer is the configured one
 * (AS-13). A token that fails is refused with a jose error (`isVerificationFailure`); anything else
 * thrown (a store outage reading the keys, a bug) is not about the token.
 */
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from "jose";
import type { SigningKeys } from "./signing-keys";

/** The claims userinfo and revocation rely on (AS-9). */
export interface AccessTokenPayload extends JWTPayload {
  sub: string;
  jti: string;
  exp: number;
  client_id: string;
  scope: string;
  project: string;
  /** The refresh family (grant) the token was issued from, when it has one (oauth/issue.ts). */
  sid?: string;
}

export interface IdTokenPayload extends JWTPayload {
  sub: string;
  aud: string | string[];
  /** The refresh family the ID token belongs to, when there is one (oauth/issue.ts). */
  sid?: string;
}

/** Whether `error` says the token is not a valid Fedgate token (jose's verdict), rather than a store outage or a bug. */
export const isVerificationFailure = (error: unknown): error is errors.JOSEError => error instanceof errors.JOSEError;

/** The local key set for the published keys, rebuilt only when the set of kids changes. */
let resolver: { kids: string; keys: JWTVerifyGetKey; algorithms: string[] } | undefined;

async function ownKeys(keys: SigningKeys): Promise<{ keys: JWTVerifyGetKey; algorithms: string[] }> {
  const published = await keys.publicKeys();
  const kids = published.map((key) => key.kid).join(" ");
  if (resolver?.kids !== kids) {
    // Imported keys are cached inside the local set, so reusing it saves an import per request.
    resolver = { kids, keys: createLocalJWKSet({ keys: published }), algorithms: [...new Set(published.map((key) => key.alg!))] };
  }
  return resolver;
}

/** The payload of a token signed with Fedgate's published keys by its issuer, checked as `options` say. */
async function verifyOwn(keys: SigningKeys, issuer: string, token: string, options: Pick<JWTVerifyOptions, "typ" | "requiredClaims" | "clockTolerance">): Promise<JWTPayload> {
  const own = await ownKeys(keys);
  return (await jwtVerify(token, own.keys, { ...options, issuer, algorithms: own.algorithms })).payload;
}

const isString = (value: unknown): value is string => typeof value === "string" && value.length > 0;

/** Claims present but of the wrong type: refused the way jose refuses claims. */
const wrongTypes = (payload: JWTPayload, what: string) => new errors.JWTClaimValidationFailed(`${what} claims of the wrong type`, payload, "unspecified", "invalid");

/** The payload of a valid, unexpired Fedgate access token; throws a jose error (`isVerificationFailure`) otherwise. */
export async function verifyAccessToken(keys: SigningKeys, issuer: string, token: string): Promise<AccessTokenPayload> {
  const payload = await verifyOwn(keys, issuer, token, { typ: "at+jwt", requiredClaims: ["sub", "exp", "iat", "jti", "client_id", "scope", "project"] });
  if (![payload.sub, payload.jti, payload["client_id"], payload["scope"], payload["project"]].every(isString)) throw wrongTypes(payload, "access token");
  return payload as AccessTokenPayload;
}

/**
 * The payload of a Fedgate ID token used as a logout hint. Its expiry is not checked: a hint may
 * be expired (OpenID Connect RP-Initiated Logout 1.0 §2); the signature, type and issuer are.
 */
export async function verifyIdTokenHint(keys: SigningKeys, issuer: string, token: string): Promise<IdTokenPayload> {
  // jose has no switch to skip `exp`; an unbounded tolerance is that switch (ID tokens carry no nbf).
  const payload = await verifyOwn(keys, issuer, token, { typ: "JWT", requiredClaims: ["sub", "aud"], clockTolerance: Number.MAX_SAFE_INTEGER });
  const audOk = isString(payload.aud) || (Array.isArray(payload.aud) && payload.aud.length > 0 && payload.aud.every(isString));
  if (!isString(payload.sub) || !audOk || (payload.sid !== undefined && !isString(payload.sid))) throw wrongTypes(payload, "ID token");
  return payload as IdTokenPayload;
}
