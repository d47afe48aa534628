/**
 * The console's only way to Fedgate's data: requests to the app itself, in process (the Hono app's
 * `fetch` with a Request to `<ISSUER>/…`, no network), so the token endpoint and the admin API apply
 * their own validation, ETags, problem+json, rate limits and audit exactly as for any other caller.
 * The person's address goes along (`CF-Connecting-IP`), so audit events and IP rules see them.
 */
import type { Context, ExecutionContext } from "hono";
import type { AppEnv, Bindings } from "../env";

/** The app's fetch, handed in by app.ts (the console cannot import the app it is part of). */
export type FetchApp = (request: Request, env: Bindings, ctx: ExecutionContext) => Response | Promise<Response>;

/** Sends `init` to `path` on this Fedgate, in process, as the person behind `c`. */
export async function inProcess(c: Context<AppEnv>, fetchApp: FetchApp, path: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<Response> {
  const ip = c.req.header("CF-Connecting-IP");
  const request = new Request(`${c.get("config").issuer}${path}`, {
    method: init.method,
    headers: { ...init.headers, ...(ip ? { "CF-Connecting-IP": ip } : {}) },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return fetchApp(request, c.env, c.executionCtx);
}

/** A token endpoint answer: the tokens, or the RFC 6749 §5.2 error. */
export type TokenAnswer =
  | { ok: true; access_token: string; expires_in: number; refresh_token?: string; id_token?: string }
  | { ok: false; status: number; error: string; description?: string };

/** `POST /oauth2/revoke` of `token` (RFC 7009), as the console's public client: best effort, the answer is always 200. */
export async function revokeToken(c: Context<AppEnv>, fetchApp: FetchApp, token: string): Promise<void> {
  await inProcess(c, fetchApp, "/oauth2/revoke", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, client_id: c.get("config").console!.clientId }).toString(),
  });
}

/** `POST /oauth2/token` with `params` (the console's client is public: its id, no secret; see sign-in.ts). */
export async function tokenRequest(c: Context<AppEnv>, fetchApp: FetchApp, params: Record<string, string>): Promise<TokenAnswer> {
  const response = await inProcess(c, fetchApp, "/oauth2/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams({ ...params, client_id: c.get("config").console!.clientId }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok && typeof body["access_token"] === "string" && typeof body["expires_in"] === "number") {
    return {
      ok: true, access_token: body["access_token"], expires_in: body["expires_in"],
      ...(typeof body["refresh_token"] === "string" ? { refresh_token: body["refresh_token"] } : {}),
      ...(typeof body["id_token"] === "string" ? { id_token: body["id_token"] } : {}),
    };
  }
  return {
    ok: false, status: response.status, error: typeof body["error"] === "string" ? body["error"] : "server_error",
    ...(typeof body["error_description"] === "string" ? { description: body["error_description"] } : {}),
  };
}
