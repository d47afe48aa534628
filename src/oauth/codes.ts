/**
 * Authorization codes (SECURITY.md AS-3): 256 random bits, stored under their SHA-256 for 60 s,
 * bound to client, redirect URI and PKCE challenge, and taken exactly once. What a redeemed code
 * issued is recorded under an id derived from it (tokens/grants.ts), so a replay finds it.
 * The code carries the user as resolved at sign-in a moment before, so redeeming it reads nothing
 * else: a user disabled within the code's 60 s still gets this one set of tokens.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
import { base64url } from "jose";
import type { User } from "../identity/users";
import { sha256 } from "../encoding";
import * as keys from "../store/keys";
import type { Store } from "../store/store";

const CODE_TTL_MS = 60_000;

export interface AuthorizationCode {
  projectId: string;
  clientId: string;
  redirectUri: string;
  /** S256 challenge (AS-1); every code has one. */
  codeChallenge: string;
  scope: string[];
  nonce?: string;
  /** The user at sign-in: the claims the tokens release. */
  user: Pick<User, "id" | "email" | "emailVerified" | "name">;
  authTime: number;
  amr: string[];
  idp: string;
}

/** Stores a grant and returns its code. */
export async function issueCode(store: Store, grant: AuthorizationCode): Promise<string> {
  const code = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  await store.set(keys.authorizationCode(await sha256(code)), grant, { ttlMs: CODE_TTL_MS, ifAbsent: true });
  return code;
}

/** Takes a code: its grant if it is fresh (null otherwise), and the code's hash for the grant record. */
export async function takeCode(store: Store, code: string): Promise<{ grant: AuthorizationCode | null; codeHash: string } | null> {
  if (!/^[\w-]{43}$/.test(code)) return null;
  const codeHash = await sha256(code);
  return { grant: await store.take<AuthorizationCode>(keys.authorizationCode(codeHash)), codeHash };
}

/** RFC 7636 §4.6: BASE64URL(SHA256(verifier)) equals the challenge; the verifier's syntax too. */
export async function pkceMatches(verifier: string, challenge: string): Promise<boolean> {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const computed = base64url.decode(await sha256(verifier));
  let expected: Uint8Array;
  try {
    expected = base64url.decode(challenge);
  } catch {
    return false;
  }
  return computed.length === expected.length && crypto.subtle.timingSafeEqual(computed, expected);
}
