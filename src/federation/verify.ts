/**
 * Relying-party verification of upstream tokens (SECURITY.md RP-2, RP-3, RP-4, RP-5 and the shared
 * core of RP-6). Every check runs here, once, for every provider (DESIGN.md style rule 2): provider
 * files add rules through `reject`, never replace these. Every failure is an UpstreamTokenError
 * whose `code` callers switch on (style rule 3). Programming errors (an allow-list holding a value
 * outside JWS_ALGORITHMS, an access-token check with no audience rule) are TypeErrors, and so is
 * anything unexpected inside key resolution: they surface as 500s, never as an upstream outage.
 *
 * Request and validation are apart, as in oauth4webapi: the requests (code-exchange.ts,
 * remote-token.ts, discovery.ts) send with an injected `fetch` and return the raw Response; the
 * `process…Response` functions here validate one, so each check can be tested with a hand-built
 * Response. oauth4webapi checks what is not a token (HTTP status, an `error` body, the JSON shape,
 * `token_type`); the ID token is set aside before that, so that it is judged only here. The
 * details of the ID token checks keep oauth4webapi's wording, which the audit log has always shown.
 */
import { compactVerify, decodeProtectedHeader, errors, type CompactJWSHeaderParameters, type JWTPayload } from "jose";
import * as oauth from "oauth4webapi";
import { accessTokenHash, allowList, type JwsAlgorithm } from "../security/jws-algorithms";
import { upstreamJwks, type JwksCache, type KeyResolver } from "./jwks";
import { UpstreamUnavailableError } from "./upstream-failure";
import { UpstreamTokenError, type UpstreamTokenErrorCode } from "./token-error";

export { UpstreamTokenError, type UpstreamTokenErrorCode } from "./token-error";

const fail = (code: UpstreamTokenErrorCode, detail: string, cause?: unknown) => new UpstreamTokenError(code, detail, { cause });
/** Upstream values quoted in details, bounded. */
const quote = (value: unknown) => JSON.stringify(value)?.slice(0, 120) ?? "undefined";

/** Signing algorithms Fedgate accepts from upstreams unless a provider narrows them. */
const DEFAULT_ALGORITHMS: readonly JwsAlgorithm[] = ["RS256", "ES256", "PS256"];

interface CoreExpectations {
  /** The provider's issuer, compared as an exact string; a list only where the provider documents several forms (Google). */
  issuer: string | readonly string[];
  /** The provider's `jwks_uri` (from its discovery document). */
  jwksUri: string;
  /** Allowed `alg` values (default {@link DEFAULT_ALGORITHMS}); a TypeError if one is not in JWS_ALGORITHMS. */
  algorithms?: readonly JwsAlgorithm[];
  /** The `alg` values the provider's discovery document declares for these tokens, checked before `algorithms`. */
  declaredAlgorithms?: readonly string[];
  /** Tolerance for `exp`, `iat`, `nbf` (default 60 s). */
  clockSkewS?: number;
  /** Refuse (`expired`) a token whose `iat` is older than this (RP-9 maximum token age). */
  maxAgeS?: number;
  /** The time to judge by (default: now). */
  now?: Date;
  /** The key cache (default: the isolate's {@link upstreamJwks}). */
  jwks?: JwksCache;
}

export interface IdTokenExpectations extends CoreExpectations {
  /** Our client id at the provider: must be in `aud`, and equal `azp` when present. */
  clientId: string;
  /** The nonce we sent; the token must carry exactly it. */
  nonce?: string;
  /** The access token from the same response: checked against `at_hash` when the token has one. */
  accessToken?: string;
  /**
   * Audiences besides our client id trusted in `aud` (OIDC Core 3.1.3.7 step 3). When given, an
   * `aud` holding others and no `azp` is refused as `audience`; when not, as `azp` (step 4).
   */
  trustedAudiences?: readonly string[];
}

export interface AccessTokenExpectations extends CoreExpectations {
  /** Accept the token only if its `aud` holds one of these. */
  audiences?: readonly string[];
  /** Provider rules (RP-6): returns why the claims are unacceptable (→ `policy`), or undefined. */
  reject?: (claims: VerifiedClaims) => string | undefined;
}

