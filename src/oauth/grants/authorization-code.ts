/**
 * The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.5, SECURITY.md AS-1, AS-3): the code is
 * opened locally (oauth/codes.ts), must belong to this client and redirect URI, and the verifier
 * must match its S256 challenge. Recording the grant (written only if absent) is the code's
 * single-use check: if it exists, the code was redeemed before, and this is a replay. A replay that
 * proves the same client and verifier revokes what the code issued; one that does not is refused
 * without revoking anything (OAuth 2.1 §7.5.2). The tokens minted for a replay never leave.
 * Warm, it costs one store round trip: the grant's write.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { OAuthError } from "../../errors";
import type { Client } from "../../registry/clients";
import { auditLater } from "../../security/audit";
import { grantIdFor, Grants, type GrantSeed } from "../../tokens/grants";
import { openCode, pkceMatches } from "../codes";
import { issueTokens, wantsRefresh, withRefreshToken } from "../issue";
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
    const opened = await openCode(config.encryptionKey, code);
    if (!opened) throw invalidGrant("The code is invalid or expired.");
    const { grant, codeHash } = opened;
    const proves = (challenge: string) => pkceMatches(verifier, challenge);
    // An expired code can still be a replay of one redeemed in time: the grant record says.
    if (opened.expired) return refuseReplay(c, client, await grants.replayedCode(codeHash, client.id, proves));

    if (grant.clientId !== client.id) throw invalidGrant("The code was issued to another client.");
    if (params.get("redirect_uri") !== grant.redirectUri) throw invalidGrant('"redirect_uri" does not match the authorization request.');
    if (!(await proves(grant.codeChallenge))) throw invalidGrant('"code_verifier" does not match the code challenge.');

    const refreshable = wantsRefresh(client, grant.scope);
    const seed: GrantSeed = { kind: "code", codeHash };
    const context = { authTime: grant.authTime, amr: grant.amr, ...(grant.acr === undefined ? {} : { acr: grant.acr }), idp: grant.idp };
    // `sid` is the broker session; a code sealed without one (none is, since sessions) names its refresh family.
    const sessionId = grant.sessionId ?? (refreshable ? await grantIdFor(seed) : undefined);
    const issued = await issueTokens(c, client, {
      scope: grant.scope, idToken: true,
      signIn: { user: grant.user, ...(grant.nonce ? { nonce: grant.nonce } : {}), ...context, ...(grant.roles ? { roles: grant.roles } : {}) },
      ...(sessionId ? { sessionId } : {}),
    });
    // Recorded before any token leaves, so a later replay can always find what to revoke.
    const recorded = await grants.recordOnce(
      {
        projectId: client.projectId, clientId: client.id, userId: grant.user.id, scope: grant.scope, ...context,
        ...(grant.sessionId ? { sessionId: grant.sessionId } : {}), codeChallenge: grant.codeChallenge, refreshable,
      },
      seed, issued.access, client.tokenLifetimes.refreshTokenSeconds,
    );
    if (!recorded) return refuseReplay(c, client, await grants.replayedCode(codeHash, client.id, proves));
    auditLater(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.issue", target: { type: "user", id: grant.user.id }, after: { grant: "authorization_code", scope: grant.scope, refresh: refreshable } });
    return withRefreshToken(issued.response, recorded.refreshToken);
  },
};

/** Refuses a code presented again (or expired): audited when the replay revoked what it issued. */
function refuseReplay(c: Context<AppEnv>, client: Client, replay: "revoked" | "unproven" | "unknown"): never {
  if (replay === "revoked") {
    auditLater(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "code.replay", target: { type: "client", id: client.id }, outcome: "failure", reason: "code replayed: what it issued is revoked" });
  }
  throw replay === "unknown" ? invalidGrant("The code is invalid or expired.") : invalidGrant("The code was already used.", `replay: ${replay}`);
}
