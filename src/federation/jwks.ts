/**
 * Upstream providers' JSON Web Key Sets, cached per isolate and keyed by `jwks_uri` (SECURITY.md
 * RP-2, RP-4, RP-8). jose's `createRemoteJWKSet` fetches (bounded by a timeout) and keeps each set
 * for `maxAgeMs`; a warm verification makes no upstream call.
 *
 * The unknown-`kid` refetch (key rotation) is rate-limited here rather than by jose's own cooldown:
 * in Workers jose deliberately does not share an in-flight fetch between concurrent callers, and
 * its cooldown only starts once a fetch has completed, so N concurrent tokens with a forged `kid`
 * would cause N fetches. This gate is claimed synchronously, so it holds under concurrency: at most
 * one refetch per `cooldownMs` per `jwks_uri`, and none within `cooldownMs` of any fetch.
 */
import { createRemoteJWKSet, customFetch, errors, type FlattenedJWSInput, type JWSHeaderParameters, type RemoteJWKSet } from "jose";
import { upstreamFetch, UPSTREAM_TIMEOUT_MS, type Fetch } from "./upstream-failure";
import { isLoopbackHttp } from "../urls";

/** Bound on distinct `jwks_uri`s kept per isolate (they come from provider configuration). */
const MAX_ENTRIES = 64;

/** Resolves the public key for a JWS header, as jose's verify functions expect. */
export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

export interface JwksCacheOptions {
  /** Abort a JWKS fetch after this many ms; at most {@link UPSTREAM_TIMEOUT_MS} (RP-8), the default. */
  timeoutMs?: number;
  /** Minimum ms between a fetch and an unknown-`kid` refetch of the same set (default 30 s). */
  cooldownMs?: number;
  /** Keys older than this are fetched again before use (default 10 min). */
  maxAgeMs?: number;
  /** Network IO; default the runtime's `fetch`. */
  fetch?: Fetch;
  /** Clock in ms for the refetch gate; default `Date.now` (tests move it past the cooldown). */
  clock?: () => number;
}

/** A per-isolate cache of upstream key sets. */
export interface JwksCache {
  /**
   * The key resolver for `jwksUri`, created on first use. Throws a TypeError for a URI that is not
   * `https` (plain `http` only on loopback hosts, i.e. the local emulators).
   */
  resolver(jwksUri: string): KeyResolver;
  /** How many times `jwksUri` has been fetched (started, including failures) by this cache. */
  fetchCount(jwksUri: string): number;
}

interface Entry {
  resolve: KeyResolver;
  /** Fetches started, and when the last one started (by `clock`). */
  stats: { fetches: number; lastFetchAt: number | undefined };
}

function checkedUrl(jwksUri: string): URL {
  const url = new URL(jwksUri);
  const loopbackHttp = isLoopbackHttp(url);
  if (url.protocol !== "https:" && !loopbackHttp) {
    throw new TypeError(`jwks_uri must be https (plain http only on loopback): ${url.origin}`);
  }
  return url;
}

/**
 * Creates a JWKS cache; {@link upstreamJwks} is the isolate's own, tests make private ones.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys
 */
export function createJwksCache(options: JwksCacheOptions = {}): JwksCache {
  const timeoutMs = options.timeoutMs ?? UPSTREAM_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > UPSTREAM_TIMEOUT_MS) {
    throw new TypeError(`timeoutMs must be an integer in 1..${UPSTREAM_TIMEOUT_MS}`);
  }
  const cooldownMs = options.cooldownMs ?? 30_000;
  const maxAgeMs = options.maxAgeMs ?? 600_000;
  // Unbound: workerd's fetch throws "Illegal invocation" when called as a method of another object.
  // Sorted: no answer or a 5xx becomes an UpstreamUnavailableError (upstream-failure.ts).
  const doFetch = upstreamFetch(options.fetch ?? ((url, init) => fetch(url, init)));
  const clock = options.clock ?? Date.now;
  const entries = new Map<string, Entry>();

  function create(jwksUri: string): Entry {
    const url = checkedUrl(jwksUri);
    const stats: Entry["stats"] = { fetches: 0, lastFetchAt: undefined };
    const remote: RemoteJWKSet = createRemoteJWKSet(url, {
      timeoutDuration: timeoutMs,
      cacheMaxAge: maxAgeMs,
      // jose never refetches on its own for an unknown kid; the gate below decides (see the header).
      cooldownDuration: Infinity,
      [customFetch]: (href, init) => {
        stats.fetches += 1;
        stats.lastFetchAt = clock();
        return doFetch(href, init);
      },
    });
    const resolve: KeyResolver = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
        const now = clock();
        if (stats.lastFetchAt !== undefined && now - stats.lastFetchAt < cooldownMs) throw error;
        stats.lastFetchAt = now; // claimed before the await: concurrent callers see a closed gate
        await remote.reload();
        return remote(header, token);
      }
    };
    return { resolve, stats };
  }

  return {
    resolver(jwksUri) {
      let entry = entries.get(jwksUri);
      if (!entry) {
        entry = create(jwksUri);
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
        entries.set(jwksUri, entry);
      }
      return entry.resolve;
    },
    fetchCount: (jwksUri) => entries.get(jwksUri)?.stats.fetches ?? 0,
  };
}

/** The isolate's cache of upstream key sets: 5 s timeout, 30 s refetch cooldown, 10 min max age. */
export const upstreamJwks: JwksCache = createJwksCache();
