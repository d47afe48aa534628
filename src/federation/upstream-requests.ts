/**
 * The requests a relying party makes of a provider after discovery, each returning the raw
 * Response (as oauth4webapi's `…Request` functions do): validating it is the caller's next step
 * (verify.ts for tokens and userinfo, oauth4webapi's `process…Response` for the rest). Every one
 * goes through the caller's `fetch` with the RP-8 timeout (`requestOptions`).
 */
import * as oauth from "oauth4webapi";
import type { UpstreamServer } from "./upstream";
import { requestOptions, UPSTREAM_TIMEOUT_MS, type Fetch } from "./upstream-failure";

/**
 * The token request for the code on `callbackUrl` (the URL the provider was told, with its query),
 * after oauth4webapi has checked that query's `state`, `iss` and `error`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#TokenRequest
 */
export function codeRequest(server: UpstreamServer, callbackUrl: URL, state: string, codeVerifier: string, fetch: Fetch): Promise<Response> {
  const parameters = oauth.validateAuthResponse(server.as, server.client, callbackUrl.searchParams, state);
  const redirectUri = new URL(callbackUrl);
  redirectUri.search = "";
  redirectUri.hash = "";
  return oauth.authorizationCodeGrantRequest(server.as, server.client, server.clientAuth, parameters, redirectUri.href, codeVerifier, requestOptions(server.issuer, fetch));
}

/**
 * The userinfo request with `accessToken`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoRequest
 */
export function userinfoRequest(server: UpstreamServer, accessToken: string, fetch: Fetch): Promise<Response> {
  return oauth.userInfoRequest(server.as, server.client, accessToken, requestOptions(server.issuer, fetch));
}

/**
 * RFC 7662 introspection of `token` with Fedgate's client credentials.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 */
export function introspectionRequest(server: UpstreamServer, token: string, fetch: Fetch): Promise<Response> {
  return oauth.introspectionRequest(server.as, server.client, server.clientAuth, token, requestOptions(server.issuer, fetch));
}

/** Google's tokeninfo, by POST so the token stays out of URLs and their logs. */
export function tokeninfoRequest(endpoint: string, token: string, fetch: Fetch): Promise<Response> {
  return fetch(endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams({ access_token: token }),
    signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
  });
}
