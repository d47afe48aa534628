/**
 * Token introspection (RFC 7662, SECURITY.md AS-10) for resource servers that prefer asking to
 * verifying JWTs. The caller authenticates as a client of the project (any method of
 * client-auth.ts but `none`: public clients cannot introspect). Only Fedgate access tokens of the
 * caller's own project can be active: verified locally against Fedgate's keys (signature, issuer,
 * type, expiry), then checked against the deny-list (one store read). Anything else, including
 * refresh tokens (they are for the client that holds them, never for a resource server), a token
 * of another project, or garbage, is `{"active": false}`, as is any inactive token (§2.2).
 * `token_type_hint` is accepted and not needed.
 * @see https://www.rfc-editor.org/rfc/rfc7662
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { OAuthError } from "../errors";
import type { Client } from "../registry/clients";
import { acceptAccessToken, whenRefused } from "../tokens/accept-access-token";
import { accessTokenDenied } from "../tokens/deny-list";
import { authenticateLimited, presentedClient } from "./client-auth";
import { credentialedCors, forClient } from "./cors";
import { formParameters } from "./form";

/** What an active token says (§2.2), with Fedgate's `project` (and `gty` for client tokens). */
async function introspection(c: Context<AppEnv>, client: Client, token: string): Promise<Record<string, unknown>> {
  // Forged, expired, revoked, a refresh token, or not a token at all: inactive.
  const claims = await acceptAccessToken(c.var, token, { denyList: "caller" }).catch(whenRefused(() => null));
  if (!claims || claims.project !== client.projectId) return { active: false };
  // The deny-list only for a token that would otherwise be active here: one read, not for every token.
  if (await accessTokenDenied(c.get("store"), claims.jti)) return { active: false };
  return {
    active: true,
    scope: claims.scope,
    client_id: claims.client_id,
    sub: claims.sub,
    exp: claims.exp,
    iat: claims.iat,
    iss: claims.iss,
    aud: claims.aud,
    jti: claims.jti,
    token_type: "Bearer",
    project: claims.project,
    ...(typeof claims["gty"] === "string" ? { gty: claims["gty"] } : {}),
  };
}

export const introspect = new Hono<AppEnv>()
  .use(credentialedCors.post)
  .post("/", async (c) => {
    const params = await formParameters(c.req.raw);
    const presented = presentedClient(c.req.header("Authorization"), params);
    if (presented.method === "none") throw new OAuthError("invalid_client", "Introspection requires client authentication.", 401, { detail: "public client" });
    const client = await authenticateLimited(c, presented);
    forClient(c, client);
    const token = params.get("token");
    if (!token) throw new OAuthError("invalid_request", '"token" is required.');
    return c.json(await introspection(c, client, token), 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
  });
