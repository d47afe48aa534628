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
import { auditLater } from "../../security/audit";
import { clientScope, issueTokens, requestedAudience } from "../issue";
import type { Grant } from "./grant";

export const clientCredentialsGrant: Grant = {
  grantType: "client_credentials",
  parameters: ["scope", "resource", "audience"],
  async handler({ c, client, params }) {
    const scope = clientScope(client, params);
    const audience = requestedAudience(client, params);
    const { response, access } = await issueTokens(c, client, { scope, audience, idToken: false });
    auditLater(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.issue", target: { type: "client", id: client.id }, after: { grant: "client_credentials", scope, aud: audience, jti: access.jti } });
    return response;
  },
};
