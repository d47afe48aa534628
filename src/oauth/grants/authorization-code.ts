/**
 * The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.5, SECURITY.md AS-1, AS-3): the code is
 * taken once, must belong to this client and redirect URI, and the verifier must match its S256
 * challenge. A replay that proves the same client and verifier revokes what the code issued; a
 * replay that does not is refused without revoking anything (OAuth 2.1 §7.5.2).
 * Warm, it costs two store round trips: take the code, record the grant.
 */
import { OAuthError } from "../../errors";
import { auditLater } from "../../security/audit";
import { grantIdFor, Grants, type GrantSeed } from "../../tokens/grants";
import { pkceMatches, takeCode } from "../codes";
import { issueTokens, recordGrant, wantsRefresh, withRefreshToken } from "../issue";
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
    const grants = new Grants(store, config.encryptionKey);
    const taken = await takeCode(store, code);
    if (!taken) throw invalidGrant("The code is invalid or expired.");

    const { grant, codeHash } = taken;
    if (!grant) {
      const replay = await grants.replayedCode(codeHash, client.id, (challenge) => pkceMatches(verifier, challenge));
      if (replay === "revoked") {
        auditLater(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "code.replay", target: { type: "client", id: client.id }, outcome: "failure", reason: "code replayed: what it issued is revoked" });
      }
      throw replay === "unknown" ? invalidGrant("The code is invalid or expired.") : invalidGrant("The code was already used.", `replay: ${replay}`);
    }
    if (grant.clientId !== client.id) throw invalidGrant("The code was issued to another client.");
    if (params.get("redirect_uri") !== grant.redirectUri) throw invalidGrant('"redirect_uri" does not match the authorization request.');
    if (!(await pkceMatches(verifier, grant.codeChallenge))) throw invalidGrant('"code_verifier" does not match the code challenge.');

    const refreshable = wantsRefresh(client, grant.scope);
    const seed: GrantSeed = { kind: "code", codeHash };
    const issued = await issueTokens(c, client, {
      scope: grant.scope, idToken: true,
      signIn: { user: grant.user, ...(grant.nonce ? { nonce: grant.nonce } : {}), authTime: grant.authTime, amr: grant.amr, idp: grant.idp },
      ...(refreshable ? { sessionId: await grantIdFor(seed) } : {}),
    });
    // Recorded before any token leaves, so a replay can always find what to revoke.
    const refreshToken = await recordGrant(c, client, seed, { userId: grant.user.id, scope: grant.scope, authTime: grant.authTime, amr: grant.amr, idp: grant.idp, codeChallenge: grant.codeChallenge, refreshable }, issued.access);
    auditLater(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.issue", target: { type: "user", id: grant.user.id }, after: { grant: "authorization_code", scope: grant.scope, refresh: refreshable } });
    return withRefreshToken(issued.response, refreshToken);
  },
};
