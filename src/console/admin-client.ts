/**
 * The admin API as the console's pages call it: in process (in-process.ts), with
 * `Authorization: Bearer <the session's access token>`, so what a person may do is exactly what the
 * API lets their token do. The access token is refreshed shortly before it expires (offline_access);
 * if that fails, or the API refuses the token, the person must sign in again (`SignInAgain`).
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import { inProcess, tokenRequest, type FetchApp } from "./in-process";
import { openTokens, rereadSession, saveTokens, type OpenSession } from "./session";

const API_BASE = "/admin/v1";
/** Refresh this long before the access token expires, so no call carries a token about to lapse. */
const REFRESH_MARGIN_MS = 30_000;

/** An RFC 9457 problem as the API answers it; `errors` for schema failures, one per field. */
export interface ApiProblem {
  status: number;
  title: string;
  detail?: string;
  errors?: { path: string; message: string }[];
}

export type ApiAnswer<T> =
  | { ok: true; status: number; etag: string | null; body: T }
  | { ok: false; status: number; etag: string | null; problem: ApiProblem };

/** The session cannot call the API any more (token expired and not refreshable, revoked): sign in again. */
export class SignInAgain extends Error {
  override readonly name = "SignInAgain";
}

/** The console's error page for an API answer no page handles itself (404, 403, an outage). */
export function pageError(problem: ApiProblem): Problem {
  const title = problem.status === 404 ? "Not found" : problem.status === 403 ? "Not allowed" : problem.status >= 500 ? "Fedgate could not do this" : problem.title;
  return new Problem(problem.status as 400, title, { description: problem.detail ?? problem.title, present: { as: "page", title } });
}

export class AdminApi {
  constructor(
    private readonly c: Context<AppEnv>,
    private readonly fetchApp: FetchApp,
    private session: OpenSession,
  ) {}

  /** Calls `method path` under /admin/v1 with a JSON body and `If-Match` when given. */
  async call<T = unknown>(method: string, path: string, options: { body?: unknown; ifMatch?: string } = {}): Promise<ApiAnswer<T>> {
    let response = await this.send(method, path, options, await this.accessToken());
    if (response.status === 401) {
      // Revoked or lapsed early: one refresh, then give up.
      response = await this.send(method, path, options, await this.refresh());
      if (response.status === 401) throw new SignInAgain("the admin API refused the session's token");
    }
    const etag = response.headers.get("ETag");
    const text = await response.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    if (response.ok) return { ok: true, status: response.status, etag, body: body as T };
    const problem = (body ?? {}) as Partial<ApiProblem>;
    return { ok: false, status: response.status, etag, problem: { ...problem, status: response.status, title: problem.title ?? "Error" } };
  }

  /** `call`, but any refusal becomes the console's error page (for reads a page cannot do without). */
  async must<T = unknown>(method: string, path: string, options: { body?: unknown; ifMatch?: string } = {}): Promise<{ body: T; etag: string | null }> {
    const answer = await this.call<T>(method, path, options);
    if (!answer.ok) throw pageError(answer.problem);
    return answer;
  }

  private send(method: string, path: string, options: { body?: unknown; ifMatch?: string }, token: string): Promise<Response> {
    return inProcess(this.c, this.fetchApp, `${API_BASE}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: "application/json",
        ...(options.body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(options.ifMatch ? { "If-Match": options.ifMatch } : {}),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  }

  /** The session's access token, refreshed first when it is about to expire. */
  private async accessToken(): Promise<string> {
    if (this.session.record.accessExpiresAt - Date.now() > REFRESH_MARGIN_MS) return (await openTokens(this.c, this.session)).accessToken;
    return this.refresh();
  }

  /** A fresh access token from the refresh token, kept in the session; or what a concurrent refresh stored. */
  private async refresh(): Promise<string> {
    const { refreshToken } = await openTokens(this.c, this.session);
    if (!refreshToken) throw new SignInAgain("no refresh token");
    const answer = await tokenRequest(this.c, this.fetchApp, { grant_type: "refresh_token", refresh_token: refreshToken });
    if (answer.ok) {
      await saveTokens(this.c, this.session, { accessToken: answer.access_token, expiresInS: answer.expires_in, ...(answer.refresh_token ? { refreshToken: answer.refresh_token } : {}) });
      return answer.access_token;
    }
    if (answer.status >= 500) throw pageError({ status: 503, title: "Service Unavailable", detail: "Fedgate could not renew your session just now. Try again shortly." });
    // Another request of this session may have rotated the refresh token first: use what it stored.
    const current = await rereadSession(this.c, this.session);
    if (current && current.record.accessToken !== this.session.record.accessToken && current.record.accessExpiresAt - Date.now() > REFRESH_MARGIN_MS) {
      this.session = current;
      return (await openTokens(this.c, current)).accessToken;
    }
    throw new SignInAgain(`refresh refused: ${answer.error}`);
  }
}
