/**
 * "Verify a Fedgate access token and check the deny-list", once for every endpoint that accepts one
 * back (userinfo, introspection, revocation, forward auth, API sign-out). Each endpoint words its own
 * answer to a refusal (401 with a challenge, `{"active": false}`, a silent 200); what counts as a
 * refusal is decided here: jose's verdict on the token, or the deny-list. A store outage (503) and a
 * bug (500) are never a refusal.
 */
import type { Store } from "../store/store";
import { accessTokenDenied } from "./deny-list";
import type { SigningKeys } from "./signing-keys";
import { isVerificationFailure, verifyAccessToken, type AccessTokenPayload } from "./verify";

/** What accepting a token needs; `c.var` has it. */
export interface AcceptDeps {
  store: Store;
  signingKeys: SigningKeys;
  config: { issuer: string };
}

/**
 * A refused access token: `invalid` (forged, expired, not an access token, not a token at all) or
 * `revoked` (deny-listed; its verified `claims` come along). `detail` is for logs only.
 */
export class AccessTokenRefused extends Error {
  override readonly name = "AccessTokenRefused";
  constructor(
    readonly code: "invalid" | "revoked",
    readonly detail: string,
    readonly claims?: AccessTokenPayload,
    options?: { cause?: unknown },
  ) {
    super(`access token ${code}`, options);
  }
}

/**
 * The claims of a valid, unexpired Fedgate access token that is not deny-listed (one store read,
 * tokens/deny-list.ts); `AccessTokenRefused` otherwise. `denyList: "caller"` leaves the deny-list to
 * the caller (`refuseIfRevoked`), which may read it alongside its own reads, only for tokens it
 * would otherwise accept, or (revocation) not at all: a token revoked already is simply revoked again.
 */
export async function acceptAccessToken(deps: AcceptDeps, token: string, options: { denyList?: "check" | "caller" } = {}): Promise<AccessTokenPayload> {
  let claims: AccessTokenPayload;
  try {
    claims = await verifyAccessToken(deps.signingKeys, deps.config.issuer, token);
  } catch (error) {
    if (isVerificationFailure(error)) throw new AccessTokenRefused("invalid", String(error), undefined, { cause: error });
    throw error;
  }
  if (options.denyList !== "caller") await refuseIfRevoked(deps.store, claims);
  return claims;
}

/** `AccessTokenRefused("revoked")` when the verified token is deny-listed (one store read). */
export async function refuseIfRevoked(store: Store, claims: AccessTokenPayload): Promise<void> {
  if (await accessTokenDenied(store, claims.jti)) throw new AccessTokenRefused("revoked", "revoked", claims);
}

/** For `.catch`: a refusal becomes the endpoint's `answer`, anything else is rethrown. */
export const whenRefused =
  <T>(answer: (refusal: AccessTokenRefused) => T) =>
  (error: unknown): T => {
    if (error instanceof AccessTokenRefused) return answer(error);
    throw error;
  };
