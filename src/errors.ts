/**
 * Fedgate's one error family. Handlers throw these; `app.onError` turns them into responses.
 * Anything else that escapes becomes a fixed `server_error` / 500 with no internals.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

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
  | "server_error"
  | "temporarily_unavailable";

interface ErrorOptions {
  /** Internal detail: goes to logs only, never to the client. */
  detail?: string;
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * An error of an OAuth endpoint, answered as RFC 6749 §5.2 JSON with `Cache-Control: no-store`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status: ContentfulStatusCode = 400,
    options: ErrorOptions = {},
  ) {
    super(`${error}: ${description}`, { cause: options.cause });
    this.detail = options.detail;
    this.headers = options.headers ?? {};
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
