/**
 * An upstream issuer's discovery document (OpenID Connect Discovery 1.0, RFC 8414): requested
 * with the injected fetch and the RP-8 timeout, and processed by oauth4webapi, which checks that
 * it names exactly this issuer. `checkIssuer` is what the admin API runs before Fedgate trusts an
 * issuer: the document must load and list the endpoints a relying party needs.
 */
import * as oauth from "oauth4webapi";
import { classifyUpstreamFailure, failureDetail, requestOptions, upstreamFetch, UPSTREAM_TIMEOUT_MS, type Fetch } from "./upstream-failure";

/**
 * Fetches and checks `issuer`'s discovery document (`/.well-known/openid-configuration`).
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export async function discover(issuer: string, fetch: Fetch = upstreamFetch()): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  const response = await oauth.discoveryRequest(url, requestOptions(url, fetch));
  return oauth.processDiscoveryResponse(url, response);
}

export type IssuerCheck =
  | { ok: true; metadata: oauth.AuthorizationServer }
  /** `unreachable`: no answer, a timeout, a 5xx or no JSON; `invalid`: an answer that is not a usable document. */
  | { ok: false; kind: "unreachable" | "invalid"; reason: string };

/** Loads and checks `issuer`'s discovery document. Plain http is allowed on loopback only. */
export async function checkIssuer(issuer: string, fetch: Fetch = upstreamFetch()): Promise<IssuerCheck> {
  let metadata: oauth.AuthorizationServer;
  try {
    metadata = await discover(issuer, fetch);
  } catch (error) {
    const failure = classifyUpstreamFailure(error);
    if (!failure) throw error; // ours, not the provider's: a 500, never "unreachable"
    if (failure.outcome === "rejected") return { ok: false, kind: "invalid", reason: `the discovery document was not accepted: ${failureDetail(failure)}` };
    return failure.timedOut
      ? { ok: false, kind: "unreachable", reason: `the discovery document did not arrive within ${UPSTREAM_TIMEOUT_MS / 1000} s` }
      : { ok: false, kind: "unreachable", reason: `the discovery document could not be reached: ${failure.detail}` };
  }
  const missing = (["authorization_endpoint", "token_endpoint", "jwks_uri"] as const).filter((name) => !metadata[name]);
  if (missing.length > 0) return { ok: false, kind: "invalid", reason: `the discovery document lacks ${missing.join(", ")}` };
  if (!URL.canParse(metadata.authorization_endpoint!) || !/^https?:$/.test(new URL(metadata.authorization_endpoint!).protocol)) {
    return { ok: false, kind: "invalid", reason: "the discovery document's authorization_endpoint is not an http(s) URL" };
  }
  return { ok: true, metadata };
}
