/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2, §3; OpenID Connect Core §9): the client
 * signs a short-lived JWT with a key it registered (`Client.jwks`). Fedgate checks the signature on
 * the shared algorithm allow-list (security/jws-algorithms.ts: never `none` or HS*), `iss` = `sub` = the
 * client id, `aud` naming the token endpoint or the issuer, an `exp` at most five minutes ahead, and
 * that the `jti` was not used before (remembered until `exp`, written if absent: one store round trip).
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
import { createLocalJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { Config } from "../config";
import type { Client } from "../registry/clients";
import { sha256 } from "../encoding";
import { JWS_ALGORITHMS } from "../security/jws-algorithms";
import * as keys from "../store/keys";
import type { Store } from "../store/store";

export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** An assertion may expire at most this far ahead: a stolen one is short-lived. */
const MAX_AHEAD_S = 300;
const CLOCK_SKEW_S = 30;

/** Why an assertion was refused; goes to logs and the audit log, never to the client. */
export type AssertionRefusal = "no keys registered" | "bad signature or unknown key" | "expired" | "exp too far ahead" | "wrong claims" | "replayed jti";

export class AssertionError extends Error {
  override readonly name = "AssertionError";
  constructor(readonly code: AssertionRefusal) {
    super(`client assertion refused: ${code}`);
  }
}

/** Local key sets per registered JWKS object (clients come from the isolate cache, so the object is stable). */
const keySets = new WeakMap<object, JWTVerifyGetKey>();

function keySetOf(jwks: NonNullable<Client["jwks"]>): JWTVerifyGetKey {
  let keySet = keySets.get(jwks);
  if (!keySet) keySets.set(jwks, (keySet = createLocalJWKSet(jwks)));
  return keySet;
}

/** Resolves if `assertion` proves `client`; throws AssertionError (or the store's error) otherwise. */
export async function verifyClientAssertion(store: Store, config: Config, client: Client, assertion: string, nowMs = Date.now()): Promise<void> {
  if (!client.jwks) throw new AssertionError("no keys registered");
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keySetOf(client.jwks), {
      issuer: client.id,
      subject: client.id,
      audience: [`${config.issuer}/oauth2/token`, config.issuer],
      algorithms: [...JWS_ALGORITHMS],
      requiredClaims: ["exp", "jti"],
      clockTolerance: CLOCK_SKEW_S,
      currentDate: new Date(nowMs),
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new AssertionError("expired");
    if (error instanceof errors.JWTClaimValidationFailed) throw new AssertionError("wrong claims");
    throw new AssertionError("bad signature or unknown key");
  }
  const nowS = nowMs / 1000;
  if (payload.exp! > nowS + MAX_AHEAD_S + CLOCK_SKEW_S) throw new AssertionError("exp too far ahead");
  if (typeof payload.jti !== "string" || payload.jti.length === 0 || payload.jti.length > 512) throw new AssertionError("wrong claims");
  const ttlMs = Math.max(1000, Math.ceil((payload.exp! + CLOCK_SKEW_S - nowS) * 1000));
  const written = await store.set(keys.clientAssertion(client.id, await sha256(payload.jti)), { at: nowMs }, { ifAbsent: true, ttlMs });
  if (!written.ok) throw new AssertionError("replayed jti");
}
