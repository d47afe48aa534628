/** Request plumbing shared by every endpoint: typed Hono env, parameters, client authentication, errors. */
import type { Context } from "hono";
import { findClient } from "./data";
import { anyToken, getPending } from "./store";
import { EmuError, type Client, type ClientAuthMethod, type Endpoint, type Provider } from "./types";

export interface Env {
  /** Origin of every issuer, e.g. http://127.0.0.1:8788 (configuration, never the Host header). */
  BASE_URL?: string;
}
export type AppEnv = { Bindings: Env; Variables: { params: Record<string, string> } };
export type Ctx = Context<AppEnv>;

export const DEFAULT_BASE_URL = "http://127.0.0.1:8788";

export function origin(c: Ctx): string {
  return (c.env?.BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, "");
}

export function issuerOf(c: Ctx, p: Provider): string {
  const o = origin(c);
  return p.issuerPath === "/" ? o : o + p.issuerPath;
}

export function endpointUrl(c: Ctx, p: Provider, e: Endpoint): string | undefined {
  const path = p.paths[e];
  return path === undefined ? undefined : origin(c) + path;
}

/** Query plus body (form or JSON) as one string map, parsed once per request; body wins. */
export async function readParams(c: Ctx): Promise<Record<string, string>> {
  const cached = c.get("params");
  if (cached) return cached;
  // Null prototype: a parameter named `constructor` or `__proto__` is kept as sent, and reading an
  // absent one is undefined, never Object.prototype's (Fedgate SECURITY.md AB-6).
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of new URL(c.req.url).searchParams) out[k] ??= v;
  if (c.req.method === "POST") {
    const type = c.req.header("content-type") ?? "";
    let body: Record<string, unknown> = {};
    try {
      if (type.includes("application/json")) body = (await c.req.json()) as Record<string, unknown>;
      else if (type.includes("form")) body = await c.req.parseBody();
    } catch {
      throw new EmuError("invalid_request", "unreadable body");
    }
    for (const [k, v] of Object.entries(body ?? {})) if (typeof v === "string") out[k] = v;
  }
  c.set("params", out);
  return out;
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header?.toLowerCase().startsWith("basic ")) return undefined;
  try {
    const raw = atob(header.slice(6).trim());
    const i = raw.indexOf(":");
    if (i < 0) return undefined;
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    return { id: decodeURIComponent(raw.slice(0, i)), secret: decodeURIComponent(raw.slice(i + 1)) };
  } catch {
    throw new EmuError("client_auth_failed", "malformed Basic credentials");
  }
}

/** Client authentication as the provider accepts it (secret via Basic or body; none for public clients). */
export function authenticateClient(p: Provider, c: Ctx, params: Record<string, string>): { client: Client; method: ClientAuthMethod } {
  const basic = basicCredentials(c.req.header("authorization"));
  let id: string | undefined;
  let secret: string | undefined;
  let method: ClientAuthMethod;
  if (basic) {
    ({ id, secret } = basic);
    method = "client_secret_basic";
  } else {
    id = params["client_id"];
    secret = params["client_secret"];
    method = secret === undefined ? "none" : "client_secret_post";
  }
  if (!id) throw new EmuError("client_auth_missing");
  const client = findClient(p.tenant, id);
  if (!client) throw new EmuError("client_auth_failed", "unknown client");
  if (client.clientSecret === undefined) return { client, method: "none" };
  if (method === "none") throw new EmuError("client_auth_missing");
  if (!p.authMethods.includes(method)) throw new EmuError("client_auth_failed", `${method} not allowed`);
  if (secret !== client.clientSecret) throw new EmuError("client_auth_failed", "wrong secret");
  return { client, method };
}

/** Renders an EmuError in the provider's own format. */
export function errorResponse(p: Provider, e: Endpoint, err: EmuError): Response {
  const r = p.renderError(e, err.code, err.detail);
  const headers = new Headers({ "cache-control": "no-store", pragma: "no-cache", ...r.headers });
  if (r.body === undefined) return new Response(null, { status: r.status, headers });
  if (typeof r.body === "string") {
    if (!headers.has("content-type")) headers.set("content-type", "text/plain; charset=utf-8");
    return new Response(r.body, { status: r.status, headers });
  }
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(r.body), { status: r.status, headers });
}

/** Runs a handler, turning EmuErrors into the provider's error response. */
export async function guarded(p: Provider, e: Endpoint, run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof EmuError) return errorResponse(p, e, err);
    throw err;
  }
}

export function noStoreJson(body: unknown, status = 200, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", pragma: "no-cache", ...extra },
  });
}

/** Best effort: which client a request belongs to, for client-scoped fault switches. */
export async function requestClientId(c: Ctx): Promise<string | undefined> {
  const url = new URL(c.req.url);
  const q = url.searchParams.get("client_id");
  if (q) return q;
  const auth = c.req.header("authorization");
  try {
    const basic = basicCredentials(auth);
    if (basic) return basic.id;
  } catch {
    return undefined;
  }
  if (auth?.toLowerCase().startsWith("bearer ")) return anyToken(auth.slice(7).trim())?.clientId;
  let params: Record<string, string>;
  try {
    params = await readParams(c);
  } catch {
    return undefined;
  }
  if (params["client_id"]) return params["client_id"];
  if (params["tx"]) return getPending(params["tx"])?.clientId;
  const token = params["token"] ?? params["access_token"] ?? params["id_token"];
  return token ? anyToken(token)?.clientId : undefined;
}
