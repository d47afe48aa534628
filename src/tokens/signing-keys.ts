/**
 * Fedgate's signing keys (SECURITY.md AS-8). One record in the store holds the key set; each key
 * is `next` (published in the JWKS, not yet signing), `active` (signs), or `retired` (published
 * until every token it signed has expired). Private JWKs are sealed at rest.
 *
 * Each algorithm has its own active and next key and rotates on its own. ES256 signs every access
 * token and is always present; RS256 exists only once something asked for it (a client's
 * `idTokenSignedResponseAlg`), since an RSA key costs a slow generation and ~14× the signing time.
 *
 * Rotation promotes `next` to `active` only after `next` has been published long enough for every
 * verifier's cached JWKS to know it, so no verifier ever sees a token signed by a key it lacks.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { Config, SigningAlg } from "../config";
import { cachedDocument, type CachedDocument } from "../cached-document";
import type { Sealer } from "../security/encryption";
import { signingKeySet } from "../store/keys";
import type { Store } from "../store/store";

export type KeyState = "next" | "active" | "retired";

export interface SigningKeyRecord {
  kid: string;
  alg: SigningAlg;
  state: KeyState;
  publicJwk: JWK;
  /** The private JWK, sealed with FEDGATE_ENCRYPTION_KEY (security/encryption.ts). */
  sealedPrivateJwk: string;
  createdAt: number;
  activatedAt?: number;
  retiredAt?: number;
  /** When a retired key leaves the JWKS. */
  removeAt?: number;
}

export interface KeySetRecord {
  keys: SigningKeyRecord[];
}

/** A key ready to sign with. */
export interface Signer {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
}

/** `Cache-Control: max-age` of the JWKS document. */
export const JWKS_MAX_AGE_S = 300;
/** How long an isolate reuses the key set it read. */
const KEY_CACHE_TTL_MS = 60_000;
const CLOCK_SKEW_MS = 60_000;

/** The algorithm every access token is signed with, and whose keys always exist. */
export const ACCESS_TOKEN_ALG: SigningAlg = "ES256";

export interface KeyPolicy {
  /** Age at which the scheduled check promotes the next key. */
  rotationIntervalMs: number;
  /** How long a next key must have been published before it may sign. */
  publishLeadMs: number;
  /** How long a retired key stays published after it last signed. */
  retainMs: number;
}

export function keyPolicy(config: Config): KeyPolicy {
  return {
    rotationIntervalMs: config.keyRotationIntervalMs,
    // Verifiers cache the JWKS for max-age; isolates cache the key set: twice both is safe.
    publishLeadMs: 2 * (JWKS_MAX_AGE_S * 1000 + KEY_CACHE_TTL_MS),
    // Other isolates may sign with a retired key until their cache expires.
    retainMs: KEY_CACHE_TTL_MS + config.tokenMaxLifetimeS * 1000 + CLOCK_SKEW_MS,
  };
}

/**
 * - `ensure`: create the active and next keys if missing (first use of an algorithm).
 * - `scheduled`: the cron check; promotes when the active key is older than the interval.
 * - `requested`: an administrator's rotation; promotes if the next key is published long enough.
 * - `forced`: promotes at once, for a compromised key; verifiers with a cached JWKS may briefly
 *   reject new tokens.
 */
export type RotationMode = "ensure" | "scheduled" | "requested" | "forced";

export interface RotationReport {
  /** Whether a next key was promoted (a requested or forced rotation promotes all algorithms or none). */
  promoted: boolean;
  /** The algorithms whose next key was promoted. */
  promotedAlgs: SigningAlg[];
  /** Set when a requested rotation had to wait: when the next key may be promoted. */
  notBefore?: number;
  keys: { kid: string; alg: SigningAlg; state: KeyState; createdAt: number; activatedAt?: number; removeAt?: number }[];
}

type NewKey = (alg: SigningAlg, state: KeyState) => Promise<SigningKeyRecord>;

/** The algorithms a key set holds keys for, ES256 first. */
function algorithmsOf(set: KeySetRecord): SigningAlg[] {
  return [...new Set<SigningAlg>([ACCESS_TOKEN_ALG, ...set.keys.map((key) => key.alg)])];
}

/**
 * The key set after a rotation step at `now` for the algorithms `algs`: expired retired keys
 * dropped, an active and a next key present per algorithm, next keys promoted when the mode and
 * policy say so. A requested rotation promotes all of `algs` or none (so one call never leaves
 * half the set rotated); a scheduled one looks at each algorithm's age apart. Pure apart from `newKey`.
 */
