/** Small helpers the provider files share (claim shaping only; no OAuth logic). */
import { randomId } from "../store";
import type { ErrorCode, ErrorRendering, JWTPayload } from "../types";

/** Drops undefined values so optional claims stay absent rather than null. */
export function compact(o: Record<string, unknown>): JWTPayload {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export function has(scope: string[], s: string): boolean {
  return scope.includes(s);
}

/** A token that looks like a JWE (five dot-separated parts) but is opaque to the client. */
export function jweLooking(header: JWTPayload): string {
  const h = btoa(JSON.stringify(header)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${h}..${randomId(12)}.${randomId(96)}.${randomId(16)}`;
}

/** RFC 6749 §5.2 JSON error body. */
export function oauthError(status: number, error: string, description?: string): ErrorRendering {
  return { status, body: description === undefined ? { error } : { error, error_description: description } };
}

export type ErrorTable = Record<ErrorCode, ErrorRendering>;
