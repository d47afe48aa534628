/**
 * The upstream half of a callback: the provider's code redeemed with PKCE (RP-8 timeout), the ID
 * token verified to the letter (verify.ts, RP-2…RP-4), the kind's own claim rules applied, and
 * userinfo fetched where the kind needs it, checked for the same `sub` (RP-5).
 *
 * Resolves with the verified claims, or a kind's rejection of them; throws what the request or a
 * check threw, for `classifyUpstreamFailure` to sort (an outage, a refusal, or a bug).
 */
import * as client from "openid-client";
import type { Provider } from "../registry/providers";
import type { Sealer } from "../security/encryption";
import type { UpstreamTransaction } from "./login";
import { providerKind, type ClaimRejection, type Claims } from "./providers";
import { upstreamConfiguration } from "./upstream";
import { checkUserinfoSub, verifyIdToken } from "./verify";

export type RedeemedCode = { ok: true; claims: Claims; userinfo: Claims | undefined } | ClaimRejection;

/** Redeems the code the provider sent to `callbackUrl` (the URL it was told, with this request's query). */
export async function redeemUpstreamCode(provider: Provider, transaction: UpstreamTransaction, callbackUrl: URL, sealer: Sealer): Promise<RedeemedCode> {
  const kind = providerKind(provider.kind);
  const configuration = await upstreamConfiguration(provider, sealer);
  const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
    pkceCodeVerifier: transaction.codeVerifier,
    expectedState: transaction.state,
    expectedNonce: transaction.nonce,
    idTokenExpected: true,
  });
  const verified = await verifyIdToken(tokens.id_token!, {
    issuer: kind.acceptedIssuers(provider),
    clientId: provider.clientId,
    nonce: transaction.nonce,
    jwksUri: configuration.serverMetadata().jwks_uri!,
    algorithms: kind.idTokenAlgorithms,
    accessToken: tokens.access_token,
  });
  const claims = verified.claims;
  const rejection = kind.checkIdToken(claims, provider);
  if (rejection) return rejection;
  let userinfo: Claims | undefined;
  if (kind.needsUserinfo(claims)) {
    const info = await client.fetchUserInfo(configuration, tokens.access_token, client.skipSubjectCheck);
    userinfo = checkUserinfoSub(verified.claims.sub, info);
  }
  return { ok: true, claims, userinfo };
}
