/** SHA-256 as base64url: how codes, token ids and cookies are named in the store without storing them. */
import { base64url } from "jose";

/** The SHA-256 of `text` (UTF-8), base64url without padding. */
export async function sha256(text: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}
