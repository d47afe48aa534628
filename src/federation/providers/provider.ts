/**
 * The one interface every upstream provider kind implements, and the claim helpers they share.
 *
 * A kind knows its quirks only: which algorithms it signs with, which issuer strings it uses, how
 * its claims map onto one `UpstreamIdentity`, for which email domains its own word is authoritative,
 * and which claims make one of its access tokens acceptable. Everything generic (signature, `iss`,
 * `aud`, `azp`, `exp`, `iat`, `nonce`, RP-5's userinfo `sub`) is checked once by the broker
 * (federation/verify.ts) before any of these functions sees a claim (DESIGN.md style rule 2).
 * Every function here is pure: no IO, no clock.
 */
import type { Provider } from "../../registry/providers";
import type { EmailAuthority } from "../../identity/email-domain";
import type { UpstreamIdentity } from "../../identity/upstream-identity";
import type { JwsAlgorithm } from "../../security/jws-algorithms";

export type ProviderKindName = Provider["kind"];
export type Claims = Record<string, unknown>;

/** Why a kind refuses claims; string literals so `switch (reason)` narrows (style rule 3). */
export type ClaimRejectionReason =
  | "missing_subject"
  | "userinfo_subject_mismatch"
  | "wrong_token_use"
  | "audience_not_allowed"
  | "unexpected_audience"
  | "client_not_allowed"
  | "not_a_user_token"
  /** The provider says the token is not (or no longer) active. */
  | "inactive";

export interface ClaimRejection {
  ok: false;
  reason: ClaimRejectionReason;
  /** Internal detail for logs and audit; may quote claim values, never tokens. */
  detail: string;
}

export type ClaimResult<T> = { ok: true; value: T } | ClaimRejection;

export const reject = (reason: ClaimRejectionReason, detail: string): ClaimRejection => ({ ok: false, reason, detail });

/**
 * Where an access token that is not judged locally (opaque, or a JWT not meant for third parties)
 * is checked, and the kind's rules on the provider's answer. `userinfo`: any token the provider
 * accepts there, for the person it names (no audience can be checked); `introspection`: RFC 7662
 * with Fedgate's own client credentials at the provider; `tokeninfo`: Google's, at `endpoint`.
 * `check` names the subject (the ID token's `sub` for the same person) and, when the answer says,
 * the token's expiry in seconds.
 */
export interface RemoteCheck {
  via: "userinfo" | "introspection" | "tokeninfo";
  /** The endpoint when discovery does not name it (Google's tokeninfo). */
  endpoint?: string;
  check(answer: Claims, provider: Provider): ClaimResult<{ subject: string; expiresAt?: number }>;
}

/**
 * How a kind's access tokens are judged in token exchange (SECURITY.md RP-6, issue 6).
 * `jwt`: a JWT access token is first verified by the broker exactly like an ID token (JWKS
 * signature, `algorithms`, `iss`, `exp`, `iat`, maximum age) except for `aud`, then `check` applies
 * the kind's claim rules and names the subject that matches the ID token's `sub`. Absent: the kind's
 * access tokens must never be verified locally. `remote`: where a token not judged locally is
 * checked; absent: such tokens are refused. Remote checks run only for providers whose
 * `exchange.acceptOpaqueTokens` is set.
 */
export interface AccessTokenRules {
  jwt?: {
    algorithms: readonly JwsAlgorithm[];
    check(claims: Claims, provider: Provider): ClaimResult<{ subject: string }>;
  };
  remote?: RemoteCheck;
}

/** The remote check of kinds judged at userinfo: the answer names the person, and nothing else can be checked. */
export const USERINFO_CHECK: RemoteCheck = {
  via: "userinfo",
  check: (answer) => {
    const subject = answer["sub"];
    return typeof subject === "string" && subject !== "" ? { ok: true, value: { subject } } : reject("missing_subject", "the userinfo answer has no sub");
  },
};

