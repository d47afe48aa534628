/**
 * The refresh_token grant (RFC 6749 §6, SECURITY.md AS-4, AS-12): rotates the token, may narrow
 * but never widen the scope, and stops for a disabled user. A replayed token revokes its family.
 */
import { getUser, type User } from "../../identity/users";
import { OAuthError } from "../../errors";
import { audit } from "../../security/audit";
import { RefreshTokens } from "../../tokens/refresh";
import { tokensFor } from "../issue";
import type { Grant } from "./grant";

export const refreshTokenGrant: Grant = {
  grantType: "refresh_token",
  parameters: ["refresh_token", "scope"],
  async handler({ c, client, params }) {
    const token = params.get("refresh_token");
    if (!token) throw new OAuthError("invalid_request", '"refresh_token" is required.');
    const { store, config } = c.var;
    const tokens = new RefreshTokens(store, config.encryptionKey);
    const requested = params.get("scope")?.split(" ").filter(Boolean);
    let user: User | null = null;
    const rotation = await tokens.rotate(token, client.id, async (family) => {
      if (requested && !requested.every((scope) => family.scope.includes(scope))) {
        throw new OAuthError("invalid_scope", "A refresh cannot widen the scope of the original grant.");
      }
      user = await getUser(store, family.projectId, family.userId);
      if (!user || user.disabled) {
        await tokens.revokeFamily(family.id, "revocation");
        throw new OAuthError("invalid_grant", "The user may not sign in.", 400, { detail: user ? "user disabled" : "user gone" });
      }
    });
    if (!rotation.ok) {
      if (rotation.reason === "reused") {
        c.executionCtx.waitUntil(
          audit(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "refresh.reuse", target: { type: "user", id: rotation.family!.userId }, outcome: "failure", reason: "refresh token replayed: family revoked" }),
        );
      }
      throw new OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked.", 400, { detail: rotation.reason });
    }
    const { family } = rotation;
    const scope = requested ?? family.scope;
    return tokensFor(c, client, { user: user!, scope, authTime: family.authTime, amr: family.amr, idp: family.idp, sessionId: family.id }, rotation.token);
  },
};
