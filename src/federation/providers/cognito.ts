/**
 * AWS Cognito user pools: `token_use` tells ID tokens (`id`) from access tokens (`access`), which
 * are signed with a different key, carry `client_id` and no `aud`. `cognito:username` and
 * `cognito:groups`; userinfo has answered `email_verified` as the string "true"/"false" (the
 * shared normalisation makes "false" false). Client-credentials access tokens carry no `username`.
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 */
import type { Provider } from "../../registry/providers";
import { allowed, lacksEmailClaims, reject, standardIdentity, type ClaimResult, type Claims, type ProviderKind } from "./provider";

function checkAccessToken(claims: Claims, provider: Provider): ClaimResult<{ subject: string }> {
  if (claims["token_use"] !== "access") return reject("wrong_token_use", `token_use is ${JSON.stringify(claims["token_use"])}, not "access"`);
  if ("aud" in claims) return reject("unexpected_audience", "a Cognito access token carries no aud");
  if (!allowed(provider.exchange.clientIds, claims["client_id"])) {
    return reject("client_not_allowed", `client_id ${JSON.stringify(claims["client_id"])} is not a client configured for exchange`);
  }
  if (typeof claims["username"] !== "string") return reject("not_a_user_token", "a client-credentials token names no user");
  const subject = claims["sub"];
  if (typeof subject !== "string" || subject === "") return reject("missing_subject", "the access token has no sub");
  return { ok: true, value: { subject } };
}

export const cognito: ProviderKind = {
  kind: "cognito",
  idTokenAlgorithms: ["RS256"],
  // Cognito's managed login takes prompt=login and none only, and no acr_values.
  forwards: { acrValues: false, selectAccount: false },
  acceptedIssuers: (provider) => [provider.issuer],
  checkIdToken: (claims) =>
    claims["token_use"] === "id" ? null : reject("wrong_token_use", `token_use is ${JSON.stringify(claims["token_use"])}, not "id"`),
  needsUserinfo: lacksEmailClaims,
  normalise: (idClaims, userinfo, provider) =>
    standardIdentity(idClaims, userinfo, provider, { groups: "cognito:groups", username: ["cognito:username", "username"] }),
  emailAuthority: () => null,
  accessTokenRules: () => ({ jwt: { algorithms: ["RS256"], check: checkAccessToken } }),
};
