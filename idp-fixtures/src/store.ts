/**
 * Emulator state: pending sign-ins, codes, grants and issued tokens, in the isolate's memory.
 * One workerd isolate serves an emulator instance (wrangler dev or startEmulators), so module
 * state lives as long as the instance; POST /__control/reset clears it.
 */
import type { Grant, ProviderId } from "./types";

export interface PendingAuthorization {
  provider: ProviderId;
  clientId: string;
  redirectUri: string;
  state?: string;
  nonce?: string;
  scope: string[];
  codeChallenge?: string;
  codeChallengeMethod?: "S256" | "plain";
  audience?: string;
  offline: boolean;
  /** `acr_values`, space-split, in order. */
  acrValues: string[];
  maxAge?: number;
  expiresAt: number;
}

export interface CodeRecord {
  grantId: string;
  provider: ProviderId;
  clientId: string;
  redirectUri: string;
  codeChallenge?: string;
  codeChallengeMethod?: "S256" | "plain";
  expiresAt: number;
  used: boolean;
}

export type TokenKindStored = "access" | "refresh" | "id";

export interface TokenRecord {
  kind: TokenKindStored;
  grantId: string;
  provider: ProviderId;
  clientId: string;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}


const pending = new Map<string, PendingAuthorization>();
const codes = new Map<string, CodeRecord>();
const grants = new Map<string, Grant>();
const tokens = new Map<string, TokenRecord>();

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** URL-safe random string of `bytes` random bytes. */
export function randomId(bytes = 24): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function savePending(p: PendingAuthorization): string {
  const tx = randomId(16);
  pending.set(tx, p);
  return tx;
}

/** A pending sign-in stays until it succeeds (wrong passwords may be retried). */
export function getPending(tx: string): PendingAuthorization | undefined {
  const p = pending.get(tx);
  return p && p.expiresAt > nowSeconds() ? p : undefined;
}

export function dropPending(tx: string): void {
  pending.delete(tx);
}

export function saveGrant(g: Grant): void {
  grants.set(g.id, g);
}

export function getGrant(id: string): Grant | undefined {
  return grants.get(id);
}

export function saveCode(code: string, rec: CodeRecord): void {
  codes.set(code, rec);
}

export function getCode(code: string): CodeRecord | undefined {
  return codes.get(code);
}

export function saveToken(token: string, rec: TokenRecord): void {
  tokens.set(token, rec);
}

/** A token that is known, unexpired and not revoked (its own flag or its grant's). */
export function liveToken(token: string): TokenRecord | undefined {
  const rec = tokens.get(token);
  if (!rec || rec.revoked || rec.expiresAt <= nowSeconds()) return undefined;
  if (getGrant(rec.grantId)?.revoked !== false) return undefined;
  return rec;
}

export function anyToken(token: string): TokenRecord | undefined {
  return tokens.get(token);
}

export function revokeGrant(grantId: string): void {
  const g = grants.get(grantId);
  if (g) g.revoked = true;
}

/** Revokes every grant of a provider, or only one client's. */
export function revokeAll(provider: ProviderId, clientId?: string): void {
  for (const g of grants.values()) {
    if (g.provider === provider && (clientId === undefined || g.clientId === clientId)) g.revoked = true;
  }
}

export function resetStore(): void {
  pending.clear();
  codes.clear();
  grants.clear();
  tokens.clear();
}
