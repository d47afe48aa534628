/**
 * The token endpoint (RFC 6749 §3.2): a form-encoded POST, each parameter at most once, the client
 * authenticated, the grant on the client's list, dispatched from a map; only the grant's own
 * parameters reach it. Responses and errors carry `Cache-Control: no-store` (AS-11). Requests are
 * rate limited per IP before anything is read (AB-1); the project's and the client's IP rules apply
 * once the client is authenticated (AB-2).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../context";
import { OAuthError } from "../errors";
import { auditLater } from "../security/audit";
import { ipRefusal } from "../security/ip-access";
import { rateLimit } from "../security/rate-limit";
import { authenticateClient, presentedClient } from "./client-auth";
import { formParameters } from "./form";
import { authorizationCodeGrant } from "./grants/authorization-code";
import type { Grant } from "./grants/grant";
import { refreshTokenGrant } from "./grants/refresh-token";

const grants: ReadonlyMap<string, Grant> = new Map([authorizationCodeGrant, refreshTokenGrant].map((grant) => [grant.grantType, grant]));

/** The grant types this deployment serves, for discovery. */
export const supportedGrantTypes = (): string[] => [...grants.keys()];

const CLIENT_AUTH_PARAMETERS = ["client_id", "client_secret"];

export const token = new Hono<AppEnv>()
  .use(cors({ origin: "*", allowMethods: ["POST"], allowHeaders: ["Authorization", "Content-Type"], maxAge: 86_400 }))
  .post("/", rateLimit({ name: "token", limits: (config) => config.rateLimits.token }), async (c) => {
    const params = await formParameters(c.req.raw);
    const grantType = params.get("grant_type");
    if (!grantType) throw new OAuthError("invalid_request", '"grant_type" is required.');
    const grant = grants.get(grantType);
    if (!grant) throw new OAuthError("unsupported_grant_type", `Grant type "${grantType}" is not supported.`);

    const client = await authenticateClient(c.var.store, c.var.config, presentedClient(c.req.header("Authorization"), params));
    const refusedBy = await ipRefusal(c, client);
    if (refusedBy) {
      auditLater(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.refuse", target: { type: "client", id: client.id }, outcome: "failure", reason: `IP address not allowed by the ${refusedBy}'s rules` });
      // `access_denied` (denied by policy), not `invalid_client` (its credentials are fine) nor
      // `unauthorized_client` (about grant types): what a client's operator should go and check.
      throw new OAuthError("access_denied", "Requests from this network are not allowed for this client.", 403, { detail: `${refusedBy} IP rules` });
    }
    if (!client.grantTypes.includes(grant.grantType)) {
      throw new OAuthError("unauthorized_client", `This client may not use the ${grant.grantType} grant.`);
    }
    const own = new Map([...params].filter(([name]) => grant.parameters.includes(name) && !CLIENT_AUTH_PARAMETERS.includes(name)));
    const response = await grant.handler({ c, client, params: own });
    return c.json(response, 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
  });
