/** Per-provider signing keys (generated at first use, in memory), the JWKS, and JWT signing with the bad-key switches. */
import { SignJWT, UnsecuredJWT, calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, type JWK } from "jose";
import type { JWTPayload, ProviderId } from "./types";
import type { SigningSwitch } from "./switches";

export interface KeyPair {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/** Roles a key plays: `signing` signs ID tokens; `next` is published but unused (Auth0/Okta/Google
 *  publish several keys); `access` signs Cognito access tokens; `unpublished` signs Okta org-AS
 *  access tokens and is never in the JWKS. */
export interface KeySet {
  signing: KeyPair;
  next: KeyPair;
  access?: KeyPair;
  unpublished?: KeyPair;
}

async function newKey(alg: "RS256" | "ES256" = "RS256"): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, privateKey, publicKey, publicJwk: { ...jwk, kid, alg, use: "sig" } };
}

const sets = new Map<ProviderId, Promise<KeySet>>();
/** The first keys of each provider: a reset restores them (cheaper than new RSA keys per test). */
const initial = new Map<ProviderId, Promise<KeySet>>();
/** Keys only the switches use, made on demand. */
const spares = new Map<string, Promise<KeyPair>>();

async function makeSet(p: ProviderId): Promise<KeySet> {
  const [signing, next] = await Promise.all([newKey(), newKey()]);
  const set: KeySet = { signing, next };
  if (p === "cognito") set.access = next; // Cognito: two published keys, ID and access tokens use different ones
  if (p === "okta-org") set.unpublished = await newKey();
  return set;
}

export function keysFor(p: ProviderId): Promise<KeySet> {
  let s = sets.get(p);
  if (!s) {
    s = initial.get(p) ?? makeSet(p);
    initial.set(p, s);
    sets.set(p, s);
    s.catch(() => {
      sets.delete(p);
      initial.delete(p);
    });
  }
  return s;
}

function spare(p: ProviderId, name: "unknown" | "es256"): Promise<KeyPair> {
  const id = `${p}:${name}`;
  let k = spares.get(id);
  if (!k) spares.set(id, (k = newKey(name === "es256" ? "ES256" : "RS256")));
  return k;
}

/** Rotation: a fresh signing key (new kid); the old one leaves the JWKS at once. */
export async function rotate(p: ProviderId): Promise<void> {
  const old = await keysFor(p);
  const signing = await newKey();
  const set: KeySet = { ...old, signing };
  if (p === "cognito") set.access = set.next = await newKey();
  sets.set(p, Promise.resolve(set));
}

/** Undoes rotations: every provider signs with its first keys again. */
export function resetKeys(): void {
  sets.clear();
}

/** The published JWKS; `single` publishes only the ID-token signing key. */
export async function jwks(p: ProviderId, single: boolean): Promise<{ keys: JWK[] }> {
  const set = await keysFor(p);
  const keys = single ? [set.signing] : [set.signing, set.next];
  return { keys: keys.map((k) => k.publicJwk) };
}

export type KeyRole = "signing" | "access" | "unpublished";

/**
 * Signs claims with the key for `role`, or misbehaves as `signing` asks.
 * jose builds every variant: `alg: none` through UnsecuredJWT, and HS256 keyed with the bytes of
 * the published key's SPKI PEM (the classic RS256→HS256 confusion attack).
 */
export async function signJwt(
  p: ProviderId,
  claims: JWTPayload,
  opts: { role: KeyRole; typ?: string; signing?: SigningSwitch; omitKid?: boolean },
): Promise<string> {
  const set = await keysFor(p);
  const key = opts.role === "signing" ? set.signing : opts.role === "access" ? (set.access ?? set.signing) : (set.unpublished ?? set.signing);
  const typ = opts.typ ? { typ: opts.typ } : {};
  const kid = (k: string) => (opts.omitKid ? {} : { kid: k });
  switch (opts.signing) {
    case "alg-none":
      return new UnsecuredJWT(claims).encode();
    case "hs256-public-key": {
      const secret = new TextEncoder().encode(await exportSPKI(key.publicKey));
      return new SignJWT(claims).setProtectedHeader({ alg: "HS256", ...typ, ...kid(key.kid) }).sign(secret);
    }
    case "unknown-key": {
      const other = await spare(p, "unknown");
      return new SignJWT(claims).setProtectedHeader({ alg: "RS256", ...typ, ...kid(other.kid) }).sign(other.privateKey);
    }
    case "wrong-key-same-kid": {
      const other = await spare(p, "unknown");
      return new SignJWT(claims).setProtectedHeader({ alg: "RS256", ...typ, ...kid(key.kid) }).sign(other.privateKey);
    }
    case "es256": {
      const ec = await spare(p, "es256");
      return new SignJWT(claims).setProtectedHeader({ alg: "ES256", ...typ, ...kid(ec.kid) }).sign(ec.privateKey);
    }
    case undefined:
      return new SignJWT(claims).setProtectedHeader({ alg: "RS256", ...typ, ...kid(key.kid) }).sign(key.privateKey);
  }
}
