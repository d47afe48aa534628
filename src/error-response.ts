/**
 * The one error handler: every error becomes a response in the format of its endpoint's standard,
 * RFC 6749 §5.2 JSON under /oauth2/, RFC 9457 problem+json elsewhere, with `no-store`, unless the
 * error asks to be presented as Fedgate's error page or as a redirect to the client (errors.ts
 * `Presentation`), or its route set a page for errors that do not (env.ts `defaultErrorPage`). The
 * audit event an error carries is written here, once. Internal detail goes to the log, never to the
 * client; unknown errors become a fixed 500.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConfigError } from "./config";
import type { AppEnv } from "./env";
import { OAuthError, Problem, type OAuthErrorCode } from "./errors";
import { describeError } from "./log";
import { redirectTo } from "./oauth/authorization-request";
import { auditLater } from "./security/audit";
import { StoreError } from "./store/store";
import { errorPage } from "./ui";

const isOAuthEndpoint = (path: string) => path.startsWith("/oauth2/");

/** Any thrown value as an OAuthError or a Problem, and whether it is Fedgate's fault. */
function classify(error: unknown): { known: OAuthError | Problem; fault: boolean } {
  if (error instanceof OAuthError || error instanceof Problem) return { known: error, fault: error.status >= 500 };
  if (error instanceof StoreError) {
    if (error.code === "bad_cursor") return { known: new Problem(400, "Bad Request", { description: error.message }), fault: false };
    if (error.code === "unavailable") {
      return {
        known: new Problem(503, "Service Unavailable", {
          description: "The store is unavailable; nothing was changed. Try again shortly.",
          headers: { "Retry-After": "5" },
        }),
        fault: true,
      };
    }
  }
  if (error instanceof ConfigError) {
    return { known: new Problem(500, "Fedgate is not configured", { description: error.problems.join("; ") }), fault: true };
  }
  if (error instanceof HTTPException && error.status < 500) {
    return { known: new Problem(error.status as ContentfulStatusCode, error.message || "Bad Request"), fault: false };
  }
  return { known: new Problem(500, "Internal Server Error"), fault: true };
}

/**
 * RFC 6749 has no code for "too many requests": 429 says `temporarily_unavailable` (registered, and
 * client libraries treat it as retry-later), not `slow_down` (RFC 8628 device polling: "add 5 s to
 * the interval") nor `invalid_request` (says the request itself is wrong).
 */
const oauthCodeFor = (status: number): OAuthErrorCode =>
  status === 503 || status === 429 ? "temporarily_unavailable" : status >= 500 ? "server_error" : "invalid_request";

/** The response for `error`, in the format of the endpoint that failed. */
export function errorResponse(error: unknown, c: Context<AppEnv>): Response {
  const { known, fault } = classify(error);
  const log = c.get("log");
  const fields = { status: known.status, detail: known.detail, ...(known === error ? {} : describeError(error)) };
  if (fault) log?.error("request failed", fields);
  else log?.info("request refused", fields);

  if (known.audit) auditLater(c, known.audit);

  const headers: Record<string, string> = {
    ...known.headers,
    "Cache-Control": "no-store",
    "X-Request-Id": c.get("requestId") ?? "",
  };
  const description = known instanceof OAuthError ? known.description : (known.description ?? known.title);
  // A route that answers browsers sets a page for errors that do not say how to present themselves.
  const fallback = known.present ? undefined : c.get("defaultErrorPage");
  const page = known.present?.as === "page" ? { title: known.present.title, message: description } : fallback;
  if (page) {
    const response = errorPage(c, { ...page, status: known.status });
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  }
  if (known.present?.as === "redirect") {
    const params = known instanceof OAuthError ? known.toJSON() : { error: oauthCodeFor(known.status), error_description: description };
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    return c.redirect(redirectTo(known.present.redirectUri, c.get("config").issuer, known.present.state, params), 303);
  }
  if (isOAuthEndpoint(c.req.path)) {
    const oauth =
      known instanceof OAuthError
        ? known
        : new OAuthError(oauthCodeFor(known.status), known.description ?? known.title, known.status);
    return c.json(oauth.toJSON(), oauth.status, headers);
  }
  const problem = known instanceof Problem ? known : new Problem(known.status, known.error, { description: known.description });
  return c.body(JSON.stringify(problem.toJSON()), problem.status, { ...headers, "Content-Type": "application/problem+json" });
}

/** Unknown routes: 404 in the format of the path's family. */
export function notFound(c: Context<AppEnv>): Response {
  const description = `No endpoint ${c.req.method} ${c.req.path}`;
  return errorResponse(
    isOAuthEndpoint(c.req.path) ? new OAuthError("invalid_request", description, 404) : new Problem(404, "Not Found", { description }),
    c,
  );
}
