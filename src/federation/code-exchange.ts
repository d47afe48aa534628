/**
 * The upstream half of a callback: the provider's answer on the callback URL checked (`state`,
 * `iss`, `error`), its code redeemed with PKCE, the token response and its ID token validated
 * (verify.ts, RP-2…RP-4), the kind's own claim rules applied, and userinfo fetched where the kind
 * needs it, checked for the same `sub` (RP-5). Each request (upstream-requests.ts) goes through the
 * injected `fetch` (default {@link upstreamFetch}) with the RP-8 timeout; each answer is validated
 * apart, by verify.ts.
 *
 * Resolves with the verified claims, or a kind's rejection of them; throws what the request or a
 * check threw, for `classifyUpstreamFailure` to sort (an outage, a refusal, or a bug).
 */
import type { Provider } from "../registry/providers";
import type { Sealer } from "../security/encryption";
import type { UpstreamTransaction } from "./login";
import { providerKind, type ClaimRejection, type Claims } from "./providers";
import { upstreamServer } from "./upstream";
import { upstreamFetch, type Fetch } from "./upstream-failure";
import { codeRequest, userinfoRequest } from "./upstream-requests";
import { processCodeResponse, processUserinfoResponse } from "./verify";

export type RedeemedCode = { ok: true; claims: Claims; userinfo: Claims | undefined } | ClaimRejection;

/** Redeems the code the provider sent to `callbackUrl` (the URL it was told, with this request's query). */
export async function redeemUpstreamCode(provider: Provider, transaction: UpstreamTransaction, callbackUrl: URL, sealer: Sealer, fetch: Fetch = upstreamFetch()): Promise<RedeemedCode> {
  const kind = providerKind(provider.kind);
  const server = await upstreamServer(provider, sealer, fetch);
  const declared = server.as.id_token_signing_alg_values_supported;
  const { tokens, idToken } = await processCodeResponse(server, await codeRequest(server, callbackUrl, transaction.state, transaction.codeVerifier, fetch), {
    issuer: kind.acceptedIssuers(provider),
    clientId: provider.clientId,
    trustedAudiences: [],
    nonce: transaction.nonce,
    jwksUri: server.as.jwks_uri!,
    // What the provider declares (RS256 when it declares nothing, as OIDC Discovery defaults), then the kind's allow-list.
    declaredAlgorithms: Array.isArray(declared) ? declared : ["RS256"],
    algorithms: kind.idTokenAlgorithms,
  });
  const claims = idToken.claims;
  const rejection = kind.checkIdToken(claims, provider);
  if (rejection) return rejection;
  let userinfo: Claims | undefined;
  if (kind.needsUserinfo(claims)) {
    userinfo = await processUserinfoResponse(server, await userinfoRequest(server, tokens.access_token, fetch), claims.sub);
  }
  return { ok: true, claims, userinfo };
}