async function rotateKeySet(
  current: KeySetRecord,
  now: number,
  policy: KeyPolicy,
  mode: RotationMode,
  newKey: NewKey,
  algs: readonly SigningAlg[],
): Promise<{ set: KeySetRecord; promotedAlgs: SigningAlg[]; notBefore?: number }> {
  let keys = current.keys.filter((key) => key.state !== "retired" || (key.removeAt ?? 0) > now);
  const pairs: { alg: SigningAlg; active: SigningKeyRecord; next: SigningKeyRecord }[] = [];
  for (const alg of algs) {
    const mine = (state: KeyState) => keys.find((key) => key.alg === alg && key.state === state);
    if (!mine("active")) {
      keys = keys.filter((key) => key.alg !== alg || key.state !== "next");
      keys.push({ ...(await newKey(alg, "active")), activatedAt: now });
    }
    if (!mine("next")) keys.push(await newKey(alg, "next"));
    pairs.push({ alg, active: mine("active")!, next: mine("next")! });
  }

  const publishedLongEnough = (next: SigningKeyRecord) => now - next.createdAt >= policy.publishLeadMs;
  let due: typeof pairs = [];
  if (mode === "forced") due = pairs;
  if (mode === "requested" && pairs.every(({ next }) => publishedLongEnough(next))) due = pairs;
  if (mode === "scheduled") {
    due = pairs.filter(({ active, next }) => publishedLongEnough(next) && now - (active.activatedAt ?? active.createdAt) >= policy.rotationIntervalMs);
  }
  if (due.length === 0) {
    const notBefore = mode === "requested" && pairs.length > 0 ? Math.max(...pairs.map(({ next }) => next.createdAt + policy.publishLeadMs)) : undefined;
    return { set: { keys }, promotedAlgs: [], ...(notBefore === undefined ? {} : { notBefore }) };
  }
  const retiring = new Set(due.map(({ active }) => active));
  const promoting = new Set(due.map(({ next }) => next));
  keys = keys.map((key) => {
    if (retiring.has(key)) return { ...key, state: "retired", retiredAt: now, removeAt: now + policy.retainMs };
    if (promoting.has(key)) return { ...key, state: "active", activatedAt: now };
    return key;
  });
  for (const { alg } of due) keys.push(await newKey(alg, "next"));
  return { set: { keys }, promotedAlgs: due.map(({ alg }) => alg) };
}

const hasActive = (set: KeySetRecord, alg: SigningAlg): boolean => set.keys.some((key) => key.alg === alg && key.state === "active");

function summarise(set: KeySetRecord): RotationReport["keys"] {
  return set.keys.map(({ kid, alg, state, createdAt, activatedAt, removeAt }) => ({
    kid, alg, state, createdAt,
    ...(activatedAt === undefined ? {} : { activatedAt }),
    ...(removeAt === undefined ? {} : { removeAt }),
  }));
}

/**
 * What an isolate remembers of the key set between requests: settled values only, never pending
 * promises (src/cache.ts says why).
 */
export class KeyCache {
  entry: { at: number; set: KeySetRecord } | undefined;
  readonly privateKeys = new Map<string, CryptoKey>();
  /** The served JWKS, built once per key set read (and per minute, as retired keys lapse). */
  jwks: { set: KeySetRecord; builtAt: number; document: CachedDocument } | undefined;
}

const caches = new WeakMap<object, KeyCache>();

/** The isolate's key cache for one store backend. */
export function keyCacheFor(backend: object): KeyCache {
  let cache = caches.get(backend);
  if (!cache) caches.set(backend, (cache = new KeyCache()));
  return cache;
}

export interface SigningKeysOptions {
  store: Store;
  cache: KeyCache;
  sealer: Sealer;
  policy: KeyPolicy;
  /** The clock; tests move it to walk through rotations. */
  now?: () => number;
  /** Where the key set lives; one per deployment. */
  recordKey?: string;
}

/** Reads, creates, rotates and publishes the signing keys. */
export class SigningKeys {
  private readonly store: Store;
  private readonly cache: KeyCache;
  private readonly sealer: Sealer;
  private readonly policy: KeyPolicy;
  private readonly now: () => number;
  private readonly recordKey: string;

  constructor(options: SigningKeysOptions) {
    ({ store: this.store, cache: this.cache, sealer: this.sealer, policy: this.policy } = options);
    this.now = options.now ?? Date.now;
    this.recordKey = options.recordKey ?? signingKeySet();
  }

  /** The key set, from the isolate cache when fresh; creates the first keys on first use. */
  private async keySet(): Promise<KeySetRecord> {
    const entry = this.cache.entry;
    if (entry && this.now() - entry.at < KEY_CACHE_TTL_MS) return entry.set;
    const set = await this.load();
    this.cache.entry = { at: this.now(), set };
    return set;
  }

  private async load(): Promise<KeySetRecord> {
    const stored = await this.store.get<KeySetRecord>(this.recordKey);
    if (stored && hasActive(stored, ACCESS_TOKEN_ALG)) return stored;
    return this.ensure(ACCESS_TOKEN_ALG);
  }

