/**
 * Which upstream provider issued a token presented for exchange (RFC 8693), and whether that
 * provider's trust policy accepts it (SECURITY.md RP-6, RP-9). The checks are the broker's, once, for
 * every kind (verify.ts); a kind adds only its claim rules (`accessTokenRules`, `checkIdToken`).
 *
 * - A JWT names its issuer: it is judged by the candidate provider whose accepted issuers hold its
 *   `iss` (unverified `iss` only routes; the signature, with that provider's keys, decides).
 *   - `id_token`: verified like a sign-in's ID token, but its `aud` must be one of the provider's
 *     `exchange.clientIds` (and `azp`, when present, too); single use is the caller's to record.
 *   - `access_token` / `jwt`: the kind's JWT rules (`aud`, `cid`, `token_use`, …) where it has them;
 *     a kind whose access tokens are not for third parties (the Okta org server) is asked remotely.
 * - An opaque token names no issuer: the candidates that accept opaque tokens are asked in turn
 *   (remote-token.ts), and their verdict is cached by the token's hash.
 * Candidates are the client's own provider when it has one, else the project's providers.
 */
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from "jose";
import type { Provider } from "../registry/providers";
import type { Sealer } from "../security/encryption";
import type { Store } from "../store/store";
import { providerKind } from "./providers";
import { audiencesOf, type Claims, type ClaimRejection } from "./providers/provider";
import { sha256 } from "../encoding";
import { askProvider, VerdictCache } from "./remote-token";
import { upstreamServer } from "./upstream";
import { classifyUpstreamFailure, failureDetail, type Fetch } from "./upstream-failure";
import { UpstreamTokenError, verifyAccessTokenJwt, type UpstreamTokenErrorCode } from "./verify";

export type SubjectTokenType = "access_token" | "id_token" | "jwt";

/**
 * RFC 8693 §3 token type identifiers Fedgate accepts as subject tokens. A Map, because the request
 * names the key: `subject_token_type=constructor` must be unknown, not Object's constructor (AB-6).
 */
export const SUBJECT_TOKEN_TYPES: ReadonlyMap<string, SubjectTokenType> = new Map([
  ["urn:ietf:params:oauth:token-type:access_token", "access_token"],
  ["urn:ietf:params:oauth:token-type:id_token", "id_token"],
  ["urn:ietf:params:oauth:token-type:jwt", "jwt"],
]);

/** Why a subject token was refused; `unavailable` is the provider's fault (503), every other code the token's. */
export type SubjectTokenErrorCode =
  /** No candidate provider has the JWT's issuer. */
  | "unknown_issuer"
  /** The token is of a kind no candidate is configured to judge (opaque tokens not enabled, say). */
  | "not_accepted"
  /** The token failed verification or the provider's policy; `reason` says which check. */
  | "invalid"
  /** The ID token was exchanged before (RP-9). */
  | "replayed"
  /** A provider, its keys or its discovery document could not be reached. */
  | "unavailable";

const MESSAGES: Partial<Record<UpstreamTokenErrorCode, string>> = {
  expired: "The subject token has expired or is too old.",
  issued_in_future: "The subject token is not valid yet.",
  signature: "The subject token's signature does not verify.",
  kid: "The subject token is signed with a key its issuer does not publish.",
  algorithm: "The subject token is signed with an algorithm that is not allowed.",
  malformed: "The subject token is malformed.",
  missing_claim: "The subject token lacks a required claim.",
  audience: "The subject token is not meant for an audience configured for exchange.",
  azp: "The subject token was issued to a client not configured for exchange.",
};

/** A refused subject token: `message` is safe to return to the client, `detail` goes to logs and audit. */
export class SubjectTokenError extends Error {
  override readonly name = "SubjectTokenError";
  constructor(readonly code: SubjectTokenErrorCode, message: string, readonly detail: string, readonly providerId?: string) {
    super(message);
  }

  static from(error: UpstreamTokenError, providerId: string): SubjectTokenError {
    if (error.code === "jwks_unavailable") return new SubjectTokenError("unavailable", "The identity provider's signing keys could not be loaded.", error.detail, providerId);
    const message = MESSAGES[error.code] ?? "The subject token is not acceptable for exchange here.";
    return new SubjectTokenError("invalid", message, `${error.code}: ${error.detail}`, providerId);
  }
}

