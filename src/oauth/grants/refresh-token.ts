/**
 * The refresh_token grant (RFC 6749 §6, SECURITY.md AS-4, AS-12): rotates the token, may narrow but
 * never widen the scope, and stops for a disabled user (revoking the grant). A replayed token
 * revokes its grant, unless it is the one rotated away within the client's reuse grace
 * (`refreshTokenReuseGraceSeconds`). Either way the reuse is refused with `invalid_grant`: answering
 * with tokens again, as Okta does within its grace period, would hand the live family to whoever holds
 * the old token, a thief included; refusing costs a racing client only a sign-in. Both are audited
 * (`refresh.reuse`). Warm, it costs two store round trips: read grant and user, write the rotation.
 */
import { OAuthError } from "../../errors";
import { auditLater } from "../../security/audit";
import { effectiveRoles } from "../../identity/users";
import { Grants } from "../../tokens/grants";
import { issueTokens, narrowedScope, withRefreshToken, type TokenResponse } from "../issue";
import type { Grant } from "./grant";

export const refreshTokenGrant: Grant = {
  grantType: "refresh_token",
  parameters: ["refresh_token", "scope"],
  async handler({ c, client, params }) {
    const token = params.get("refresh_token");
    if (!token) throw new OAuthError("invalid_request", '"refresh_token" is required.');
    const grants = new Grants(c.get("store"), c.get("config").encryptionKey);
    let response: TokenResponse | undefined;
    const rotation = await grants.rotate(token, client.id, async (grant, user) => {
      const scope = narrowedScope(grant.scope, params);
      if (!user || user.disabled) {
        await grants.revoke(grant.id, "user_disabled");
        throw new OAuthError("invalid_grant", "The user may not sign in.", 400, { detail: user ? "user disabled" : "user gone" });
      }
      const signIn = { user, roles: effectiveRoles(user), authTime: grant.authTime, amr: grant.amr, ...(grant.acr === undefined ? {} : { acr: grant.acr }), idp: grant.idp };
      const issued = await issueTokens(c, client, { scope, idToken: true, signIn, sessionId: grant.sessionId ?? grant.id });
      response = issued.response;
      return issued.access;
    }, (client.refreshTokenReuseGraceSeconds ?? 0) * 1000);
    if (!rotation.ok) {
      if (rotation.reason === "reused" || rotation.reason === "concurrent") {
        const reason = rotation.reason === "reused" ? "refresh token replayed: grant revoked" : "refresh token replayed within the client's reuse grace: grant kept";
        auditLater(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "refresh.reuse", target: { type: "user", id: rotation.grant!.userId }, outcome: "failure", reason });
      }
      throw new OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked.", 400, { detail: rotation.reason });
    }
    return withRefreshToken(response!, rotation.token);
  },
};
