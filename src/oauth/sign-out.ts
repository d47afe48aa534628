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
import { endSession } from "../sessions/end-session";
import { BrokerSessions, isSessionId } from "../sessions/records";
import { Grants } from "../tokens/grants";
import { bearerToken, isBearer, verifyBearer } from "./bearer";

/** Whether the request is an API client's sign-out rather than a browser's RP-initiated logout. */
export const isApiSignOut = (c: Context<AppEnv>): boolean => c.req.method === "POST" && isBearer(c.req.header("Authorization"));

/** The API sign-out; its errors are RFC 6750 JSON (the logout endpoint's error pages are for browsers). */
export async function apiSignOut(c: Context<AppEnv>): Promise<Response> {
  const { store, config } = c.var;
  const claims = await verifyBearer(c, bearerToken(c.req.header("Authorization")!));

  const isClient = claims["gty"] === "client_credentials";
  const actor = isClient ? { kind: "client" as const, clientId: claims.client_id } : { kind: "user" as const, userId: claims.sub };
  // The session (or family) first: its grants' revocation deny-lists their newest access tokens, which may be others.
  let ended: "session" | "refresh-family" | undefined;
  if (claims.sid && isSessionId(claims.sid)) {
    const session = await new BrokerSessions(store).get(claims.project, claims.sub, claims.sid);
    if (session && (await endSession(c, session, "api_sign_out", actor))) ended = "session";
  } else if (claims.sid) {
    await new Grants(store, config.encryptionKey).revoke(claims.sid, "revocation");
    ended = "refresh-family";
  }
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

