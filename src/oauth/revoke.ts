/**
 * Token revocation (RFC 7009, SECURITY.md AS-10): the client authenticates like at the token
 * endpoint (a public client by `client_id` alone, as RFC 7009 §2.1 allows), and may revoke only its
 * own tokens:
 * - a refresh token revokes its whole family (every generation, and the ID tokens' `sid` session);
 * - an access token (a Fedgate JWT whose `client_id` is this client) is deny-listed until it expires.
 * Whatever the token, the answer is 200 with an empty body (§2.2): an unknown, expired or foreign
 * token is not revealed as such. `token_type_hint` is accepted and not needed: the two kinds differ
 * by shape. Access tokens issued from a revoked refresh family stay valid until they expire (at most
 * the client's access-token lifetime); Fedgate does not track them per family.
 * @see https://www.rfc-editor.org/rfc/rfc7009
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { OAuthError } from "../errors";
import type { Client } from "../registry/clients";
import { auditLater } from "../security/audit";
import { acceptAccessToken, whenRefused } from "../tokens/accept-access-token";
import { denyAccessToken } from "../tokens/deny-list";
import { Grants } from "../tokens/grants";
import { authenticateLimited, presentedClient } from "./client-auth";
import { credentialedCors, forClient } from "./cors";
import { formParameters } from "./form";

/** What a revocation request found to revoke. */
type Revoked = { type: "refresh-family" | "access-token"; id: string } | null;

/** A JWS compact serialisation whose header is a JSON object (`{"` is `eyJ`); refresh tokens never start so. */
const looksLikeJwt = (token: string) => /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);

async function revokeToken(c: Context<AppEnv>, client: Client, token: string): Promise<Revoked> {
  const { store, config } = c.var;
  if (!looksLikeJwt(token)) {
    const revoked = await new Grants(store, config.encryptionKey).revokeToken(token, client.id);
    return revoked ? { type: "refresh-family", id: token.split(".")[0]! } : null;
  }
  // Forged, expired or not an access token: nothing to revoke. One revoked already is revoked again.
  const claims = await acceptAccessToken(c.var, token, { denyList: "caller" }).catch(whenRefused(() => null));
  if (!claims || claims.client_id !== client.id) return null;
  await denyAccessToken(store, claims.jti, claims.exp, client.id);
  return { type: "access-token", id: claims.jti };
}

export const revoke = new Hono<AppEnv>()
  .use(credentialedCors.post)
  .post("/", async (c) => {
    const params = await formParameters(c.req.raw);
    const client = await authenticateLimited(c, presentedClient(c.req.header("Authorization"), params));
    forClient(c, client);
    const token = params.get("token");
    if (!token) throw new OAuthError("invalid_request", '"token" is required.');
    const revoked = await revokeToken(c, client, token);
    auditLater(c, {
        projectId: client.projectId,
        actor: { kind: "client", clientId: client.id },
        action: "token.revoke",
        target: revoked ?? { type: "token", id: "unknown" },
        outcome: revoked ? "success" : "failure",
        ...(revoked ? {} : { reason: "not a live token of this client: nothing revoked" }),
      });
    return c.body(null, 200, { "Cache-Control": "no-store" });
  });
