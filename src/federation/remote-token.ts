/**
 * Asking an upstream provider about a token Fedgate cannot judge locally (token exchange, SECURITY.md
 * RP-6): at its userinfo endpoint, by RFC 7662 introspection with Fedgate's client credentials, or at
 * Google's tokeninfo. Every request goes through the injected `fetch` (default `upstreamFetch`) with
 * the RP-8 timeout; failures are sorted by `classifyUpstreamFailure` into "rejected" (the provider
 * said no: the token is not good) and "unavailable"
 * (no answer, a timeout, a 5xx, an unreadable body: try again later), because only a rejection may
 * be cached or reported as the caller's fault; anything else is a bug and is rethrown.
 *
 * Verdicts on opaque tokens are cached in two tiers, keyed by the SHA-256 of the token (never the
 * token): this isolate's memory, then the store, so that a warm exchange makes no upstream call and,
 * in the same isolate, no store read. An acceptance is kept at most {@link ACCEPTED_TTL_S} (and never
 * past the token's expiry): a token revoked upstream is still accepted for up to that long. A
 * rejection is kept {@link REJECTED_TTL_S}, so a replayed bad token costs the provider nothing.
 */
import * as oauth from "oauth4webapi";
import type { Provider } from "../registry/providers";
import type { Sealer } from "../security/encryption";
import * as keys from "../store/keys";
import type { Store } from "../store/store";
import type { Claims, RemoteCheck } from "./providers/provider";
import { upstreamServer } from "./upstream";
import { classifyUpstreamFailure, failureDetail, upstreamFetch, UpstreamUnavailableError, type Fetch } from "./upstream-failure";
import { introspectionRequest, tokeninfoRequest, userinfoRequest } from "./upstream-requests";
import { processUserinfoResponse, UpstreamTokenError } from "./verify";

/** How long an upstream's acceptance of an opaque token is trusted without asking again. */
const ACCEPTED_TTL_S = 60;
/** How long an upstream's rejection is remembered. */
const REJECTED_TTL_S = 30;
const ISOLATE_ENTRIES = 10_000;

/** What a provider said about a token. `claims`: its userinfo answer, when that is how it was asked. */
export type RemoteAnswer =
  | { ok: true; subject: string; expiresAt?: number; claims?: Claims }
  | { ok: false; outcome: "rejected" | "unavailable"; detail: string };

/** A cached verdict: accepted for `providerId`'s `subject`, or rejected by every provider asked (`providerIds`). */
export type ExchangeVerdict =
  | { accepted: true; providerId: string; subject: string; expiresAt?: number; claims?: Claims }
  | { accepted: false; providerIds: string[]; detail: string };

/** A failed upstream request as an answer (sorted by `classifyUpstreamFailure`); a bug is rethrown. */
function failed(what: string, error: unknown): RemoteAnswer & { ok: false } {
  const failure = classifyUpstreamFailure(error);
  if (!failure) throw error;
  return { ok: false, outcome: failure.outcome, detail: `${what}: ${failureDetail(failure)}`.slice(0, 300) };
}

/** Google's tokeninfo answer: a refusal unless 200, an outage unless JSON. */
async function processTokeninfoResponse(response: Response): Promise<unknown> {
  if (!response.ok) {
    await response.body?.cancel();
    throw new UpstreamTokenError("policy", `tokeninfo answered HTTP ${response.status}`);
  }
  try {
    return await response.json();
  } catch (error) {
    throw new UpstreamUnavailableError("tokeninfo: the answer is not JSON", { cause: error });
  }
}

const isObject = (value: unknown): value is Claims => typeof value === "object" && value !== null && !Array.isArray(value);

/** Asks `provider` about `token` the way its kind's `remote` rule says, and applies the rule's claim checks. */
export async function askProvider(provider: Provider, remote: RemoteCheck, token: string, sealer: Sealer, fetch: Fetch = upstreamFetch()): Promise<RemoteAnswer> {
  let answer: unknown;
  try {
    if (remote.via === "tokeninfo") {
      answer = await processTokeninfoResponse(await tokeninfoRequest(remote.endpoint!, token, fetch));
    } else {
      const server = await upstreamServer(provider, sealer, fetch);
      answer = remote.via === "userinfo"
        ? await oauth.processUserInfoResponse(server.as, server.client, oauth.skipSubjectCheck, await userinfoRequest(server, token, fetch))
        : await oauth.processIntrospectionResponse(server.as, server.client, await introspectionRequest(server, token, fetch));
    }
  } catch (error) {
    return failed(remote.via, error);
  }
  if (!isObject(answer)) return { ok: false, outcome: "unavailable", detail: `${remote.via}: the answer is not a JSON object` };
  const checked = remote.check(answer, provider);
  if (!checked.ok) return { ok: false, outcome: "rejected", detail: `${remote.via}: ${checked.reason}: ${checked.detail}` };
  return { ok: true, ...checked.value, ...(remote.via === "userinfo" ? { claims: answer } : {}) };
}

/**
 * The provider's userinfo answer about `subject`, for linking a person seen for the first time
 * (their email and its verification). RP-5: the answer must name the same subject.
 */
export async function userinfoClaims(provider: Provider, token: string, subject: string, sealer: Sealer, fetch: Fetch = upstreamFetch()): Promise<RemoteAnswer> {
  let claims: Claims;
  try {
    const server = await upstreamServer(provider, sealer, fetch);
    claims = await processUserinfoResponse(server, await userinfoRequest(server, token, fetch), subject);
  } catch (error) {
    if (error instanceof UpstreamTokenError && error.code === "userinfo_sub") return { ok: false, outcome: "rejected", detail: error.detail };
    return failed("userinfo", error);
  }
  return { ok: true, subject, claims };
}

const isolate = new Map<string, { until: number; verdict: ExchangeVerdict }>();

/** The two-tier verdict cache of one project's opaque tokens. */
export class VerdictCache {
  constructor(
    private readonly store: Store,
    private readonly projectId: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A verdict still in force, from this isolate or the store. */
  async get(hash: string): Promise<ExchangeVerdict | null> {
    const key = keys.exchangeVerdict(this.projectId, hash);
    const local = isolate.get(key);
    if (local && local.until > this.now()) return local.verdict;
    const stored = await this.store.get<{ until: number; verdict: ExchangeVerdict }>(key);
    if (!stored || stored.until <= this.now()) return null;
    this.remember(key, stored.until, stored.verdict);
    return stored.verdict;
  }

  /** Records a verdict for its TTL (an acceptance never past the token's own expiry). */
  async put(hash: string, verdict: ExchangeVerdict): Promise<void> {
    const now = this.now();
    let ttlMs = (verdict.accepted ? ACCEPTED_TTL_S : REJECTED_TTL_S) * 1000;
    if (verdict.accepted && verdict.expiresAt !== undefined) ttlMs = Math.min(ttlMs, verdict.expiresAt * 1000 - now);
    if (ttlMs < 1000) return;
    const key = keys.exchangeVerdict(this.projectId, hash);
    this.remember(key, now + ttlMs, verdict);
    await this.store.set(key, { until: now + ttlMs, verdict }, { ttlMs });
  }

  private remember(key: string, until: number, verdict: ExchangeVerdict): void {
    if (!isolate.has(key) && isolate.size >= ISOLATE_ENTRIES) isolate.delete(isolate.keys().next().value!);
    isolate.set(key, { until, verdict });
  }
}
