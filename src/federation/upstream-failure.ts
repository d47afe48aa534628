/**
 * The one classifier of upstream failures (SECURITY.md RP-8, AB-8). Every call to a provider —
 * discovery, JWKS, token, userinfo, introspection, tokeninfo — goes through {@link upstreamFetch},
 * bounded by {@link UPSTREAM_TIMEOUT_MS}, which turns "no usable answer" (refused, reset, DNS,
 * timeout, 5xx, 408, 429) into an {@link UpstreamUnavailableError}. That is the only thing reported
 * as an outage. A provider that answered and said no, or whose answer failed a check (verify.ts,
 * or oauth4webapi's response checks), is a refusal. Anything else — a TypeError from our own code,
 * an algorithm the runtime cannot verify — is a bug: it is rethrown and becomes a 500
 * `server_error` with its cause in the log, so no bug can hide behind "provider unavailable".
 */
import * as oauth from "oauth4webapi";
import { UpstreamTokenError, type UpstreamTokenErrorCode } from "./token-error";
import { isLoopbackHttp } from "../urls";

/** RP-8: no upstream request may take longer than this (discovery, JWKS, token, userinfo, introspection, tokeninfo). */
export const UPSTREAM_TIMEOUT_MS = 5_000;

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
 * The callers pass the {@link UPSTREAM_TIMEOUT_MS} signal (oauth4webapi's `signal`, jose's `timeoutDuration`).
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

/** oauth4webapi's options for every request to an upstream at `url`: our fetch, the RP-8 timeout, plain http on loopback only. */
export function requestOptions(url: URL, fetch: Fetch) {
  return {
    [oauth.customFetch]: fetch as (url: string, options: oauth.CustomFetchOptions<string, unknown>) => Promise<Response>,
    [oauth.allowInsecureRequests]: isLoopbackHttp(url),
    signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
  };
}

/** Why a provider's answer was refused: a token check's code, or `refused` (the provider said no). */
type UpstreamRefusalCode = Exclude<UpstreamTokenErrorCode, "jwks_unavailable"> | "refused";

export type UpstreamFailure =
  | { outcome: "unavailable"; timedOut: boolean; detail: string }
  | { outcome: "rejected"; code: UpstreamRefusalCode; detail: string };

function* causes(error: unknown): Generator<unknown> {
  let current = error;
  for (let depth = 0; depth < 6 && current !== null && current !== undefined; depth++) {
    yield current;
    current = typeof current === "object" ? (current as { cause?: unknown }).cause : undefined;
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/**
 * What oauth4webapi's response checks (discovery, token, userinfo and introspection answers; never
 * an ID token, which only verify.ts judges) found, sorted; null for its argument checks (ours).
 */
function responseCheckFailure(error: oauth.OperationProcessingError): UpstreamFailure | null {
  switch (error.code) {
    case oauth.RESPONSE_IS_NOT_JSON:
    case oauth.PARSE_ERROR:
      // An answer that is not JSON at all (an error page, a proxy): not now.
      return { outcome: "unavailable", timedOut: false, detail: describe(error) };
    case oauth.RESPONSE_IS_NOT_CONFORM: {
      const status = error.cause instanceof Response ? error.cause.status : undefined;
      return { outcome: "rejected", code: "refused", detail: `unexpected HTTP ${status ?? "status"}` };
    }
    case oauth.JSON_ATTRIBUTE_COMPARISON:
    case oauth.JWT_CLAIM_COMPARISON:
    case oauth.JWT_TIMESTAMP_CHECK: {
      const { attribute, claim } = (error.cause ?? {}) as { attribute?: unknown; claim?: unknown };
      const name = attribute ?? claim;
      return { outcome: "rejected", code: name === "issuer" || name === "iss" ? "issuer" : "policy", detail: describe(error) };
    }
    case oauth.INVALID_RESPONSE:
    case oauth.JWT_USERINFO_EXPECTED:
      return { outcome: "rejected", code: /claim missing/.test(error.message) ? "missing_claim" : "malformed", detail: describe(error) };
    default:
      return null;
  }
}

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
  if (error instanceof oauth.ResponseBodyError) {
    return { outcome: "rejected", code: "refused", detail: `${error.error}: ${error.error_description ?? ""}`.slice(0, 300) };
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return { outcome: "rejected", code: "refused", detail: `HTTP ${error.status} ${error.cause.map((c) => c.parameters.error ?? c.scheme).join(", ")}` };
  }
  if (error instanceof oauth.AuthorizationResponseError) return { outcome: "rejected", code: "refused", detail: `${error.error}` };
  if (error instanceof oauth.UnsupportedOperationError && /token_type/.test(error.message)) {
    return { outcome: "rejected", code: "malformed", detail: describe(error) };
  }
  if (error instanceof oauth.OperationProcessingError) return responseCheckFailure(error);
  return null;
}

/** A failure as one line for logs and audit: the outage's detail, or `<check>: <detail>`. */
export const failureDetail = (failure: UpstreamFailure): string =>
  failure.outcome === "unavailable" ? failure.detail : `${failure.code}: ${failure.detail}`;
