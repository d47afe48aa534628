/**
 * Asking an upstream provider about a token Fedgate cannot judge locally (token exchange, SECURITY.md
 * RP-6): at its userinfo endpoint, by RFC 7662 introspection with Fedgate's client credentials, or at
 * Google's tokeninfo. Every request is bounded by the RP-8 timeout; the provider's answer is sorted
 * into "rejected" (a 4xx: the token is not good) and "unavailable" (no answer, a timeout, a 5xx, an
 * unreadable body: try again later), because only a rejection may be cached or reported as the
 * caller's fault.
 *
 * Verdicts on opaque tokens are cached in two tiers, keyed by the SHA-256 of the token (never the
 * token): this isolate's memory, then the store, so that a warm exchange makes no upstream call and,
 * in the same isolate, no store read. An acceptance is kept at most {@link ACCEPTED_TTL_S} (and never
 * past the token's expiry): a token revoked upstream is still accepted for up to that long. A
 * rejection is kept {@link REJECTED_TTL_S}, so a replayed bad token costs the provider nothing.
 */
import * as client from "openid-client";
import type { Provider } from "../registry/providers";
import type { Sealer } from "../security/encryption";
import * as keys from "../store/keys";
import type { Store } from "../store/store";
import { DISCOVERY_TIMEOUT_S } from "./discovery";
import type { Claims, RemoteCheck } from "./providers/provider";
import { upstreamConfiguration } from "./upstream";
import { checkUserinfoSub, UpstreamTokenError } from "./verify";

/** How long an upstream's acceptance of an opaque token is trusted without asking again. */
export const ACCEPTED_TTL_S = 60;
/** How long an upstream's rejection is remembered. */
export const REJECTED_TTL_S = 30;
const ISOLATE_ENTRIES = 10_000;

/** What a provider said about a token. `claims`: its userinfo answer, when that is how it was asked. */
export type RemoteAnswer =
  | { ok: true; subject: string; expiresAt?: number; claims?: Claims }
  | { ok: false; outcome: "rejected" | "unavailable"; detail: string };

/** A cached verdict: accepted for `providerId`'s `subject`, or rejected by every provider asked (`providerIds`). */
export type ExchangeVerdict =
  | { accepted: true; providerId: string; subject: string; expiresAt?: number; claims?: Claims }
  | { accepted: false; providerIds: string[]; detail: string };

/** The HTTP status an openid-client or fetch failure carries, if the provider answered at all. */
function statusOf(error: unknown): number | undefined {
  let current = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    if (current instanceof Response) return current.status;
    const { status, response } = current as { status?: unknown; response?: unknown };
    if (typeof status === "number") return status;
    if (response instanceof Response) return response.status;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A failed upstream request, sorted: a 4xx (but 408 and 429) rejects the token; anything else is the provider's trouble. */
export function sortFailure(what: string, error: unknown): RemoteAnswer & { ok: false } {
  const status = statusOf(error);
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return { ok: false, outcome: "rejected", detail: `${what} answered HTTP ${status}` };
  }
  return { ok: false, outcome: "unavailable", detail: `${what}: ${status === undefined ? message : `HTTP ${status}`}`.slice(0, 300) };
}

/** Google's tokeninfo, by POST so the token stays out of URLs and their logs. */
async function tokeninfo(endpoint: string, token: string): Promise<unknown> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams({ access_token: token }),
    signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_S * 1000),
  });
  if (!response.ok) throw Object.assign(new Error(`tokeninfo answered HTTP ${response.status}`), { status: response.status });
  return response.json();
}

const isObject = (value: unknown): value is Claims => typeof value === "object" && value !== null && !Array.isArray(value);

/** Asks `provider` about `token` the way its kind's `remote` rule says, and applies the rule's claim checks. */
export async function askProvider(provider: Provider, remote: RemoteCheck, token: string, sealer: Sealer): Promise<RemoteAnswer> {
  let answer: unknown;
  try {
    if (remote.via === "tokeninfo") {
      answer = await tokeninfo(remote.endpoint!, token);
    } else {
      const configuration = await upstreamConfiguration(provider, sealer);
      answer = remote.via === "userinfo"
        ? await client.fetchUserInfo(configuration, token, client.skipSubjectCheck)
        : await client.tokenIntrospection(configuration, token);
    }
  } catch (error) {
    return sortFailure(remote.via, error);
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
export async function userinfoClaims(provider: Provider, token: string, subject: string, sealer: Sealer): Promise<RemoteAnswer> {
  let answer: unknown;
  try {
    answer = await client.fetchUserInfo(await upstreamConfiguration(provider, sealer), token, client.skipSubjectCheck);
  } catch (error) {
    return sortFailure("userinfo", error);
  }
  try {
    return { ok: true, subject, claims: checkUserinfoSub(subject, answer) };
  } catch (error) {
    return { ok: false, outcome: "rejected", detail: error instanceof UpstreamTokenError ? error.detail : "userinfo: unusable answer" };
  }
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
