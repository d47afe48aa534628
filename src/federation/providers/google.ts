/**
 * Google: numeric subjects, `hd` (signed) only for Workspace accounts, opaque `ya29.` access tokens
 * judged at userinfo. Real ID tokens carry `iss` as `https://accounts.google.com` or, for some
 * clients, `accounts.google.com` without a scheme; Google documents both. The broker accepts exactly
 * these two strings for a provider configured with the real issuer, and no other variant; the
 * identity always carries the configured issuer. A provider at any other issuer (the emulator) gets
 * exact matching only.
 *
 * Authority over an email: Google is authoritative for `@gmail.com` addresses, and for a verified
 * address whose domain equals the signed `hd`. A personal Google account can hold an address on any
 * domain, so an address without `hd` (or with another `hd`) proves nothing, even on a domain the
 * project maps to Google. Stricter than Google's own rule (`hd` present): an alias or secondary
 * domain of a Workspace tenant is not trusted until it is mapped and equal to `hd`.
 * @see https://developers.google.com/identity/openid-connect/openid-connect#validatinganidtoken
 * @see https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
 */
import { normaliseDomain } from "../../registry/domains";
import { lacksEmailClaims, standardIdentity, stringOf, type ProviderKind } from "./provider";

export const GOOGLE_ISSUER = "https://accounts.google.com";
const SCHEMELESS_GOOGLE_ISSUER = "accounts.google.com";

export const google: ProviderKind = {
  kind: "google",
  idTokenAlgorithms: ["RS256"],
  acceptedIssuers: (provider) => (provider.issuer === GOOGLE_ISSUER ? [GOOGLE_ISSUER, SCHEMELESS_GOOGLE_ISSUER] : [provider.issuer]),
  checkIdToken: () => null,
  needsUserinfo: lacksEmailClaims,
  normalise: (idClaims, userinfo, provider) => {
    const result = standardIdentity(idClaims, userinfo, provider, { groups: null, username: [] });
    if (!result.ok) return result;
    // Only the signed ID token's hd counts.
    const hd = stringOf(idClaims["hd"]);
    return { ok: true, value: { ...result.value, hostedDomain: hd === null ? null : (normaliseDomain(hd) ?? null) } };
  },
  emailAuthority: (identity, emailDomain) =>
    emailDomain === "gmail.com" || (identity.emailVerified && identity.hostedDomain !== null && identity.hostedDomain === emailDomain),
  accessTokenRules: () => ({ remote: "userinfo" }),
};