/** Who a subject token speaks for, according to the provider that issued it. */
export interface UpstreamSubject {
  provider: Provider;
  /** The provider's `sub` for the person: the external identity with the provider id. */
  subject: string;
  /** How the token was judged (for audit). */
  via: "id_token" | "jwt" | "userinfo" | "introspection" | "tokeninfo" | "cache";
  /** Claims that describe the person, when the judging produced them (the ID token, a userinfo answer). */
  claims?: Claims;
  /**
   * A verified JWT access token's own claims: not the person's profile (no email to link by), but
   * their groups and whatever else a role mapping reads (identity/roles.ts).
   */
  accessClaims?: Claims;
  /** The subject token's expiry (s), when known. */
  expiresAt?: number;
  /** ID tokens: what names the token for single use (its `jti`, or the token's hash). */
  singleUse?: { id: string; expiresAt: number };
}

export interface JudgeInput {
  store: Store;
  sealer: Sealer;
  projectId: string;
  /** The providers the token may come from: the client's own, or the project's. */
  candidates: Provider[];
  token: string;
  type: SubjectTokenType;
  /** Network IO to the providers; default `upstreamFetch` (tests inject their own). */
  fetch?: Fetch;
}

/**
 * The unverified claims of a compact JWS with an `iss`, only to route it (which provider verifies it,
 * as what kind of token); null for anything else. Nothing here is to be believed.
 */
export function unverifiedJwt(token: string): (JWTPayload & { iss: string }) | null {
  if (token.split(".").length !== 3) return null;
  try {
    decodeProtectedHeader(token);
    const claims = decodeJwt(token);
    return typeof claims.iss === "string" ? (claims as JWTPayload & { iss: string }) : null;
  } catch {
    return null;
  }
}

const issuerOf = (token: string): string | null => unverifiedJwt(token)?.iss ?? null;

const policyFailure = (rejection: ClaimRejection) => `${rejection.reason}: ${rejection.detail}`;

async function jwksUriOf(provider: Provider, sealer: Sealer, fetch: Fetch | undefined): Promise<string> {
  try {
    const uri = (await upstreamServer(provider, sealer, fetch)).as.jwks_uri;
    if (uri) return uri;
  } catch (error) {
    const failure = classifyUpstreamFailure(error);
    if (!failure) throw error;
    // A discovery document that names another issuer is no more usable than a missing one: not the token's fault either.
    throw new SubjectTokenError("unavailable", "The identity provider could not be reached.", `discovery: ${failureDetail(failure)}`, provider.id);
  }
  throw new SubjectTokenError("not_accepted", "The identity provider publishes no signing keys.", "discovery has no jwks_uri", provider.id);
}

/** RP-6, RP-9: an upstream ID token whose `aud` is a client configured for exchange. */
async function judgeIdToken(provider: Provider, token: string, sealer: Sealer, fetch?: Fetch): Promise<UpstreamSubject> {
  const kind = providerKind(provider.kind);
  const clientIds = provider.exchange.clientIds;
  if (clientIds.length === 0) throw new SubjectTokenError("not_accepted", "This identity provider's ID tokens are not accepted for exchange.", "exchange.clientIds is empty", provider.id);
  const { claims } = await verifyAccessTokenJwt(token, {
    issuer: kind.acceptedIssuers(provider), jwksUri: await jwksUriOf(provider, sealer, fetch), algorithms: kind.idTokenAlgorithms,
    audiences: clientIds, ...(provider.exchange.maxTokenAgeSeconds ? { maxAgeS: provider.exchange.maxTokenAgeSeconds } : {}),
    reject: (verified) => {
      const azp = verified["azp"];
      if (azp !== undefined && !(typeof azp === "string" && clientIds.includes(azp))) return `azp ${JSON.stringify(azp)} is not a client configured for exchange`;
      if (audiencesOf(verified).length > 1 && azp === undefined) return "several audiences and no azp";
      if (typeof verified.sub !== "string" || verified.sub === "") return "the ID token has no sub";
      const rejection = kind.checkIdToken(verified, provider);
      return rejection ? policyFailure(rejection) : undefined;
    },
  });
  const id = typeof claims.jti === "string" && claims.jti !== "" ? `jti:${claims.jti}` : `token:${await sha256(token)}`;
  return { provider, subject: claims.sub!, via: "id_token", claims, expiresAt: claims.exp, singleUse: { id, expiresAt: claims.exp } };
}

/** RP-6: a JWT access token, by the kind's claim rules. */
async function judgeAccessJwt(provider: Provider, token: string, sealer: Sealer, fetch?: Fetch): Promise<UpstreamSubject> {
  const kind = providerKind(provider.kind);
  const rules = kind.accessTokenRules(provider).jwt!;
  let subject: string | undefined;
  const { claims } = await verifyAccessTokenJwt(token, {
    issuer: kind.acceptedIssuers(provider), jwksUri: await jwksUriOf(provider, sealer, fetch), algorithms: rules.algorithms,
    ...(provider.exchange.maxTokenAgeSeconds ? { maxAgeS: provider.exchange.maxTokenAgeSeconds } : {}),
    reject: (verified) => {
      const result = rules.check(verified, provider);
      if (!result.ok) return policyFailure(result);
      subject = result.value.subject;
      return undefined;
    },
  });
  return { provider, subject: subject!, via: "jwt", accessClaims: claims, expiresAt: claims.exp };
}

