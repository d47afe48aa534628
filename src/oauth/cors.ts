/**
 * CORS for the endpoints browser code calls with credentials (SECURITY.md AS-14): token, userinfo,
 * revoke, introspect and logout. SPA SDKs (MedplumClient, oidc-client-ts with
 * `fetchRequestCredentials: "include"`) send `credentials: "include"`, which browsers refuse to pair
 * with `Access-Control-Allow-Origin: *`; so the request's `Origin` is reflected exactly, with
 * `Access-Control-Allow-Credentials: true`, only when a client registered it (registry/origins.ts),
 * and an unregistered origin gets no `Access-Control-Allow-Origin` at all. Every answer says
 * `Vary: Origin`. A request without `Origin` costs nothing here.
 *
 * A preflight names no client: it is answered for any registered origin. Once a handler knows the
 * request's client it calls `forClient`, and then only that client's own origins are reflected; the
 * token endpoint goes further and refuses (`requireClientOrigin`), see there.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { OAuthError } from "../errors";
import type { Client } from "../registry/clients";
import { findClient } from "../registry/clients";
import { originRegistered, originsOf } from "../registry/origins";

/**
 * What such SDKs put on their requests: MedplumClient `Authorization`, `Content-Type`, `Accept`,
 * `X-Medplum` (and `Cache-Control`/`Pragma` on some of its requests); oidc-client-ts `Authorization`,
 * `Content-Type`, `Accept`, `DPoP`.
 */
const CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "Accept", "DPoP", "X-Medplum", "Cache-Control", "Pragma", "X-Requested-With"] as const;
const EXPOSED_HEADERS = "WWW-Authenticate, Retry-After";
/** Short, so a browser stops reusing a preflight soon after its origin is removed (Chromium caps it at 2 h anyway). */
const PREFLIGHT_MAX_AGE_S = 600;

function appendVary(headers: Headers): void {
  const vary = headers.get("Vary");
  if (!vary) headers.set("Vary", "Origin");
  else if (!vary.split(",").some((part) => part.trim().toLowerCase() === "origin")) headers.set("Vary", `${vary}, Origin`);
}

/** Whether to reflect this origin: the identified client's own, else any client's. */
async function reflects(c: Context<AppEnv>, origin: string): Promise<boolean> {
  const own = c.get("corsClientOrigins");
  if (own) return own.includes(origin);
  return originRegistered(c.get("store"), origin).catch(() => false); // a store outage already answered 503; it must not turn into a 500 here
}

/** Credentialed CORS for an endpoint answering `allowed`; OPTIONS is answered here, for any path under it. */
function corsAnswering(allowed: readonly [string, ...string[]]): MiddlewareHandler<AppEnv> {
  const methods = allowed.join(", ");
  const requestHeaders = CORS_REQUEST_HEADERS.join(", ");
  return async (c, next) => {
    const origin = c.req.header("Origin");
    if (c.req.method === "OPTIONS") {
      const headers = new Headers({ Vary: "Origin" });
      if (origin !== undefined && (await originRegistered(c.get("store"), origin))) {
        headers.set("Access-Control-Allow-Origin", origin);
        headers.set("Access-Control-Allow-Credentials", "true");
        headers.set("Access-Control-Allow-Methods", methods);
        headers.set("Access-Control-Allow-Headers", requestHeaders);
        headers.set("Access-Control-Max-Age", String(PREFLIGHT_MAX_AGE_S));
      }
      return new Response(null, { status: 204, headers });
    }
    await next();
    if (origin !== undefined && (await reflects(c, origin))) {
      // A Response from fetch() has immutable headers; ours are mutable, but copy rather than throw.
      try {
        c.res.headers.set("Access-Control-Allow-Origin", origin);
      } catch {
        c.res = new Response(c.res.body, c.res);
        c.res.headers.set("Access-Control-Allow-Origin", origin);
      }
      c.res.headers.set("Access-Control-Allow-Credentials", "true");
      c.res.headers.set("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    }
    appendVary(c.res.headers);
  };
}

/**
 * The credentialed endpoints' CORS, which differ only in the methods they answer: `post` for token,
 * revoke and introspect; `getAndPost` for userinfo and logout.
 */
export const credentialedCors = {
  post: corsAnswering(["POST"]),
  getAndPost: corsAnswering(["GET", "POST"]),
} as const;

/** Records the request's client: from now on only its own origins are reflected (not reflected is not refused). */
export function forClient(c: Context<AppEnv>, client: Pick<Client, "allowedOrigins" | "redirectUris">): void {
  c.set("corsClientOrigins", originsOf(client));
}

/** `forClient` for a client known by id (an access token's `client_id`); reads the client only when there is an `Origin`. */
export async function forClientId(c: Context<AppEnv>, clientId: string): Promise<void> {
  if (c.req.header("Origin") === undefined) return;
  const client = await findClient(c.get("store"), clientId);
  c.set("corsClientOrigins", client ? originsOf(client) : []);
}

/**
 * The token endpoint's rule: a browser request (one with `Origin`) for a client that did not
 * register that origin is refused before the grant runs. Answering it would spend a code or rotate
 * a refresh token into a response the browser then hides from the page, leaving the app with a
 * rotated-away refresh token whose next use revokes its family (AS-4).
 */
export function requireClientOrigin(c: Context<AppEnv>, client: Client): void {
  forClient(c, client);
  const origin = c.req.header("Origin");
  if (origin !== undefined && !c.get("corsClientOrigins").includes(origin)) {
    throw new OAuthError("access_denied", "Requests from this origin are not allowed for this client.", 403, { detail: `origin ${origin} not registered by the client` });
  }
}
