/**
 * Fedgate's one error family. Handlers throw these; `app.onError` (error-response.ts) turns them
 * into responses: as the endpoint's JSON, as Fedgate's error page, or as a redirect to the client,
 * whichever the error says, and writes the audit event it carries. Anything else that escapes
 * becomes a fixed `server_error` / 500 with no internals.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AuditInput } from "./security/audit-event";

/** RFC 6749 §5.2, RFC 6750 §3.1, RFC 8693 §2.2.2 and OIDC error codes Fedgate may answer with. */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "invalid_target"
  | "invalid_token"
  | "insufficient_scope"
  | "access_denied"
  | "login_required"
  | "interaction_required"
  | "unmet_authentication_requirements"
  | "server_error"
  | "temporarily_unavailable";

/**
 * How an error reaches whoever made the request, when not as its endpoint's JSON (the default):
 * - `page`: Fedgate's error page, for a person's browser (the sign-in journey, logout links), and
 *   for an authorization request whose redirect URI is not yet known to be the client's (AS-2);
 * - `redirect`: back to the client's redirect URI with `error`, `state` and `iss` (RFC 6749
 *   §4.1.2.1, RFC 9207), only ever with a redirect URI that matched the client's registration.
 */
export type Presentation =
  | { as: "page"; title: string }
  | { as: "redirect"; redirectUri: string; state: string | undefined };

interface ErrorOptions {
  /** Internal detail: goes to logs only, never to the client. */
  detail?: string;
  headers?: Record<string, string>;
  cause?: unknown;
  present?: Presentation;
  /** The audit event the error handler writes (after the response) when it answers this error. */
  audit?: AuditInput;
}

/**
 * An error of an OAuth endpoint, answered as RFC 6749 §5.2 JSON with `Cache-Control: no-store`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  readonly present: Presentation | undefined;
  /** Written by the error handler; an endpoint that knows the event may add one to an error that has none. */
  audit: AuditInput | undefined;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status: ContentfulStatusCode = 400,
    options: ErrorOptions = {},
  ) {
    super(`${error}: ${description}`, { cause: options.cause });
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.present = options.present;
    this.audit = options.audit;
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

/**
 * An error of a non-OAuth endpoint (admin API, well-known documents), answered as
 * `application/problem+json`. `description` is the client-facing RFC 9457 `detail` member;
 * `detail` is internal, like OAuthError's.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export class Problem extends Error {
  override readonly name = "Problem";
  readonly type: string;
  readonly description: string | undefined;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;
  readonly present: Presentation | undefined;
  /** Written by the error handler; an endpoint that knows the event may add one to an error that has none. */
  audit: AuditInput | undefined;

  constructor(
    readonly status: ContentfulStatusCode,
    readonly title: string,
    options: ErrorOptions & { description?: string; type?: string; extensions?: Record<string, unknown> } = {},
  ) {
    super(options.description ? `${title}: ${options.description}` : title, { cause: options.cause });
    this.type = options.type ?? "about:blank";
    this.description = options.description;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
    this.present = options.present;
    this.audit = options.audit;
  }

  toJSON(instance?: string): Record<string, unknown> {
    return {
      ...this.extensions,
      type: this.type,
      title: this.title,
      status: this.status,
      ...(this.description ? { detail: this.description } : {}),
      ...(instance ? { instance } : {}),
    };
  }
}