/** A token judged at the provider (opaque tokens, Okta org-server JWTs): asked once per cache period. */
async function judgeRemotely(input: JudgeInput, providers: Provider[]): Promise<UpstreamSubject> {
  const hash = await sha256(input.token);
  const cache = new VerdictCache(input.store, input.projectId);
  const cached = await cache.get(hash);
  if (cached && !cached.accepted && providers.every((p) => cached.providerIds.includes(p.id))) {
    throw new SubjectTokenError("invalid", "The identity provider does not accept the subject token.", `cached: ${cached.detail}`);
  }
  if (cached?.accepted) {
    const provider = providers.find((p) => p.id === cached.providerId);
    if (provider) {
      return { provider, subject: cached.subject, via: "cache", ...(cached.claims ? { claims: cached.claims } : {}), ...(cached.expiresAt ? { expiresAt: cached.expiresAt } : {}) };
    }
  }
  const refusals: string[] = [];
  let unavailable: string | undefined;
  for (const provider of providers) {
    const remote = providerKind(provider.kind).accessTokenRules(provider).remote!;
    const answer = await askProvider(provider, remote, input.token, input.sealer, input.fetch);
    if (answer.ok) {
      const { ok: _ok, ...verdict } = answer;
      await cache.put(hash, { accepted: true, providerId: provider.id, ...verdict });
      return { provider, via: remote.via, ...verdict };
    }
    if (answer.outcome === "unavailable") unavailable ??= `${provider.id}: ${answer.detail}`;
    else refusals.push(`${provider.id}: ${answer.detail}`);
  }
  // Cache a refusal only when every candidate answered: an outage proves nothing about the token.
  if (unavailable) throw new SubjectTokenError("unavailable", "The identity provider could not be reached.", [unavailable, ...refusals].join("; "));
  await cache.put(hash, { accepted: false, providerIds: providers.map((p) => p.id), detail: refusals.join("; ").slice(0, 500) });
  throw new SubjectTokenError("invalid", "The identity provider does not accept the subject token.", refusals.join("; "));
}

const acceptsRemotely = (provider: Provider): boolean =>
  provider.exchange.acceptOpaqueTokens && providerKind(provider.kind).accessTokenRules(provider).remote !== undefined;

/**
 * Judges a subject token and names the provider and subject it speaks for; a SubjectTokenError otherwise.
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.1
 */
export async function judgeSubjectToken(input: JudgeInput): Promise<UpstreamSubject> {
  const { token, type, candidates, sealer, fetch } = input;
  const iss = issuerOf(token);
  if (iss === null) {
    if (type !== "access_token") throw new SubjectTokenError("invalid", `The subject token is not a JWT, as subject_token_type says.`, "not a compact JWS with an iss");
    const remote = candidates.filter(acceptsRemotely);
    if (remote.length === 0) throw new SubjectTokenError("not_accepted", "Opaque access tokens are not accepted for exchange here.", "no candidate provider accepts opaque tokens");
    return judgeRemotely(input, remote);
  }

  const issuers = candidates.filter((p) => providerKind(p.kind).acceptedIssuers(p).includes(iss));
  if (issuers.length === 0) throw new SubjectTokenError("unknown_issuer", "The subject token's issuer is not an identity provider configured for this client.", `iss ${JSON.stringify(iss).slice(0, 200)}`);
  let first: SubjectTokenError | undefined;
  // Several providers may share an issuer (two apps at one tenant): the first whose policy accepts wins.
  for (const provider of issuers) {
    try {
      if (type === "id_token") return await judgeIdToken(provider, token, sealer, fetch);
      if (providerKind(provider.kind).accessTokenRules(provider).jwt) return await judgeAccessJwt(provider, token, sealer, fetch);
      if (acceptsRemotely(provider)) return await judgeRemotely(input, [provider]);
      throw new SubjectTokenError("not_accepted", "This identity provider's access tokens can only be checked with it; it is not configured to accept them.", "remote checks need exchange.acceptOpaqueTokens", provider.id);
    } catch (error) {
      const refusal = error instanceof UpstreamTokenError ? SubjectTokenError.from(error, provider.id) : error;
      if (!(refusal instanceof SubjectTokenError)) throw error;
      if (refusal.code === "unavailable") throw refusal;
      first ??= refusal;
    }
  }
  throw first!;
}
