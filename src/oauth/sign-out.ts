/**
 * Sign-out from an API client: `POST /oauth2/logout` with `Authorization: Bearer <access token>`, what
 * SPA SDKs' `signOut()` sends (MedplumClient posts `{}` as `application/fhir+json`; the body is not
 * read). The access token must be a valid Fedgate access token, not already revoked: otherwise 401
 * `invalid_token` with an RFC 6750 challenge. It is deny-listed until it expires, and when it came
 * from a grant with refresh tokens (its `sid`) that whole refresh family is revoked too, as
 * /oauth2/revoke does with the refresh token (SECURITY.md AS-10's revocation, for the token's own
 * holder). The answer is 204, no body. Audited as `session.logout`, like RP-initiated logout.
 *
 * RP-initiated logout in the browser (oauth/logout.ts, `id_token_hint`) is the other way in to the
 * same endpoint; a Bearer `Authorization` header is what tells them apart.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { auditLater } from "../security/audit";
import { denyAccessToken } from "../tokens/deny-list";
import { Grants } from "../tokens/grants";
import { bearerToken, isBearer, verifyBearer } from "./bearer";

/** Whether the request is an API client's sign-out rather than a browser's RP-initiated logout. */
export const isApiSignOut = (c: Context<AppEnv>): boolean => c.req.method === "POST" && isBearer(c.req.header("Authorization"));

/** The API sign-out; its errors are RFC 6750 JSON (the logout endpoint's error pages are for browsers). */
export async function apiSignOut(c: Context<AppEnv>): Promise<Response> {
  const { store, config } = c.var;
  const claims = await verifyBearer(c, bearerToken(c.req.header("Authorization")!));

  // The family first: its revocation also deny-lists the family's newest access token, which may be another.
  if (claims.sid) await new Grants(store, config.encryptionKey).revoke(claims.sid, "revocation");
  await denyAccessToken(store, claims.jti, claims.exp, claims.client_id);
  const isClient = claims["gty"] === "client_credentials";
  auditLater(c, {
    projectId: claims.project,
    actor: isClient ? { kind: "client", clientId: claims.client_id } : { kind: "user", userId: claims.sub },
    action: "session.logout",
    target: claims.sid ? { type: "refresh-family", id: claims.sid } : { type: "access-token", id: claims.jti },
    after: { via: "bearer", clientId: claims.client_id, refreshFamilyRevoked: Boolean(claims.sid), accessTokenRevoked: claims.jti },
  });
  return c.body(null, 204, { "Cache-Control": "no-store" });
}