  /**
   * The key set with an active (and next) key for `alg`, created if missing: the first ES256 key
   * on first use, the first RS256 key when a client first needs it. Reads the store, not the cache.
   */
  async ensure(alg: SigningAlg): Promise<KeySetRecord> {
    const cached = this.cache.entry;
    if (cached && this.now() - cached.at < KEY_CACHE_TTL_MS && hasActive(cached.set, alg)) return cached.set;
    return (await this.rotate("ensure", alg)).set;
  }

  /** The public keys to publish: active, next, then retired keys not yet removed. */
  async publicKeys(): Promise<JWK[]> {
    const now = this.now();
    const order: Record<KeyState, number> = { active: 0, next: 1, retired: 2 };
    return (await this.keySet()).keys
      .filter((key) => key.state !== "retired" || (key.removeAt ?? 0) > now)
      .sort((a, b) => order[a.state] - order[b.state])
      .map((key) => ({ ...key.publicJwk, kid: key.kid, alg: key.alg, use: "sig" }));
  }

  /** The JWKS as served: serialised and hashed once per key set. */
  async jwksDocument(): Promise<CachedDocument> {
    const set = await this.keySet();
    const cached = this.cache.jwks;
    if (cached?.set === set && this.now() - cached.builtAt < KEY_CACHE_TTL_MS) return cached.document;
    const document = await cachedDocument({ keys: await this.publicKeys() });
    this.cache.jwks = { set, builtAt: this.now(), document };
    return document;
  }

  /**
   * The active key of `alg` (ES256, the access tokens' algorithm, by default), with its private half
   * unsealed and imported (once per isolate). Only an RS256 ID token asks for RS256, whose keys
   * are created then if no client asked before.
   */
  async signer(alg: SigningAlg = ACCESS_TOKEN_ALG): Promise<Signer> {
    let set = await this.keySet();
    if (!hasActive(set, alg)) set = await this.ensure(alg);
    const active = set.keys.find((key) => key.alg === alg && key.state === "active");
    if (!active) throw new Error(`key set has no active ${alg} key`);
    let privateKey = this.cache.privateKeys.get(active.kid);
    if (!privateKey) {
      const jwk = await this.sealer.open(active.sealedPrivateJwk, `signing-key:${active.kid}`);
      privateKey = (await importJWK(JSON.parse(jwk) as JWK, active.alg)) as CryptoKey;
      this.cache.privateKeys.set(active.kid, privateKey);
    }
    return { kid: active.kid, alg: active.alg, privateKey };
  }

  /** The current keys without their key material, read from the store (not the isolate cache). */
  async describe(): Promise<RotationReport["keys"]> {
    this.cache.entry = undefined;
    return summarise(await this.keySet());
  }

  /**
   * One rotation step for `alg`, or for every algorithm the set holds when `alg` is absent; written
   * with compare-and-set so concurrent rotations cannot lose keys. Rotation never creates an
   * algorithm's first keys, except `ensure`.
   */
  async rotate(mode: Exclude<RotationMode, "ensure">, alg?: SigningAlg): Promise<RotationReport>;
  async rotate(mode: "ensure", alg: SigningAlg): Promise<{ set: KeySetRecord }>;
  async rotate(mode: RotationMode, alg?: SigningAlg): Promise<RotationReport | { set: KeySetRecord }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await this.store.getVersioned<KeySetRecord>(this.recordKey);
      const current = stored?.value ?? { keys: [] };
      if (mode === "ensure" && hasActive(current, alg!)) {
        this.cache.entry = { at: this.now(), set: current };
        return { set: current };
      }
      const now = this.now();
      const held = algorithmsOf(current);
      const algs = alg ? (mode === "ensure" || held.includes(alg) ? [alg] : []) : held;
      const result = await rotateKeySet(current, now, this.policy, mode, (keyAlg, state) => this.newKey(keyAlg, state, now), algs);
      const unchanged = JSON.stringify(result.set) === JSON.stringify(current);
      if (!unchanged) {
        const written = await this.store.compareAndSet(this.recordKey, stored?.version ?? null, result.set);
        if (!written.ok) continue; // another isolate rotated first: start again from its result
        this.cache.entry = { at: now, set: result.set };
      }
      if (mode === "ensure") return { set: result.set };
      return {
        promoted: result.promotedAlgs.length > 0,
        promotedAlgs: result.promotedAlgs,
        ...(result.notBefore === undefined ? {} : { notBefore: result.notBefore }),
        keys: summarise(result.set),
      };
    }
    throw new Error("signing key rotation kept losing compare-and-set races");
  }

  private async newKey(alg: SigningAlg, state: KeyState, now: number): Promise<SigningKeyRecord> {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk, "sha256");
    const sealedPrivateJwk = await this.sealer.seal(JSON.stringify(await exportJWK(privateKey)), `signing-key:${kid}`);
    return { kid, alg, state, publicJwk, sealedPrivateJwk, createdAt: now };
  }
}
