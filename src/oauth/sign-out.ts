/**
 * Sign-out from an API client: `POST /oauth2/logout` with `Authorization: Bearer <access token>`, what
 * SPA SDKs' `signOut()` sends (MedplumClient posts `{}` as `application/fhir+json`; the body is not
 * read). The access token must be a valid Fedgate access token, not already revoked: otherwise 401
 * `invalid_token` with an RFC 6750 challenge. It is deny-listed until it expires, and its `sid` ends
 * too: the broker session of a browser sign-in (every app signed in with it, as RP-initiated logout
 * does), or the refresh family of an exchanged grant (as /oauth2/revoke does with the refresh token). The answer is 204, no body. Audited as `session.logout`, like RP-initiated logout.
 *
 * RP-initiated logout in the browser (oauth/logout.ts, `id_token_hint`) is the other way in to the
 * same endpoint; a Bearer `Authorization` header is what tells them apart.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { auditLater } from "../security/audit";
import { denyAccessToken } from "../tokens/deny-list";
import type { Actor } from "../security/audit-event";
import { endSessionById, type EndReason } from "../sessions/end-session";
import { isSessionId } from "../sessions/records";
import { Grants } from "../tokens/grants";
import { bearerToken, isBearer, verifyBearer } from "./bearer";

/**
 * Ends what a token's `sid` names: its broker session (every app of it), or for tokens of an exchanged
 * grant, that refresh family. What was ended; undefined when the session had already ended.
 */
export async function endBySid(c: Context<AppEnv>, named: { projectId: string; userId: string; sid: string }, reason: EndReason, actor: Actor): Promise<"session" | "refresh-family" | undefined> {
  if (isSessionId(named.sid)) return (await endSessionById(c, { ...named, sessionId: named.sid }, reason, actor)) ? "session" : undefined;
  await new Grants(c.get("store"), c.get("config").encryptionKey).revoke(named.sid, "revocation");
  return "refresh-family";
}

/** Whether the request is an API client's sign-out rather than a browser's RP-initiated logout. */
export const isApiSignOut = (c: Context<AppEnv>): boolean => c.req.method === "POST" && isBearer(c.req.header("Authorization"));

/** The API sign-out; its errors are RFC 6750 JSON (the logout endpoint's error pages are for browsers). */
export async function apiSignOut(c: Context<AppEnv>): Promise<Response> {
  const store = c.get("store");
  const claims = await verifyBearer(c, bearerToken(c.req.header("Authorization")!));

  const isClient = claims["gty"] === "client_credentials";
  const actor = isClient ? { kind: "client" as const, clientId: claims.client_id } : { kind: "user" as const, userId: claims.sub };
  // The session (or family) first: its grants' revocation deny-lists their newest access tokens, which may be others.
  const ended = claims.sid ? await endBySid(c, { projectId: claims.project, userId: claims.sub, sid: claims.sid }, "api_sign_out", actor) : undefined;
  await denyAccessToken(store, claims.jti, claims.exp, claims.client_id);
  auditLater(c, {
    projectId: claims.project,
    actor,
    action: "session.logout",
    target: claims.sid ? { type: ended === "refresh-family" ? "refresh-family" : "session", id: claims.sid } : { type: "access-token", id: claims.jti },
    after: { via: "bearer", clientId: claims.client_id, ended: ended ?? "nothing", accessTokenRevoked: claims.jti },
  });
  return c.body(null, 204, { "Cache-Control": "no-store" });
}

