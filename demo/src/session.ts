/**
 * Server-side state kept in the browser: values sealed as JWE (`dir`, A256GCM, with jose) in HttpOnly,
 * SameSite=Lax cookies, so the browser can neither read nor change them. A value too long for one
 * cookie is split over several (`name.0`, `name.1`, …).
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { base64url, EncryptJWT, jwtDecrypt, type JWTPayload } from "jose";

const CHUNK = 3800; // below the 4096-byte limit of a cookie, name and attributes included
const MAX_CHUNKS = 4;

let isolateKey: Uint8Array | undefined;

/**
 * SESSION_SECRET (32 bytes, base64url) when set; otherwise a key made when the Worker starts, so
 * sessions end when the demo restarts. A real app keeps a secret (`wrangler secret put`).
 */
function keyOf(secret: string | undefined): Uint8Array {
  if (secret) return base64url.decode(secret);
  return (isolateKey ??= crypto.getRandomValues(new Uint8Array(32)));
}

export interface CookieOptions {
  path: string;
  maxAge: number;
  /** `Secure` on https; a plain-http loopback origin cannot set Secure cookies. */
  secure: boolean;
}

/** Seals `value` into the cookie `name` (split if long), valid for `maxAge` seconds. */
export async function seal(c: Context, name: string, value: JWTPayload, options: CookieOptions, secret?: string): Promise<void> {
  const jwe = await new EncryptJWT(value)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setExpirationTime(`${options.maxAge}s`)
    .encrypt(keyOf(secret));
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const part = jwe.slice(i * CHUNK, (i + 1) * CHUNK);
    if (part) setCookie(c, `${name}.${i}`, part, { ...options, httpOnly: true, sameSite: "Lax" });
    else if (getCookie(c, `${name}.${i}`)) deleteCookie(c, `${name}.${i}`, { path: options.path });
  }
  if (jwe.length > CHUNK * MAX_CHUNKS) throw new Error(`${name} is too large for ${MAX_CHUNKS} cookies`);
}

/** The value sealed in `name`, or undefined when absent, tampered with or expired. */
export async function unseal<T extends JWTPayload>(c: Context, name: string, secret?: string): Promise<T | undefined> {
  let jwe = "";
  for (let i = 0; i < MAX_CHUNKS; i++) jwe += getCookie(c, `${name}.${i}`) ?? "";
  if (!jwe) return undefined;
  try {
    return (await jwtDecrypt<T>(jwe, keyOf(secret))).payload;
  } catch {
    return undefined;
  }
}

/** Deletes every chunk of `name`. */
export function clear(c: Context, name: string, path: string): void {
  for (let i = 0; i < MAX_CHUNKS; i++) if (getCookie(c, `${name}.${i}`)) deleteCookie(c, `${name}.${i}`, { path });
}
