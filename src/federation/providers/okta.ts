/**
 * Okta: a custom authorization server (issuer `…/oauth2/{authServerId}`) issues JWT access tokens
 * for third parties (`aud` the server's audience, `cid` the client, `uid` the user id that is the ID
 * token's `sub`, while the access token's own `sub` is the login); the org authorization server
 * (issuer the bare org URL) signs its access tokens with a key outside its JWKS, for Okta's own APIs:
 * they are never verified locally, only introspected. `groups` when a groups claim is configured.
 * @see https://developer.okta.com/docs/guides/validate-access-tokens/main/
 */
import type { Provider } from "../../registry/providers";
import {
  allowed, audiencesOf, lacksEmailClaims, reject, secondsOf, standardIdentity, type AccessTokenRules, type ClaimResult, type Claims,
  type ProviderKind, type RemoteCheck,
} from "./provider";

/** A custom authorization server's issuer ends in `/oauth2/{authServerId}`; the org's does not. */
export function isCustomAuthorizationServer(issuer: string): boolean {
  const path = URL.canParse(issuer) ? new URL(issuer).pathname : "";
  return /\/oauth2\/[^/]+\/?$/.test(path) && !/\/oauth2\/v1\/?$/.test(path);
}

function checkAccessToken(claims: Claims, provider: Provider): ClaimResult<{ subject: string }> {
  const audiences = audiencesOf(claims);
  if (!audiences.some((aud) => provider.exchange.audiences.includes(aud))) {
    return reject("audience_not_allowed", `aud ${JSON.stringify(audiences)} is not an audience configured for exchange`);
  }
  if (!allowed(provider.exchange.clientIds, claims["cid"])) {
    return reject("client_not_allowed", `cid ${JSON.stringify(claims["cid"])} is not a client configured for exchange`);
  }
  // Client-credentials tokens carry no uid: their sub is the client id.
  const uid = claims["uid"];
  if (typeof uid !== "string" || uid === "") return reject("not_a_user_token", "the access token has no uid");
  return { ok: true, value: { subject: uid } };
}

/**
 * RFC 7662 introspection by Fedgate's client at the provider: an active access token (not a
 * refresh or ID token) of an allowed client (`client_id`), naming the user by `uid`.
 * @see https://developer.okta.com/docs/reference/api/oidc/#introspect
 */
const INTROSPECTION: RemoteCheck = {
  via: "introspection",
  check(answer, provider) {
    if (answer["active"] !== true) return reject("inactive", "introspection: the token is not active");
    if (answer["token_type"] !== undefined && answer["token_type"] !== "Bearer") {
      return reject("wrong_token_use", `introspection: token_type ${JSON.stringify(answer["token_type"])} is not an access token`);
    }
    if (!allowed(provider.exchange.clientIds, answer["client_id"])) {
      return reject("client_not_allowed", `client_id ${JSON.stringify(answer["client_id"])} is not a client configured for exchange`);
    }
    const uid = answer["uid"];
    if (typeof uid !== "string" || uid === "") return reject("not_a_user_token", "introspection: the token has no uid");
    const expiresAt = secondsOf(answer["exp"]);
    return { ok: true, value: { subject: uid, ...(expiresAt === undefined ? {} : { expiresAt }) } };
  },
};

export const okta: ProviderKind = {
  kind: "okta",
  idTokenAlgorithms: ["RS256"],
  // Okta takes acr_values (urn:okta:loa:...) for step-up; its prompt values are none, login and consent.
  forwards: { acrValues: true, selectAccount: false },
  acceptedIssuers: (provider) => [provider.issuer],
  checkIdToken: () => null,
  needsUserinfo: lacksEmailClaims,
  normalise: (idClaims, userinfo, provider) =>
    standardIdentity(idClaims, userinfo, provider, { groups: "groups", username: ["preferred_username"] }),
  emailAuthority: () => null,
  accessTokenRules: (provider): AccessTokenRules =>
    isCustomAuthorizationServer(provider.issuer)
      ? { jwt: { algorithms: ["RS256"], check: checkAccessToken }, remote: INTROSPECTION }
      : { remote: INTROSPECTION },
};