/** Claims every verified token has. */
export interface VerifiedClaims extends JWTPayload {
  iss: string;
  exp: number;
  iat: number;
}
export interface IdTokenClaims extends VerifiedClaims {
  sub: string;
  aud: string | string[];
}
export interface VerifiedToken<C extends VerifiedClaims> {
  header: CompactJWSHeaderParameters;
  claims: C;
}

/**
 * Verifies an upstream ID token: signature by a key of the provider's JWKS, `alg` on the
 * allow-list, `iss`, `aud`, `azp`, `exp`, `iat`, `nbf`, `sub`, `nonce` and `at_hash` (RP-2, RP-3, RP-4).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export async function verifyIdToken(idToken: string, expected: IdTokenExpectations): Promise<VerifiedToken<IdTokenClaims>> {
  const { header, claims } = await verifyCore(idToken, expected);
  const aud = audienceOf(claims);
  requiredString(claims, "sub");
  if (!aud.includes(expected.clientId)) throw fail("audience", 'unexpected JWT "aud" (audience) claim value');
  if (claims.azp !== undefined && claims.azp !== expected.clientId) throw fail("azp", 'unexpected ID Token "azp" (authorized party) claim value');
  if (aud.length > 1 && claims.azp === undefined) {
    const trusted = expected.trustedAudiences;
    if (trusted && aud.some((a) => a !== expected.clientId && !trusted.includes(a))) throw fail("audience", 'ID Token "aud" (audience) claim includes additional untrusted audiences');
    throw fail("azp", `several audiences ${quote(claims.aud)} and no azp`);
  }
  if (claims["auth_time"] !== undefined && typeof claims["auth_time"] !== "number") throw fail("malformed", 'ID Token "auth_time" (authentication time) must be a number');
  if (expected.nonce !== undefined && claims["nonce"] !== expected.nonce) {
    throw fail("nonce", claims["nonce"] === undefined ? missing("nonce") : 'unexpected ID Token "nonce" claim value');
  }
  const atHash = claims["at_hash"];
  if (expected.accessToken !== undefined && atHash !== undefined && atHash !== (await accessTokenHash(expected.accessToken, header.alg as JwsAlgorithm))) {
    throw fail("at_hash", `at_hash ${quote(atHash)} does not match the access token`);
  }
  return { header, claims: claims as IdTokenClaims };
}

/** A token response's parts: what oauth4webapi checked, and the ID token verified here. */
export interface CodeResponse {
  tokens: oauth.TokenEndpointResponse;
  idToken: VerifiedToken<IdTokenClaims>;
}

/**
 * Validates the answer to an authorization code request: the response by oauth4webapi (status, an
 * `error` body, JSON, `access_token`, `token_type`), the ID token by {@link verifyIdToken} alone,
 * with `at_hash` against the response's access token.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#TokenResponseValidation
 */
export async function processCodeResponse(
  server: { as: oauth.AuthorizationServer; client: oauth.Client },
  response: Response,
  expected: Omit<IdTokenExpectations, "accessToken">,
): Promise<CodeResponse> {
  const { idToken, rest } = await setIdTokenAside(response);
  const tokens = await oauth.processGenericTokenEndpointResponse(server.as, server.client, rest);
  if (typeof idToken !== "string") throw fail("malformed", '"response" body "id_token" property must be a string');
  return { tokens, idToken: await verifyIdToken(idToken, { ...expected, accessToken: tokens.access_token }) };
}

/**
 * Validates a userinfo answer: the response by oauth4webapi (status, challenge, JSON, a string
 * `sub`), then RP-5 once, here: it must be about the ID token's subject.
 */
export async function processUserinfoResponse(
  server: { as: oauth.AuthorizationServer; client: oauth.Client },
  response: Response,
  idTokenSub: string,
): Promise<Record<string, unknown>> {
  return checkUserinfoSub(idTokenSub, await oauth.processUserInfoResponse(server.as, server.client, oauth.skipSubjectCheck, response));
}

/** A 200 token response without its `id_token` (returned apart), for oauth4webapi's response checks; any other response as it is. */
async function setIdTokenAside(response: Response): Promise<{ idToken: unknown; rest: Response }> {
  if (response.status !== 200) return { idToken: undefined, rest: response };
  const text = await response.text();
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  const copy = (body: string) => new Response(body, { status: response.status, statusText: response.statusText, headers });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { idToken: undefined, rest: copy(text) }; // oauth4webapi words this
  }
  if (typeof body !== "object" || body === null || Array.isArray(body) || !("id_token" in body)) return { idToken: undefined, rest: copy(text) };
  const { id_token: idToken, ...others } = body as Record<string, unknown>;
  return { idToken, rest: copy(JSON.stringify(others)) };
}