/** A NumericDate claim, also in the string form Google's tokeninfo uses; undefined when absent or not a number. */
export function secondsOf(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d{1,12}$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

export interface ProviderKind extends EmailAuthority {
  readonly kind: ProviderKindName;
  /** The ID-token signing algorithms this kind uses: the verifier's allow-list (RP-2), a subset of JWS_ALGORITHMS. */
  readonly idTokenAlgorithms: readonly JwsAlgorithm[];
  /**
   * Which of an app's authentication requests the kind's authorization endpoint takes (`prompt=login`
   * and `max_age` every kind takes): `acr_values` (step-up, MFA), `prompt=select_account`.
   */
  readonly forwards: { acrValues: boolean; selectAccount: boolean };
  /** `iss` values accepted for this provider, compared exactly; the configured issuer first. */
  acceptedIssuers(provider: Provider): string[];
  /** The kind's own rules on a verified ID token's claims, after the broker's (Cognito: `token_use`). */
  checkIdToken(claims: Claims, provider: Provider): ClaimRejection | null;
  /** Whether the ID token lacks what identity resolution needs, so userinfo must be fetched. */
  needsUserinfo(idClaims: Claims): boolean;
  /** Verified ID-token claims (and userinfo, already checked for the same `sub`) as one identity. */
  normalise(idClaims: Claims, userinfo: Claims | undefined, provider: Provider): ClaimResult<UpstreamIdentity>;
  /**
   * The kind's own word on whether it is authoritative for `identity.email`'s domain, regardless of
   * domain mappings: true or false when it has a rule (Google: gmail.com, or a signed `hd` equal to
   * the domain), null when it has none. Read only through identity/email-domain.ts `isAuthoritativeFor`.
   */
  emailAuthority(identity: UpstreamIdentity, emailDomain: string): boolean | null;
  accessTokenRules(provider: Provider): AccessTokenRules;
}

// ---- claim helpers every kind uses (one normalisation, one place)

/** `email_verified`: boolean true, or the exact string "true" in any case (Cognito userinfo, Google tokeninfo). */
export function emailVerifiedOf(value: unknown): boolean {
  return value === true || (typeof value === "string" && value.toLowerCase() === "true");
}

/** An email claim, trimmed and lower-cased; null when absent, not a string, or not `local@domain`. */
export function emailOf(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const email = value.trim().toLowerCase();
  const at = email.lastIndexOf("@");
  return at > 0 && at < email.length - 1 && !/\s/.test(email) ? email : null;
}

/** A non-empty string claim, trimmed, or null. */
export function stringOf(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/** Groups only from an array made entirely of strings; anything else is no groups. */
export function groupsOf(value: unknown): string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? [...new Set(value as string[])] : [];
}

/** `aud` as a list, whether a string or an array (RFC 7519 §4.1.3). */
export function audiencesOf(claims: Claims): string[] {
  const aud = claims["aud"];
  if (typeof aud === "string") return [aud];
  return Array.isArray(aud) ? aud.filter((item): item is string => typeof item === "string") : [];
}

/** The generic test for userinfo: the ID token lacks the email pair identity resolution needs. */
export const lacksEmailClaims = (idClaims: Claims): boolean => !("email" in idClaims) || !("email_verified" in idClaims);

export interface ClaimNames {
  /** The claim holding groups, or null for none. */
  groups: string | null;
  /** Claims tried in order for `username`. */
  username: readonly string[];
}

/**
 * The standard mapping from claims to an identity. The email is the ID token's, else userinfo's;
 * its `email_verified` is the ID token's when the token has both, else userinfo's only if userinfo
 * names the same address: a verification flag is never combined with an address it was not issued
 * for. Other claims: ID token first, userinfo filling gaps.
 */
export function standardIdentity(
  idClaims: Claims,
  userinfo: Claims | undefined,
  provider: Provider,
  names: ClaimNames,
): ClaimResult<UpstreamIdentity> {
  const subject = idClaims["sub"];
  if (typeof subject !== "string" || subject === "") return reject("missing_subject", "the ID token has no sub");
  if (userinfo && userinfo["sub"] !== subject) return reject("userinfo_subject_mismatch", "userinfo sub differs from the ID token's");
  const merged: Claims = { ...userinfo, ...idClaims };
  const idEmail = emailOf(idClaims["email"]);
  const email = idEmail ?? emailOf(userinfo?.["email"]);
  const emailVerified =
    email !== null &&
    (idEmail !== null && "email_verified" in idClaims
      ? emailVerifiedOf(idClaims["email_verified"])
      : userinfo !== undefined && emailOf(userinfo["email"]) === email && emailVerifiedOf(userinfo["email_verified"]));
  // An administrator names the claim: only the claims' own members count (`constructor` is absent, AB-6).
  const groupsClaim = provider.groupsClaim === undefined ? names.groups : provider.groupsClaim;
  return {
    ok: true,
    value: {
      issuer: provider.issuer,
      subject,
      email,
      emailVerified,
      hostedDomain: null,
      name: stringOf(merged["name"]),
      username: names.username.map((claim) => stringOf(merged[claim])).find((value) => value !== null) ?? null,
      groups: groupsClaim === null || !Object.hasOwn(merged, groupsClaim) ? [] : groupsOf(merged[groupsClaim]),
      raw: merged,
    },
  };
}

/** Whether a claim value is on a configured allow-list (an empty list allows nothing). */
export const allowed = (list: readonly string[], value: unknown): value is string => typeof value === "string" && list.includes(value);
