/**
 * The UserInfo endpoint (OpenID Connect Core §5.3) as an RFC 6750 protected resource: the access
 * token comes in the `Authorization: Bearer` header, or for POST in a form `access_token` (never
 * both, never the query), is verified against Fedgate's own keys, must not be revoked, must carry
 * `openid`, and its user must exist and not be disabled. The answer is `sub` plus the claims the
 * token's scopes release, and the user's `roles` (assigned and mapped) as they are now, when any.
 * Errors carry an RFC 6750 §3 challenge (oauth/bearer.ts); browser code of the token's client may
 * call it with credentials (oauth/cors.ts, AS-14).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { effectiveRoles, getUser } from "../identity/users";
import { bearerError, bearerNotRevoked, bearerToken, invalidToken, isBearer, noToken, verifyBearer } from "./bearer";
import { credentialedCors } from "./cors";
import { formParameters, isForm } from "./form";
import { profileClaims } from "./issue";

/** The one access token the request presents. */
async function presentedToken(c: Context<AppEnv>): Promise<string> {
  if (new URL(c.req.url).searchParams.has("access_token")) {
    throw bearerError("invalid_request", "Send the access token in the Authorization header, never in the URL.");
  }
  const authorization = c.req.header("Authorization");
  let fromHeader: string | undefined;
  if (isBearer(authorization)) fromHeader = bearerToken(authorization!);
  const fromBody = c.req.method === "POST" && isForm(c.req.raw) ? ((await formParameters(c.req.raw)).get("access_token") ?? undefined) : undefined;
  if (fromHeader && fromBody !== undefined) throw bearerError("invalid_request", "Send the access token once: in the header or in the body, not both.");
  const token = fromHeader ?? fromBody;
  if (token === undefined) throw noToken();
  if (!token) throw bearerError("invalid_request", '"access_token" is empty.');
  return token;
}

async function userinfo(c: Context<AppEnv>): Promise<Response> {
  const token = await presentedToken(c);
  const claims = await verifyBearer(c, token, { denyList: "caller" });
  const scope = claims.scope.split(" ");
  if (!scope.includes("openid")) throw bearerError("insufficient_scope", 'The access token lacks the "openid" scope.');
  // Both reads at once: the deny-list read is what makes these JWTs revocable (tokens/deny-list.ts).
  const [, user] = await Promise.all([bearerNotRevoked(c, claims), getUser(c.get("store"), claims.project, claims.sub)]);
  if (!user || user.disabled) throw invalidToken(user ? "user disabled" : "user gone");
  const roles = effectiveRoles(user);
  return c.json({ sub: user.id, ...profileClaims(user, scope), ...(roles.length > 0 ? { roles } : {}) }, 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
}

export const userinfoEndpoint = new Hono<AppEnv>()
  .use(credentialedCors.getAndPost)
  .get("/", userinfo)
  .post("/", userinfo);
