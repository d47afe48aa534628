/**
 * The client_credentials grant (RFC 6749 §4.4, SECURITY.md AS-9, AS-12): a confidential client gets
 * an access token for itself. No refresh token, no ID token.
 * - `sub` and `client_id` are the client id, and `gty: "client_credentials"` says that no person is
 *   behind the token (a resource server must not read `sub` as a user id when it is present).
 * - `scope`: what was requested, each on the client's list (`invalid_scope` otherwise); nothing
 *   requested, the client's whole list.
 * - `aud`: the `resource` (RFC 8707) or `audience` parameter when the client registered that value
 *   in `audiences` (`invalid_target` otherwise); none given, the client id.
 * - lifetime: the client's `tokenLifetimes.accessTokenSeconds`.
 * Nothing is stored: warm, the only store round trips are the token endpoint's rate limits.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
import { OAuthError } from "../../errors";
import { auditLater } from "../../security/audit";
import { mintAccessToken } from "../../tokens/jwt";
import type { Grant } from "./grant";

/** The `gty` claim of client tokens. */
export const CLIENT_TOKEN_GTY = "client_credentials";

export const clientCredentialsGrant: Grant = {
  grantType: "client_credentials",
  parameters: ["scope", "resource", "audience"],
  async handler({ c, client, params }) {
    const requested = params.get("scope")?.split(" ").filter(Boolean);
    const refused = requested?.filter((scope) => !client.scopes.includes(scope)) ?? [];
    if (refused.length > 0) throw new OAuthError("invalid_scope", `Scope "${refused[0]}" is not allowed for this client.`, 400, { detail: `not allowed: ${refused.join(" ")}` });
    const scope = requested && requested.length > 0 ? [...new Set(requested)] : client.scopes;

    const resource = params.get("resource");
    const audienceParam = params.get("audience");
    if (resource !== undefined && audienceParam !== undefined && resource !== audienceParam) {
      throw new OAuthError("invalid_request", 'Give "resource" or "audience", not two different targets.');
    }
    const target = resource ?? audienceParam;
    if (target !== undefined && !(client.audiences ?? []).includes(target)) {
      throw new OAuthError("invalid_target", `Fedgate does not issue tokens for "${target}" to this client.`);
    }

    const lifetimeS = client.tokenLifetimes.accessTokenSeconds;
    const access = await mintAccessToken(await c.var.signingKeys.signer(), {
      issuer: c.var.config.issuer, subject: client.id, audience: target ?? client.id, clientId: client.id, scope, lifetimeS,
      projectId: client.projectId, extra: { gty: CLIENT_TOKEN_GTY },
    });
    auditLater(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.issue", target: { type: "client", id: client.id }, after: { grant: "client_credentials", scope, aud: target ?? client.id, jti: access.jti } });
    return { access_token: access.token, token_type: "Bearer", expires_in: lifetimeS, scope: scope.join(" ") };
  },
};
