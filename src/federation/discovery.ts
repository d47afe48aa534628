/**
 * Checking an upstream issuer before Fedgate trusts it: its discovery document must load within
 * the timeout (SECURITY.md RP-8), name exactly this issuer, and list the endpoints a relying party
 * needs. openid-client does the fetch and the RFC 8414 / OIDC Discovery issuer check.
 */
import * as client from "openid-client";

/** Upper bound on the discovery request (RP-8: ≤ 5 s). */
export const DISCOVERY_TIMEOUT_S = 5;

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

export type IssuerCheck =
  | { ok: true; metadata: client.ServerMetadata }
  /** `unreachable`: no answer, a timeout or a 5xx; `invalid`: an answer that is not a usable document. */
  | { ok: false; kind: "unreachable" | "invalid"; reason: string };

/** Loads and checks `issuer`'s discovery document. Plain http is allowed on loopback only. */
export async function checkIssuer(issuer: string): Promise<IssuerCheck> {
  const url = new URL(issuer);
  const insecure = url.protocol === "http:" && LOOPBACK.has(url.hostname);
  let metadata: client.ServerMetadata;
  try {
    const configuration = await client.discovery(url, "fedgate-issuer-check", undefined, undefined, {
      timeout: DISCOVERY_TIMEOUT_S,
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
    });
    metadata = configuration.serverMetadata();
  } catch (error) {
    return describeFailure(error);
  }
  const missing = (["authorization_endpoint", "token_endpoint", "jwks_uri"] as const).filter((name) => !metadata[name]);
  if (missing.length > 0) return { ok: false, kind: "invalid", reason: `the discovery document lacks ${missing.join(", ")}` };
  return { ok: true, metadata };
}

const isTimeout = (value: unknown) =>
  value instanceof Error && (value.name === "TimeoutError" || value.name === "AbortError" || /timed? ?out|aborted/i.test(value.message));

/** openid-client's failure, sorted: no answer (network, timeout, 5xx) versus an unusable answer. */
function describeFailure(error: unknown): IssuerCheck {
  const cause = (error as { cause?: unknown }).cause;
  if (isTimeout(error) || isTimeout(cause)) {
    return { ok: false, kind: "unreachable", reason: `the discovery document did not arrive within ${DISCOVERY_TIMEOUT_S} s` };
  }
  if (cause instanceof Response) {
    return cause.status >= 500
      ? { ok: false, kind: "unreachable", reason: `the discovery endpoint answered HTTP ${cause.status}` }
      : { ok: false, kind: "invalid", reason: `the discovery endpoint answered HTTP ${cause.status}` };
  }
  const code = (error as { code?: unknown }).code;
  // No response at all: openid-client wraps the runtime's network error without a code.
  if (code === undefined && (cause instanceof Error || error instanceof TypeError)) {
    return { ok: false, kind: "unreachable", reason: "the discovery endpoint could not be reached" };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, kind: "invalid", reason: `the discovery document was not accepted: ${message}${typeof code === "string" ? ` (${code})` : ""}` };
}
