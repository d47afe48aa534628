/**
 * Documents served with a strong ETag: discovery metadata, the JWKS, the OpenAPI document (each
 * serialised and hashed once, not per request), and the admin API's versioned records.
 */
import type { Context } from "hono";
import { base64url } from "jose";
import { sha256Bytes } from "./encoding";

/** A JSON document ready to serve: its bytes and their strong ETag. */
export interface CachedDocument {
  body: string;
  etag: string;
}

/** The strong ETag of `text`: SHA-256, base64url, truncated (a collision only costs a refetch). */
export async function etagOf(text: string): Promise<string> {
  return `"${base64url.encode((await sha256Bytes(text)).subarray(0, 18))}"`;
}

/** Serialises `value` once and computes its ETag. */
export async function cachedDocument(value: unknown): Promise<CachedDocument> {
  const body = JSON.stringify(value);
  return { body, etag: await etagOf(body) };
}

/** Serves a document with its caching headers, or 304 when the client already has it (RFC 9110 §13.1.2). */
export function serveDocument(c: Context, document: CachedDocument, contentType: string, cacheControl: string): Response {
  const headers = { ETag: document.etag, "Cache-Control": cacheControl };
  const known = c.req.header("If-None-Match")?.split(/\s*,\s*/);
  if (known?.includes(document.etag) || known?.includes("*")) return c.body(null, 304, headers);
  return c.body(document.body, 200, { ...headers, "Content-Type": contentType });
}
