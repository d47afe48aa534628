/**
 * The one error of upstream token verification (DESIGN.md style rule 3): a `code` from a closed
 * union that callers switch on, a fixed message safe to show, and a `detail` for logs only.
 */
/**
 * Why an upstream token (or userinfo answer) was refused. `jwks_unavailable` is the provider's
 * fault (answer 502 / `temporarily_unavailable`); every other code means the token is not acceptable.
 */
export type UpstreamTokenErrorCode =
  | "signature" | "algorithm" | "issuer" | "audience" | "azp" | "expired" | "issued_in_future" | "missing_claim" | "nonce"
  | "at_hash" | "kid" | "jwks_unavailable" | "malformed" | "userinfo_sub" | "policy";

const MESSAGES: Record<UpstreamTokenErrorCode, string> = {
  signature: "The identity provider's token has an invalid signature.",
  algorithm: "The identity provider's token is signed with an algorithm that is not allowed.",
  issuer: "The identity provider's token comes from another issuer.",
  audience: "The identity provider's token is not meant for this application.",
  azp: "The identity provider's token was issued to another party.",
  expired: "The identity provider's token has expired.",
  issued_in_future: "The identity provider's token is not valid yet.",
  missing_claim: "The identity provider's token lacks a required claim.",
  nonce: "The identity provider's token does not belong to this sign-in.",
  at_hash: "The identity provider's ID token does not match its access token.",
  kid: "The identity provider's token is signed with a key it does not publish.",
  jwks_unavailable: "The identity provider's signing keys could not be loaded.",
  malformed: "The identity provider's token is malformed.",
  userinfo_sub: "The identity provider's user information is about another user.",
  policy: "The identity provider's token is not acceptable here.",
};

/** A refused upstream token: `message` is safe to show, `detail` is for logs only (it may quote upstream values). */
export class UpstreamTokenError extends Error {
  override readonly name = "UpstreamTokenError";
  constructor(readonly code: UpstreamTokenErrorCode, readonly detail: string, options: { cause?: unknown } = {}) {
    super(MESSAGES[code], { cause: options.cause });
  }
}
