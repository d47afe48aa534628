/**
 * Google: numeric subjects, `hd` (signed) only for Workspace accounts, opaque `ya29.` access tokens
 * judged at tokeninfo. Real ID tokens carry `iss` as `https://accounts.google.com` or, for some
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
import type { Provider } from "../../registry/providers";
import { normaliseDomain } from "../../registry/domains";
import { allowed, lacksEmailClaims, reject, secondsOf, standardIdentity, stringOf, type ProviderKind, type RemoteCheck } from "./provider";

const GOOGLE_ISSUER = "https://accounts.google.com";
const SCHEMELESS_GOOGLE_ISSUER = "accounts.google.com";

/** Google's tokeninfo; a provider at another issuer (the emulator) serves it at `{issuer}/tokeninfo`. */
const tokeninfoEndpoint = (provider: Provider): string =>
  provider.issuer === GOOGLE_ISSUER ? "https://oauth2.googleapis.com/tokeninfo" : `${provider.issuer}/tokeninfo`;

/**
 * Opaque `ya29.` tokens at tokeninfo, which (unlike userinfo) names the client the token was issued
 * to: `aud` or `azp` must be a client configured for exchange, or any app's Google token would do.
 * @see https://developers.google.com/identity/sign-in/web/backend-auth#calling-the-tokeninfo-endpoint
 */
const tokeninfo = (provider: Provider): RemoteCheck => ({
  via: "tokeninfo",
  endpoint: tokeninfoEndpoint(provider),
  check(answer, settings) {
    if (!allowed(settings.exchange.clientIds, answer["aud"]) && !allowed(settings.exchange.clientIds, answer["azp"])) {
      return reject("client_not_allowed", `aud ${JSON.stringify(answer["aud"])} / azp ${JSON.stringify(answer["azp"])} is not a client configured for exchange`);
    }
    const subject = answer["sub"];
    if (typeof subject !== "string" || subject === "") return reject("missing_subject", "tokeninfo: no sub (the token lacks the openid or email scope)");
    const expiresAt = secondsOf(answer["exp"]);
    return { ok: true, value: { subject, ...(expiresAt === undefined ? {} : { expiresAt }) } };
  },
});

export const google: ProviderKind = {
  kind: "google",
  idTokenAlgorithms: ["RS256"],
  // Google ignores acr_values; select_account opens its account chooser.
  forwards: { acrValues: false, selectAccount: true },
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
  accessTokenRules: (provider) => ({ remote: tokeninfo(provider) }),
};
