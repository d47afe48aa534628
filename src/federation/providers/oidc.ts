/**
 * Any OpenID Connect provider: standard claims only, `groups` if it is an array of strings, and no
 * authority over email domains beyond the project's mappings. JWT access tokens follow RFC 9068
 * (`aud` an allowed audience, `client_id` an allowed client); others are judged at userinfo.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
import type { Provider } from "../../registry/providers";
import {
  allowed, audiencesOf, lacksEmailClaims, reject, standardIdentity, USERINFO_CHECK, type ClaimResult, type Claims, type ProviderKind,
} from "./provider";
import { JWS_ALGORITHMS } from "../../security/jws-algorithms";

/** A generic provider may sign with any algorithm Fedgate verifies; its discovery document names which. */
const ALGORITHMS = JWS_ALGORITHMS;

function checkAccessToken(claims: Claims, provider: Provider): ClaimResult<{ subject: string }> {
  const audiences = audiencesOf(claims);
  if (!audiences.some((aud) => provider.exchange.audiences.includes(aud))) {
    return reject("audience_not_allowed", `aud ${JSON.stringify(audiences)} is not an audience configured for exchange`);
  }
  if (!allowed(provider.exchange.clientIds, claims["client_id"])) {
    return reject("client_not_allowed", `client_id ${JSON.stringify(claims["client_id"])} is not a client configured for exchange`);
  }
  const subject = claims["sub"];
  if (typeof subject !== "string" || subject === "") return reject("missing_subject", "the access token has no sub");
  // RFC 9068 §2.2: a client-credentials token's sub is the client id.
  if (subject === claims["client_id"]) return reject("not_a_user_token", "the token's subject is its client");
  return { ok: true, value: { subject } };
}

export const oidc: ProviderKind = {
  kind: "oidc",
  idTokenAlgorithms: ALGORITHMS,
  // OIDC Core 3.1.2.1 defines both; a provider that does not know them ignores them.
  forwards: { acrValues: true, selectAccount: true },
  acceptedIssuers: (provider) => [provider.issuer],
  checkIdToken: () => null,
  needsUserinfo: lacksEmailClaims,
  normalise: (idClaims, userinfo, provider) =>
    standardIdentity(idClaims, userinfo, provider, { groups: "groups", username: ["preferred_username"] }),
  emailAuthority: () => null,
  accessTokenRules: () => ({ jwt: { algorithms: ALGORITHMS, check: checkAccessToken }, remote: USERINFO_CHECK }),
};
