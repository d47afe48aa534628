/**
 * The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.5, SECURITY.md AS-1, AS-3): the code is
 * taken once, must belong to this client and redirect URI, and the verifier must match its S256
 * challenge. A replay that proves the same client and verifier revokes what the code issued; a
 * replay that does not is refused without revoking anything (OAuth 2.1 §7.5.2).
 */
import { getUser } from "../../identity/users";
import { OAuthError } from "../../errors";
import { audit } from "../../security/audit";
import { RefreshTokens, newFamilyId } from "../../tokens/refresh";
import { pkceMatches, rememberRedeemed, takeCode } from "../codes";
import { tokensFor, wantsRefresh } from "../issue";
import type { Grant } from "./grant";

const invalidGrant = (description: string, detail?: string) => new OAuthError("invalid_grant", description, 400, detail ? { detail } : {});

export const authorizationCodeGrant: Grant = {
  grantType: "authorization_code",
  parameters: ["code", "redirect_uri", "code_verifier"],
  async handler({ c, client, params }) {
    const code = params.get("code");
    const verifier = params.get("code_verifier");
    if (!code) throw new OAuthError("invalid_request", '"code" is required.');
    if (!verifier) throw new OAuthError("invalid_request", '"code_verifier" is required: PKCE is mandatory.');
    const { store, config } = c.var;
    const redemption = await takeCode(store, code);

    if (redemption.kind === "unknown") throw invalidGrant("The code is invalid or expired.");
    if (redemption.kind === "replayed") {
      const { redeemed } = redemption;
      const proven = redeemed.clientId === client.id && (await pkceMatches(verifier, redeemed.codeChallenge));
      if (proven && redeemed.familyId) {
        await new RefreshTokens(store, config.encryptionKey).revokeFamily(redeemed.familyId, "code_replay");
        c.executionCtx.waitUntil(
          audit(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "code.replay", target: { type: "client", id: client.id }, outcome: "failure", reason: "tokens issued from the code revoked" }),
        );
      }
      throw invalidGrant("The code was already used.", proven ? "replay: issued tokens revoked" : "replay without proof: nothing revoked");
    }

    const { grant, codeHash } = redemption;
    if (grant.clientId !== client.id) throw invalidGrant("The code was issued to another client.");
    if (params.get("redirect_uri") !== grant.redirectUri) throw invalidGrant('"redirect_uri" does not match the authorization request.');
    if (!(await pkceMatches(verifier, grant.codeChallenge))) throw invalidGrant('"code_verifier" does not match the code challenge.');
    const user = await getUser(store, grant.projectId, grant.userId);
    if (!user || user.disabled) throw invalidGrant("The user may not sign in.", user ? "user disabled" : "user gone");

    const familyId = wantsRefresh(client, grant.scope) ? newFamilyId() : undefined;
    // Recorded before any token leaves, so a replay can always find what to revoke.
    await rememberRedeemed(store, codeHash, { clientId: client.id, codeChallenge: grant.codeChallenge, ...(familyId ? { familyId } : {}) });
    const refresh = familyId
      ? await new RefreshTokens(store, config.encryptionKey).issue(
          { projectId: client.projectId, clientId: client.id, userId: user.id, scope: grant.scope, authTime: grant.authTime, amr: grant.amr, idp: grant.idp },
          client.tokenLifetimes.refreshTokenSeconds,
          familyId,
        )
      : undefined;
    const response = await tokensFor(c, client, { user, scope: grant.scope, ...(grant.nonce ? { nonce: grant.nonce } : {}), authTime: grant.authTime, amr: grant.amr, idp: grant.idp, ...(familyId ? { sessionId: familyId } : {}) }, refresh?.token);
    c.executionCtx.waitUntil(
      audit(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.issue", target: { type: "user", id: user.id }, after: { grant: "authorization_code", scope: grant.scope, refresh: Boolean(refresh) } }),
    );
    return response;
  },
};
