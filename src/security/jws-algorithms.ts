/**
 * The one list of JWS algorithms Fedgate verifies: upstream ID and access tokens (every provider
 * kind's allow-list is a subset), client assertions (`private_key_jwt`), the admin API's key
 * schemas and discovery all read it, so no list can hold a value another part refuses.
 *
 * Asymmetric only: never `none`, never HS* (a symmetric "key" would be the provider's public key
 * or a client's id). Each entry was verified in workerd by test/security/jws-algorithms.test.ts.
 * `EdDSA` is the registered name for Ed25519 signatures (RFC 8037); `Ed25519` its fully specified
 * successor (RFC 9864), which jose also accepts.
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 */
import { base64url } from "jose";

export const JWS_ALGORITHMS = [
  "RS256", "RS384", "RS512",
  "PS256", "PS384", "PS512",
  "ES256", "ES384", "ES512",
  "EdDSA", "Ed25519",
] as const;

export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

const SUPPORTED: ReadonlySet<string> = new Set(JWS_ALGORITHMS);

/** Whether `value` names a supported algorithm (an own entry: `"constructor"` is not one). */
export const isJwsAlgorithm = (value: unknown): value is JwsAlgorithm => typeof value === "string" && SUPPORTED.has(value);

/**
 * The hash behind an algorithm's `at_hash` / `c_hash` (OIDC Core §3.1.3.6): the SHA-2 of the
 * signature's own size, and SHA-512 for Ed25519 (the hash inside EdDSA over Curve25519).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeIDToken
 */
function hashOf(alg: JwsAlgorithm): "SHA-256" | "SHA-384" | "SHA-512" {
  if (alg === "EdDSA" || alg === "Ed25519") return "SHA-512";
  return `SHA-${alg.slice(2)}` as "SHA-256" | "SHA-384" | "SHA-512";
}

/** `at_hash` (OIDC Core §3.1.3.6): base64url of the left half of the access token's hash for `alg`. */
export async function accessTokenHash(accessToken: string, alg: JwsAlgorithm): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest(hashOf(alg), new TextEncoder().encode(accessToken)));
  return base64url.encode(digest.subarray(0, digest.length / 2));
}

/**
 * `algorithms` checked against the supported list: a TypeError (a programming error, reported as
 * a 500, never as an upstream outage) for an empty list or a value Fedgate cannot verify.
 */
export function allowList(algorithms: readonly string[]): ReadonlySet<JwsAlgorithm> {
  if (algorithms.length === 0) throw new TypeError("the algorithm allow-list is empty");
  for (const alg of algorithms) if (!isJwsAlgorithm(alg)) throw new TypeError(`"${alg}" may not be on a JWS algorithm allow-list`);
  return new Set(algorithms as readonly JwsAlgorithm[]);
}
