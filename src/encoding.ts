/**
 * Small encodings and digests used across Fedgate: pure functions with no imports of ours, so any
 * layer (the store adapters included) may use them.
 */
import { base64url } from "jose";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** Lower-case base32 of `bytes`, one character per byte (its low 5 bits). */
export function base32(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += BASE32[byte & 31];
  return text;
}

/** The SHA-256 of `text` (UTF-8). */
export async function sha256Bytes(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** The SHA-256 of `text` (UTF-8), base64url without padding: how codes, token ids and cookies are named in the store without storing them. */
export async function sha256(text: string): Promise<string> {
  return base64url.encode(await sha256Bytes(text));
}

/** FNV-1a, 32 bits: a cheap, stable spread or version tag; not a security hash. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
