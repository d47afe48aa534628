/**
 * Authorization codes (SECURITY.md AS-3): 256 random bits, stored under their SHA-256 for 60 s,
 * bound to client, redirect URI and PKCE challenge, and taken exactly once. A redeemed code is
 * remembered for 10 minutes with the refresh family it started, so that a replay which proves the
 * same client and verifier revokes what the code issued.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
import { base64url } from "jose";
import * as keys from "../store/keys";
import type { Store } from "../store/store";

export const CODE_TTL_MS = 60_000;
const REDEEMED_TTL_MS = 10 * 60_000;

export interface AuthorizationCode {
  projectId: string;
  clientId: string;
  redirectUri: string;
  /** S256 challenge (AS-1); every code has one. */
  codeChallenge: string;
  scope: string[];
  nonce?: string;
  userId: string;
  authTime: number;
  amr: string[];
  idp: string;
}

export interface RedeemedCode {
  clientId: string;
  codeChallenge: string;
  /** The refresh family the code started, if any: what a replay revokes. */
  familyId?: string;
}

async function sha256(text: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** Stores a grant and returns its code. */
export async function issueCode(store: Store, grant: AuthorizationCode): Promise<string> {
  const code = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  await store.set(keys.authorizationCode(await sha256(code)), grant, { ttlMs: CODE_TTL_MS, ifAbsent: true });
  return code;
}

export type Redemption = { kind: "fresh"; grant: AuthorizationCode; codeHash: string } | { kind: "replayed"; redeemed: RedeemedCode } | { kind: "unknown" };

/** Takes a code: the grant if it is fresh; what it issued if it was redeemed already. */
export async function takeCode(store: Store, code: string): Promise<Redemption> {
  if (!/^[\w-]{43}$/.test(code)) return { kind: "unknown" };
  const codeHash = await sha256(code);
  const grant = await store.take<AuthorizationCode>(keys.authorizationCode(codeHash));
  if (grant) return { kind: "fresh", grant, codeHash };
  const redeemed = await store.get<RedeemedCode>(keys.redeemedCode(codeHash));
  return redeemed ? { kind: "replayed", redeemed } : { kind: "unknown" };
}

/** Remembers a redeemed code and the refresh family it starts, before any token leaves. */
export async function rememberRedeemed(store: Store, codeHash: string, redeemed: RedeemedCode): Promise<void> {
  await store.set(keys.redeemedCode(codeHash), redeemed, { ttlMs: REDEEMED_TTL_MS });
}

/** RFC 7636 §4.6: BASE64URL(SHA256(verifier)) equals the challenge; the verifier's syntax too. */
export async function pkceMatches(verifier: string, challenge: string): Promise<boolean> {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const computed = base64url.decode(await sha256(verifier));
  const expected = (() => {
    try {
      return base64url.decode(challenge);
    } catch {
      return new Uint8Array(0);
    }
  })();
  return computed.length === expected.length && crypto.subtle.timingSafeEqual(computed, expected);
}
