/**
 * The one classifier of upstream failures (SECURITY.md RP-8, AB-8). Every call to a provider —
 * discovery, JWKS, token, userinfo, introspection, tokeninfo — goes through {@link upstreamFetch},
 * which turns "no usable answer" (refused, reset, DNS, timeout, 5xx, 408, 429) into an
 * {@link UpstreamUnavailableError}. That is the only thing reported as an outage. A provider that
 * answered and said no, or whose answer failed a check, is a refusal. Anything else — a TypeError
 * from our own code, an algorithm the runtime cannot verify — is a bug: it is rethrown and becomes
 * a 500 `server_error` with its cause in the log, so no bug can hide behind "provider unavailable".
 */
import * as client from "openid-client";
import { UpstreamTokenError, type UpstreamTokenErrorCode } from "./token-error";

/** The provider gave no usable answer; `detail` is for logs and audit. */
export class UpstreamUnavailableError extends Error {
  override readonly name = "UpstreamUnavailableError";
  /** True when the request was cut off by its timeout (RP-8). */
  readonly timedOut: boolean;
  constructor(readonly detail: string, options: { cause?: unknown; timedOut?: boolean } = {}) {
    super(`upstream unavailable: ${detail}`, { cause: options.cause });
    this.timedOut = options.timedOut ?? false;
  }
}

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Statuses that say "not now" rather than "no". */
const RETRYABLE = (status: number) => status >= 500 || status === 408 || status === 429;

/** The endpoint, without its query (which may carry a token), for details. */
const endpointOf = (input: string | URL | Request): string => {
  try {
    const url = new URL(input instanceof Request ? input.url : input);
    return `${url.host}${url.pathname}`;
  } catch {
    return "the provider";
  }
};

const isTimeout = (error: unknown) => error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");

/**
 * `inner` (default: the runtime's fetch) with its failures sorted: a rejected request or a
 * retryable status becomes an UpstreamUnavailableError; every other response is returned as is.
 */
export function upstreamFetch(inner: Fetch = (input, init) => fetch(input, init)): Fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (error) {
      if (isTimeout(error)) throw new UpstreamUnavailableError(`${endpointOf(input)} did not answer in time`, { cause: error, timedOut: true });
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new UpstreamUnavailableError(`${endpointOf(input)} could not be reached (${why})`.slice(0, 300), { cause: error });
    }
    if (RETRYABLE(response.status)) {
      await response.body?.cancel();
      throw new UpstreamUnavailableError(`${endpointOf(input)} answered HTTP ${response.status}`);
    }
    return response;
  };
}

/** Why a provider's answer was refused: a token check's code, or `refused` (the provider said no). */
export type UpstreamRefusalCode = Exclude<UpstreamTokenErrorCode, "jwks_unavailable"> | "refused";

export type UpstreamFailure =
  | { outcome: "unavailable"; timedOut: boolean; detail: string }
  | { outcome: "rejected"; code: UpstreamRefusalCode; detail: string };

/** What openid-client's claim checks name, in the vocabulary of verify.ts. */
const CLAIM_CODES: ReadonlyMap<string, UpstreamRefusalCode> = new Map([
  ["iss", "issuer"], ["issuer", "issuer"], ["aud", "audience"], ["azp", "azp"], ["nonce", "nonce"], ["sub", "userinfo_sub"],
  ["exp", "expired"], ["iat", "issued_in_future"], ["nbf", "issued_in_future"], ["at_hash", "at_hash"],
]);

function* causes(error: unknown): Generator<unknown> {
  let current = error;
  for (let depth = 0; depth < 6 && current !== null && current !== undefined; depth++) {
    yield current;
    current = typeof current === "object" ? (current as { cause?: unknown }).cause : undefined;
  }
}

/** The claim or attribute an openid-client check names, anywhere down the cause chain. */
function claimOf(error: unknown): string | undefined {
  for (const cause of causes(error)) {
    const { claim, attribute } = (cause ?? {}) as { claim?: unknown; attribute?: unknown };
    if (typeof claim === "string") return claim;
    if (typeof attribute === "string") return attribute;
  }
  return undefined;
}

/** The `alg` of the JOSE header an openid-client algorithm check names, anywhere down the cause chain. */
function headerAlgOf(error: unknown): unknown {
  for (const cause of causes(error)) {
    const header = (cause as { header?: unknown } | null)?.header;
    if (typeof header === "object" && header !== null && "alg" in header) return (header as { alg: unknown }).alg;
  }
  return undefined;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/**
 * What went wrong talking to a provider: unavailable, rejected (with the check that failed), or
 * null for anything that is not the provider's doing — the caller rethrows it as a bug.
 */
export function classifyUpstreamFailure(error: unknown): UpstreamFailure | null {
  for (const cause of causes(error)) {
    if (cause instanceof UpstreamUnavailableError) return { outcome: "unavailable", timedOut: cause.timedOut, detail: cause.detail };
  }
  if (error instanceof UpstreamTokenError) {
    return error.code === "jwks_unavailable" ? { outcome: "unavailable", timedOut: false, detail: error.detail } : { outcome: "rejected", code: error.code, detail: error.detail };
  }
  if (error instanceof client.ResponseBodyError) {
    return { outcome: "rejected", code: "refused", detail: `${error.error}: ${error.error_description ?? ""}`.slice(0, 300) };
  }
  if (error instanceof client.WWWAuthenticateChallengeError) {
    return { outcome: "rejected", code: "refused", detail: `HTTP ${error.status} ${error.cause.map((c) => c.parameters.error ?? c.scheme).join(", ")}` };
  }
  if (error instanceof client.AuthorizationResponseError) return { outcome: "rejected", code: "refused", detail: `${error.error}` };
  if (!(error instanceof client.ClientError)) return null;
  switch (error.code) {
    case "OAUTH_TIMEOUT":
    case "OAUTH_ABORT":
      return { outcome: "unavailable", timedOut: true, detail: describe(error) };
    case "OAUTH_RESPONSE_IS_NOT_JSON":
    case "OAUTH_PARSE_ERROR":
      // An answer that is not JSON at all (an error page, a proxy): not now.
      return { outcome: "unavailable", timedOut: false, detail: describe(error) };
    case "OAUTH_RESPONSE_IS_NOT_CONFORM": {
      const status = [...causes(error)].find((cause): cause is Response => cause instanceof Response)?.status;
      return { outcome: "rejected", code: "refused", detail: `unexpected HTTP ${status ?? "status"}` };
    }
    case "OAUTH_JWT_CLAIM_COMPARISON_FAILED":
    case "OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED":
    case "OAUTH_JWT_TIMESTAMP_CHECK_FAILED": {
      const claim = claimOf(error);
      return { outcome: "rejected", code: (claim && CLAIM_CODES.get(claim)) || "policy", detail: describe(error.cause ?? error) };
    }
    case "OAUTH_INVALID_RESPONSE": {
      const message = describe(error.cause ?? error);
      const alg = headerAlgOf(error);
      if (alg !== undefined) return { outcome: "rejected", code: "algorithm", detail: `alg ${JSON.stringify(alg)?.slice(0, 40)} is not one the provider declares` };
      return { outcome: "rejected", code: /claim missing/.test(message) ? "missing_claim" : "malformed", detail: message };
    }
    default:
      return null;
  }
}
