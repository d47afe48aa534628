/**
 * Checking an upstream issuer before Fedgate trusts it: its discovery document must load within
 * the timeout (SECURITY.md RP-8), name exactly this issuer, and list the endpoints a relying party
 * needs. openid-client does the fetch and the RFC 8414 / OIDC Discovery issuer check.
 */
import * as client from "openid-client";
import { classifyUpstreamFailure, upstreamFetch } from "./upstream-failure";
import { isLoopbackHttp } from "../urls";

/** Upper bound on the discovery request (RP-8: ≤ 5 s). */
export const DISCOVERY_TIMEOUT_S = 5;


export type IssuerCheck =
  | { ok: true; metadata: client.ServerMetadata }
  /** `unreachable`: no answer, a timeout, a 5xx or no JSON; `invalid`: an answer that is not a usable document. */
  | { ok: false; kind: "unreachable" | "invalid"; reason: string };

/** Loads and checks `issuer`'s discovery document. Plain http is allowed on loopback only. */
export async function checkIssuer(issuer: string): Promise<IssuerCheck> {
  const url = new URL(issuer);
  const insecure = isLoopbackHttp(url);
  let metadata: client.ServerMetadata;
  try {
    const configuration = await client.discovery(url, "fedgate-issuer-check", undefined, undefined, {
      timeout: DISCOVERY_TIMEOUT_S,
      [client.customFetch]: upstreamFetch(),
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
    });
    metadata = configuration.serverMetadata();
  } catch (error) {
    const failure = classifyUpstreamFailure(error);
    if (!failure) throw error; // ours, not the provider's: a 500, never "unreachable"
    if (failure.outcome === "rejected") return { ok: false, kind: "invalid", reason: `the discovery document was not accepted: ${failure.code}: ${failure.detail}` };
    return failure.timedOut
      ? { ok: false, kind: "unreachable", reason: `the discovery document did not arrive within ${DISCOVERY_TIMEOUT_S} s` }
      : { ok: false, kind: "unreachable", reason: `the discovery document could not be reached: ${failure.detail}` };
  }
  const missing = (["authorization_endpoint", "token_endpoint", "jwks_uri"] as const).filter((name) => !metadata[name]);
  if (missing.length > 0) return { ok: false, kind: "invalid", reason: `the discovery document lacks ${missing.join(", ")}` };
  if (!URL.canParse(metadata.authorization_endpoint!) || !/^https?:$/.test(new URL(metadata.authorization_endpoint!).protocol)) {
    return { ok: false, kind: "invalid", reason: "the discovery document's authorization_endpoint is not an http(s) URL" };
  }
  return { ok: true, metadata };
}
