/**
 * The token endpoint (RFC 6749 §3.2): a form-encoded POST, each parameter at most once, the client
 * authenticated, the grant on the client's list, dispatched from a map; only the grant's own
 * parameters reach it. Responses and errors carry `Cache-Control: no-store` (AS-11).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../context";
import { OAuthError } from "../errors";
import { authenticateClient, presentedClient } from "./client-auth";
import { authorizationCodeGrant } from "./grants/authorization-code";
import type { Grant } from "./grants/grant";
import { refreshTokenGrant } from "./grants/refresh-token";

const grants: ReadonlyMap<string, Grant> = new Map([authorizationCodeGrant, refreshTokenGrant].map((grant) => [grant.grantType, grant]));

/** The grant types this deployment serves, for discovery. */
export const supportedGrantTypes = (): string[] => [...grants.keys()];

const CLIENT_AUTH_PARAMETERS = ["client_id", "client_secret"];

/** The form body as a map; a repeated parameter is an error (RFC 6749 §3.2). */
async function formParameters(request: Request): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.headers.get("Content-Type") ?? "")) {
    throw new OAuthError("invalid_request", "Send the request as application/x-www-form-urlencoded.");
  }
  const params = new URLSearchParams(await request.text());
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (seen.has(name)) throw new OAuthError("invalid_request", `"${name}" is repeated.`);
    seen.add(name);
  }
  return params;
}

export const token = new Hono<AppEnv>()
  .use(cors({ origin: "*", allowMethods: ["POST"], allowHeaders: ["Authorization", "Content-Type"], maxAge: 86_400 }))
  .post("/", async (c) => {
    const params = await formParameters(c.req.raw);
    const grantType = params.get("grant_type");
    if (!grantType) throw new OAuthError("invalid_request", '"grant_type" is required.');
    const grant = grants.get(grantType);
    if (!grant) throw new OAuthError("unsupported_grant_type", `Grant type "${grantType}" is not supported.`);

    const client = await authenticateClient(c.var.store, c.var.config, presentedClient(c.req.header("Authorization"), params));
    if (!client.grantTypes.includes(grant.grantType)) {
      throw new OAuthError("unauthorized_client", `This client may not use the ${grant.grantType} grant.`);
    }
    const own = new Map([...params].filter(([name]) => grant.parameters.includes(name) && !CLIENT_AUTH_PARAMETERS.includes(name)));
    const response = await grant.handler({ c, client, params: own });
    return c.json(response, 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
  });
