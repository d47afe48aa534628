/**
 * Auth0: trailing-slash issuer, subjects prefixed by their connection (`auth0|…`,
 * `google-oauth2|…`: the whole string is the subject), custom claims only under a namespace URL
 * (groups come from the claim named by the provider's `groupsClaim`, none by default), and JWT
 * access tokens only when an API `audience` was requested; otherwise they are opaque (a JWE on newer
 * tenants) and judged at `/userinfo`.
 * @see https://auth0.com/docs/secure/tokens/access-tokens/validate-access-tokens
 */
import type { Provider } from "../../registry/providers";
import {
  allowed, audiencesOf, lacksEmailClaims, reject, standardIdentity, USERINFO_CHECK, type ClaimResult, type Claims, type ProviderKind,
} from "./provider";

/** Client-credentials tokens name a client (`{client_id}@clients`), not a person. */
function checkAccessToken(claims: Claims, provider: Provider): ClaimResult<{ subject: string }> {
  if (claims["gty"] === "client-credentials") return reject("not_a_user_token", "a client-credentials token names no user");
  const audiences = audiencesOf(claims);
  if (!audiences.some((aud) => provider.exchange.audiences.includes(aud))) {
    return reject("audience_not_allowed", `aud ${JSON.stringify(audiences)} names no API configured for exchange`);
  }
  if (provider.exchange.clientIds.length > 0 && !allowed(provider.exchange.clientIds, claims["azp"])) {
    return reject("client_not_allowed", `azp ${JSON.stringify(claims["azp"])} is not a client configured for exchange`);
  }
  const subject = claims["sub"];
  if (typeof subject !== "string" || subject === "") return reject("missing_subject", "the access token has no sub");
  return { ok: true, value: { subject } };
}

export const auth0: ProviderKind = {
  kind: "auth0",
  idTokenAlgorithms: ["RS256", "PS256"],
  // Auth0 steps up to MFA on the PAPE multi-factor acr_values; Universal Login shows its account picker on select_account.
  forwards: { acrValues: true, selectAccount: true },
  acceptedIssuers: (provider) => [provider.issuer],
  checkIdToken: () => null,
  needsUserinfo: lacksEmailClaims,
  normalise: (idClaims, userinfo, provider) =>
    standardIdentity(idClaims, userinfo, provider, { groups: null, username: ["nickname", "preferred_username"] }),
  emailAuthority: () => null,
  accessTokenRules: () => ({ jwt: { algorithms: ["RS256", "PS256"], check: checkAccessToken }, remote: USERINFO_CHECK }),
};