/**
 * Verifies an upstream JWT access token (token exchange, RP-6): the same signature, `alg`, `iss`,
 * `exp`, `iat` checks as ID tokens, then the caller's `audiences` and `reject` rules (one is required).
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export async function verifyAccessTokenJwt(token: string, expected: AccessTokenExpectations): Promise<VerifiedToken<VerifiedClaims>> {
  const audiences = expected.audiences ?? [];
  if (audiences.length === 0 && !expected.reject) throw new TypeError("verifyAccessTokenJwt needs audiences or a reject rule");
  const verified = await verifyCore(token, expected);
  if (audiences.length > 0 && !audienceOf(verified.claims).some((a) => audiences.includes(a))) {
    throw fail("audience", `aud ${quote(verified.claims.aud)} holds none of the accepted audiences`);
  }
  const reason = expected.reject?.(verified.claims);
  if (reason !== undefined) throw fail("policy", reason);
  return verified;
}

/**
 * RP-5: the userinfo answer must be about the ID token's subject. Returns it as an object.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
export function checkUserinfoSub(idTokenSub: string, userinfo: unknown): Record<string, unknown> {
  if (typeof userinfo !== "object" || userinfo === null || Array.isArray(userinfo)) {
    throw fail("userinfo_sub", "userinfo is not a JSON object");
  }
  const sub = (userinfo as Record<string, unknown>)["sub"];
  if (typeof sub !== "string" || sub !== idTokenSub) {
    throw fail("userinfo_sub", `userinfo sub ${quote(sub)} is not the ID token's ${quote(idTokenSub)}`);
  }
  return userinfo as Record<string, unknown>;
}

/** Signature, algorithm, issuer and times: what every upstream JWT must pass. */
async function verifyCore(token: string, expected: CoreExpectations): Promise<VerifiedToken<VerifiedClaims>> {
  const allowed: ReadonlySet<string> = allowList(expected.algorithms ?? DEFAULT_ALGORITHMS);
  if (typeof token !== "string" || token.split(".").length !== 3) throw fail("malformed", "not a compact JWS");
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch (error) {
    throw fail("malformed", "unreadable JOSE header", error);
  }
  // Before any key lookup: `none`, HS256 "keyed" with our public key and ES256 where only RS256 is allowed cost no JWKS fetch.
  if (expected.declaredAlgorithms && !expected.declaredAlgorithms.includes(alg as string)) throw fail("algorithm", `alg ${quote(alg)} is not one the provider declares`);
  if (typeof alg !== "string" || !allowed.has(alg)) throw fail("algorithm", `alg ${quote(alg)} is not one of ${[...allowed].join(", ")}`);
  let verified;
  try {
    verified = await compactVerify(token, keyResolver(expected.jwks ?? upstreamJwks, expected.jwksUri), { algorithms: [...allowed] });
  } catch (error) {
    throw verificationError(error);
  }
  const claims = parseClaims(verified.payload);
  const iss = requiredString(claims, "iss");
  const issuers: readonly string[] = typeof expected.issuer === "string" ? [expected.issuer] : expected.issuer;
  if (!issuers.includes(iss)) throw fail("issuer", 'unexpected JWT "iss" (issuer) claim value');
  const now = Math.floor((expected.now?.getTime() ?? Date.now()) / 1000);
  if (!Number.isFinite(now)) throw new TypeError("now is an invalid Date"); // NaN would pass every time check
  const skew = expected.clockSkewS ?? 60;
  const exp = numericDate(claims, "exp");
  if (now - skew >= exp) throw fail("expired", 'unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp');
  const iat = numericDate(claims, "iat");
  if (iat > now + skew) throw fail("issued_in_future", `iat ${iat} is in the future (now ${now}, skew ${skew} s)`);
  if (claims.nbf !== undefined && numericDate(claims, "nbf") > now + skew) {
    throw fail("issued_in_future", `nbf ${claims.nbf} is in the future`);
  }
  if (expected.maxAgeS !== undefined && now - iat > expected.maxAgeS + skew) {
    throw fail("expired", `iat ${iat} is older than ${expected.maxAgeS} s`);
  }
  return { header: verified.protectedHeader, claims: claims as VerifiedClaims };
}

