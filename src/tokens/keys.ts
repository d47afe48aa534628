/**
 * Fedgate's signing keys (SECURITY.md AS-8). One record in the store holds the key set; each key
 * is `next` (published in the JWKS, not yet signing), `active` (signs), or `retired` (published
 * until every token it signed has expired). Private JWKs are sealed at rest.
 *
 * Rotation promotes `next` to `active` only after `next` has been published long enough for every
 * verifier's cached JWKS to know it, so no verifier ever sees a token signed by a key it lacks.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { Config, SigningAlg } from "../config";
import { staticDocument, type StaticDocument } from "../oauth/discovery";
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
export const KEY_CACHE_TTL_MS = 60_000;
const CLOCK_SKEW_MS = 60_000;

export interface KeyPolicy {
  alg: SigningAlg;
  /** Age at which the scheduled check promotes the next key. */
  rotationIntervalMs: number;
  /** How long a next key must have been published before it may sign. */
  publishLeadMs: number;
  /** How long a retired key stays published after it last signed. */
  retainMs: number;
}

export function keyPolicy(config: Config): KeyPolicy {
  return {
    alg: config.signingAlg,
    rotationIntervalMs: config.keyRotationIntervalMs,
    // Verifiers cache the JWKS for max-age; isolates cache the key set: twice both is safe.
    publishLeadMs: 2 * (JWKS_MAX_AGE_S * 1000 + KEY_CACHE_TTL_MS),
    // Other isolates may sign with a retired key until their cache expires.
    retainMs: KEY_CACHE_TTL_MS + config.tokenMaxLifetimeS * 1000 + CLOCK_SKEW_MS,
  };
}

/**
 * - `ensure`: create the active and next keys if missing (first use).
 * - `scheduled`: the cron check; promotes when the active key is older than the interval.
 * - `requested`: an administrator's rotation; promotes if the next key is published long enough.
 * - `forced`: promotes at once, for a compromised key; verifiers with a cached JWKS may briefly
 *   reject new tokens.
 */
export type RotationMode = "ensure" | "scheduled" | "requested" | "forced";

export interface RotationReport {
  promoted: boolean;
  /** Set when a requested rotation had to wait: when the next key may be promoted. */
  notBefore?: number;
  keys: { kid: string; alg: SigningAlg; state: KeyState; createdAt: number; activatedAt?: number; removeAt?: number }[];
}

type NewKey = (state: KeyState) => Promise<SigningKeyRecord>;

/**
 * The key set after a rotation step at `now`: expired retired keys dropped, active and next
 * present, next promoted when the mode and policy say so. Pure apart from `newKey`.
 */
export async function rotateKeySet(
  current: KeySetRecord,
  now: number,
  policy: KeyPolicy,
  mode: RotationMode,
  newKey: NewKey,
): Promise<{ set: KeySetRecord; promoted: boolean; notBefore?: number }> {
  let keys = current.keys.filter((key) => key.state !== "retired" || (key.removeAt ?? 0) > now);
  if (!keys.some((key) => key.state === "active")) {
    keys = keys.filter((key) => key.state !== "next");
    keys.push({ ...(await newKey("active")), activatedAt: now });
  }
  if (!keys.some((key) => key.state === "next")) keys.push(await newKey("next"));

  const active = keys.find((key) => key.state === "active")!;
  const next = keys.find((key) => key.state === "next")!;
  const publishedLongEnough = now - next.createdAt >= policy.publishLeadMs;
  const due =
    mode === "forced" ||
    (mode === "requested" && publishedLongEnough) ||
    (mode === "scheduled" && publishedLongEnough && now - (active.activatedAt ?? active.createdAt) >= policy.rotationIntervalMs);
  if (!due) {
    const notBefore = mode === "requested" ? next.createdAt + policy.publishLeadMs : undefined;
    return { set: { keys }, promoted: false, ...(notBefore === undefined ? {} : { notBefore }) };
  }
  keys = keys.map((key) => {
    if (key === active) return { ...key, state: "retired", retiredAt: now, removeAt: now + policy.retainMs };
    if (key === next) return { ...key, state: "active", activatedAt: now };
    return key;
  });
  keys.push(await newKey("next"));
  return { set: { keys }, promoted: true };
}

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
  jwks: { set: KeySetRecord; builtAt: number; document: StaticDocument } | undefined;
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
    if (stored?.keys.some((key) => key.state === "active")) return stored;
    return (await this.rotate("ensure")).set;
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
  async jwksDocument(): Promise<StaticDocument> {
    const set = await this.keySet();
    const cached = this.cache.jwks;
    if (cached?.set === set && this.now() - cached.builtAt < KEY_CACHE_TTL_MS) return cached.document;
    const document = await staticDocument({ keys: await this.publicKeys() });
    this.cache.jwks = { set, builtAt: this.now(), document };
    return document;
  }

  /** The active key, with its private half unsealed and imported (once per isolate). */
  async signer(): Promise<Signer> {
    const active = (await this.keySet()).keys.find((key) => key.state === "active");
    if (!active) throw new Error("key set has no active key");
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

  /** One rotation step, written with compare-and-set so concurrent rotations cannot lose keys. */
  async rotate(mode: Exclude<RotationMode, "ensure">): Promise<RotationReport>;
  async rotate(mode: "ensure"): Promise<{ set: KeySetRecord }>;
  async rotate(mode: RotationMode): Promise<RotationReport | { set: KeySetRecord }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await this.store.getVersioned<KeySetRecord>(this.recordKey);
      const current = stored?.value ?? { keys: [] };
      if (mode === "ensure" && current.keys.some((key) => key.state === "active")) return { set: current };
      const now = this.now();
      const result = await rotateKeySet(current, now, this.policy, mode, (state) => this.newKey(state, now));
      const unchanged = JSON.stringify(result.set) === JSON.stringify(current);
      if (!unchanged) {
        const written = await this.store.compareAndSet(this.recordKey, stored?.version ?? null, result.set);
        if (!written.ok) continue; // another isolate rotated first: start again from its result
        this.cache.entry = { at: now, set: result.set };
      }
      if (mode === "ensure") return { set: result.set };
      return {
        promoted: result.promoted,
        ...(result.notBefore === undefined ? {} : { notBefore: result.notBefore }),
        keys: summarise(result.set),
      };
    }
    throw new Error("signing key rotation kept losing compare-and-set races");
  }

  private async newKey(state: KeyState, now: number): Promise<SigningKeyRecord> {
    const alg = this.policy.alg;
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk, "sha256");
    const sealedPrivateJwk = await this.sealer.seal(JSON.stringify(await exportJWK(privateKey)), `signing-key:${kid}`);
    return { kid, alg, state, publicJwk, sealedPrivateJwk, createdAt: now };
  }
}
