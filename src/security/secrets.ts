/**
 * Secrets Fedgate generates (client secrets, admin API keys): 256 random bits, shown once, stored
 * only as HMAC-SHA256 under a key derived from FEDGATE_ENCRYPTION_KEY, and checked in constant
 * time (SECURITY.md AS-7). A stolen store alone cannot even test guesses offline.
 */
import { base64url } from "jose";

/** 32 random bytes, base64url (43 characters). */
export function generateSecret(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
}

const derived = new WeakMap<Uint8Array, Map<string, CryptoKey>>();

/** An HMAC-SHA256 key derived (HKDF) from FEDGATE_ENCRYPTION_KEY for one purpose; kept once derived. */
export async function derivedHmacKey(encryptionKey: Uint8Array, purpose: string): Promise<CryptoKey> {
  let byPurpose = derived.get(encryptionKey);
  if (!byPurpose) derived.set(encryptionKey, (byPurpose = new Map()));
  const known = byPurpose.get(purpose);
  if (known) return known;
  const master = await crypto.subtle.importKey("raw", encryptionKey as BufferSource, "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(purpose) },
    master,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  byPurpose.set(purpose, key);
  return key;
}

async function mac(encryptionKey: Uint8Array, secret: string): Promise<ArrayBuffer> {
  return crypto.subtle.sign("HMAC", await derivedHmacKey(encryptionKey, "fedgate secret hashing v1"), new TextEncoder().encode(secret));
}

/** The stored form of a secret. */
export async function hashSecret(encryptionKey: Uint8Array, secret: string): Promise<string> {
  return `hmac-sha256:${base64url.encode(new Uint8Array(await mac(encryptionKey, secret)))}`;
}

/** True if `secret` is the one `stored` was made from; constant time. */
export async function verifySecret(encryptionKey: Uint8Array, secret: string, stored: string): Promise<boolean> {
  if (!stored.startsWith("hmac-sha256:")) return false;
  let expected: Uint8Array;
  try {
    expected = base64url.decode(stored.slice("hmac-sha256:".length));
  } catch {
    return false;
  }
  const given = new Uint8Array(await mac(encryptionKey, secret));
  return expected.length === given.length && crypto.subtle.timingSafeEqual(given, expected);
}