/**
 * The cache's resolver for `jwksUri`, its failures mapped: RP-3 and RP-4 to `kid`; no answer, a
 * timeout or a document that is not a key set to `jwks_unavailable`. Anything else is a bug and
 * propagates as it is.
 */
function keyResolver(jwks: JwksCache, jwksUri: string): KeyResolver {
  let resolve: KeyResolver;
  try {
    resolve = jwks.resolver(jwksUri);
  } catch (error) {
    throw fail("jwks_unavailable", `unusable jwks_uri ${quote(jwksUri)}`, error);
  }
  return async (header, token) => {
    try {
      return await resolve(header, token);
    } catch (error: unknown) {
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        throw fail("kid", "no kid, and the JWKS holds several suitable keys (RP-3)", error);
      }
      if (error instanceof errors.JWKSNoMatchingKey) {
        throw fail("kid", `no key in the JWKS for kid ${quote(header.kid)} and alg ${quote(header.alg)}`, error);
      }
      if (!isJwksOutage(error)) throw error;
      // jose's `code` names the failure even where a minified bundle renamed its error classes.
      const { code, name, message } = error as Error & { code?: string };
      throw fail("jwks_unavailable", `${jwksUri}: ${code ?? name}: ${message}`, error);
    }
  };
}

/** What jose's remote key set throws when the provider gave no usable key set (its other errors are checks). */
const isJwksOutage = (error: unknown): boolean =>
  error instanceof UpstreamUnavailableError || error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid ||
  // jose's own wording for a non-200 answer and for a body that is not JSON (it has no dedicated class for these).
  (error instanceof errors.JOSEError && error.code === "ERR_JOSE_GENERIC" && /JSON Web Key Set HTTP response/.test(error.message));

function verificationError(error: unknown): UpstreamTokenError {
  if (error instanceof UpstreamTokenError) return error;
  if (error instanceof errors.JWSSignatureVerificationFailed) return fail("signature", "the signature does not verify", error);
  if (error instanceof errors.JOSEAlgNotAllowed) return fail("algorithm", error.message, error);
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return fail("malformed", error.message, error);
  // A published key that cannot check this signature (an RSA key under 2048 bits, a key of another type) is the provider's fault.
  if (error instanceof TypeError && /key/i.test(error.message)) return fail("signature", error.message, error);
  // Anything else (the runtime refusing an algorithm we allow, a bug of ours) is a 500, not the token's fault.
  throw error;
}

function parseClaims(payload: Uint8Array): JWTPayload {
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(payload));
  } catch (error) {
    throw fail("malformed", "the payload is not JSON", error);
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) throw fail("malformed", "the payload is not a JSON object");
  return claims as JWTPayload;
}

/** Claim names as oauth4webapi words them in its details. */
const CLAIM_NAMES: Record<string, string> = { iss: "issuer", sub: "subject", aud: "audience", exp: "expiration time", iat: "issued at", nbf: "not before", nonce: "nonce" };
const missing = (name: string) => `JWT "${name}" (${CLAIM_NAMES[name]}) claim missing`;

function requiredString(claims: JWTPayload, name: string): string {
  const value = claims[name];
  if (value === undefined || value === "") throw fail("missing_claim", missing(name));
  if (typeof value !== "string") throw fail("malformed", `${name} is not a string`);
  return value;
}

function numericDate(claims: JWTPayload, name: "exp" | "iat" | "nbf"): number {
  const value = claims[name];
  if (value === undefined) throw fail("missing_claim", missing(name));
  if (typeof value !== "number" || !Number.isFinite(value)) throw fail("malformed", `${name} is not a NumericDate`);
  return value;
}

function audienceOf(claims: JWTPayload): string[] {
  const aud = claims.aud;
  if (aud === undefined) throw fail("missing_claim", missing("aud"));
  const list: unknown[] = Array.isArray(aud) ? aud : [aud];
  if (list.length === 0 || !list.every((a) => typeof a === "string")) throw fail("malformed", "aud is not a string or a list of strings");
  return list as string[];
}


