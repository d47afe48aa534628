/**
 * Authorization codes (SECURITY.md AS-3): self-contained and sealed, so signing in writes nothing
 * and redeeming one reads nothing. A code is `base64url(nonce ‖ AES-256-GCM(grant))`: a random
 * 256-bit nonce, then the grant (client, redirect URI, PKCE challenge, scope, user, expiry 60 s)
 * encrypted under a key derived (HKDF) from FEDGATE_ENCRYPTION_KEY with that nonce as salt and this
 * purpose as info. One key per code means no GCM nonce budget to run out of however many sign-ins
 * there are; the purpose binds the code to being one (nothing else sealed by Fedgate opens as a
 * code); the user's email and name stay unreadable in URLs and logs.
 *
 * Single use is enforced where the code is redeemed: the grant record is written if absent under an
 * id derived from the nonce (tokens/grants.ts), so a second redemption finds it (a replay). The
 * nonce, not the code's text, names the code: two spellings of the same bytes are one code.
 * The code carries the user as resolved at sign-in a moment before: a user disabled within the
 * code's 60 s still gets this one set of tokens.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
import { base64url } from "jose";
import type { User } from "../identity/users";
import { sha256 } from "../encoding";

const CODE_TTL_MS = 60_000;
const NONCE_BYTES = 32;
const TAG_BYTES = 16;
/** HKDF info: what a code's key is for. A new format gets a new purpose. */
const PURPOSE = "fedgate authorization code v1";
/** Each key encrypts exactly one code, so a fixed GCM IV is safe. */
const IV = new Uint8Array(12);

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
  /** The upstream `acr`, when the provider's authentication context is trusted. */
  acr?: string;
  idp: string;
  /** The user's roles at sign-in (identity/users.ts `effectiveRoles`); absent, none. */
  roles?: string[];
  /** The broker session the sign-in belongs to (sessions/records.ts): `sid` in the tokens. Every browser sign-in has one. */
  sessionId?: string;
}

/** The sealed form, a tuple (no field names), to keep codes short in URLs. */
type Sealed = [version: 1, expiresAt: number, projectId: string, clientId: string, redirectUri: string, codeChallenge: string, scope: string,
  nonce: string | null, userId: string, email: string | null, emailVerified: boolean, name: string | null, authTime: number, amr: string[], idp: string,
  acr: string | null, roles: string[], sessionId: string | null];

const toSealed = (g: AuthorizationCode, expiresAt: number): Sealed => [
  1, expiresAt, g.projectId, g.clientId, g.redirectUri, g.codeChallenge, g.scope.join(" "), g.nonce ?? null,
  g.user.id, g.user.email, g.user.emailVerified, g.user.name, g.authTime, g.amr, g.idp, g.acr ?? null, g.roles ?? [], g.sessionId ?? null,
];

const fromSealed = ([, , projectId, clientId, redirectUri, codeChallenge, scope, nonce, id, email, emailVerified, name, authTime, amr, idp, acr, roles, sessionId]: Sealed): AuthorizationCode => ({
  projectId, clientId, redirectUri, codeChallenge, scope: scope.split(" ").filter(Boolean), ...(nonce === null ? {} : { nonce }),
  user: { id, email, emailVerified, name }, authTime, amr, ...(acr === null ? {} : { acr }), idp, roles, ...(sessionId === null ? {} : { sessionId }),
});

const masters = new WeakMap<Uint8Array, CryptoKey>();

/** The AES-256-GCM key of the code with this nonce. */
async function codeKey(encryptionKey: Uint8Array, nonce: Uint8Array): Promise<CryptoKey> {
  let master = masters.get(encryptionKey);
  if (!master) masters.set(encryptionKey, (master = await crypto.subtle.importKey("raw", encryptionKey as BufferSource, "HKDF", false, ["deriveKey"])));
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: nonce as BufferSource, info: new TextEncoder().encode(PURPOSE) },
    master, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"],
  );
}

/** What names a code for its single use (the grant id is derived from it): the SHA-256 of its nonce. */
const codeHashOf = (nonce: Uint8Array): Promise<string> => sha256(`code-nonce:${base64url.encode(nonce)}`);

/** Seals a grant into its code (valid 60 s); writes nothing. */
export async function issueCode(encryptionKey: Uint8Array, grant: AuthorizationCode, now = Date.now()): Promise<string> {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const plaintext = new TextEncoder().encode(JSON.stringify(toSealed(grant, now + CODE_TTL_MS)));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: IV }, await codeKey(encryptionKey, nonce), plaintext));
  const code = new Uint8Array(NONCE_BYTES + sealed.length);
  code.set(nonce);
  code.set(sealed, NONCE_BYTES);
  return base64url.encode(code);
}

/**
 * The hash that will name a code Fedgate just sealed when it is redeemed (tokens/grants.ts
 * `grantIdFor`): a broker session lists the grants its codes will create, to revoke them when it ends.
 */
export const codeHashOfIssued = (code: string): Promise<string> => codeHashOf(base64url.decode(code).subarray(0, NONCE_BYTES));

/** An opened code: its grant, the hash that names it, and whether its 60 s are over. */
interface OpenedCode {
  grant: AuthorizationCode;
  codeHash: string;
  expired: boolean;
}

/** Opens a code Fedgate sealed; null if it is malformed, forged, tampered with or sealed for another purpose or key. */
export async function openCode(encryptionKey: Uint8Array, code: string, now = Date.now()): Promise<OpenedCode | null> {
  if (code.length > 4096 || !/^[\w-]+$/.test(code)) return null;
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(code);
  } catch {
    return null;
  }
  if (bytes.length <= NONCE_BYTES + TAG_BYTES) return null;
  const nonce = bytes.subarray(0, NONCE_BYTES);
  let sealed: Sealed;
  try {
    const plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv: IV }, await codeKey(encryptionKey, nonce), bytes.subarray(NONCE_BYTES));
    sealed = JSON.parse(new TextDecoder().decode(plaintext)) as Sealed;
  } catch {
    return null;
  }
  // Version 1 with all its members (codes sealed before sessions lacked the last three: they expired in 60 s).
  if (!Array.isArray(sealed) || sealed[0] !== 1 || sealed.length !== 18) return null;
  return { grant: fromSealed(sealed), codeHash: await codeHashOf(nonce), expired: sealed[1] <= now };
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
