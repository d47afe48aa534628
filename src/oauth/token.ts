/**
 * The token endpoint (RFC 6749 §3.2): a form-encoded POST, each parameter at most once, the client
 * authenticated, the grant on the client's list, dispatched from a map; only the grant's own
 * parameters reach it. Responses and errors carry `Cache-Control: no-store` (AS-11). Requests are
 * rate limited per IP before anything is read, and per client once it is authenticated (AB-1); failed
 * client authentication is limited per client id and per IP (AB-7, `authenticateLimited`); the
 * project's and the client's IP rules apply once the client is authenticated (AB-2).
 * Refused client_credentials and token-exchange requests are audited with the reason (`token.refuse`,
 * or the exchange's own `token.exchange` failures).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { OAuthError, Problem } from "../errors";
import type { Client } from "../registry/clients";
import { findProject } from "../registry/projects";
import type { AuditInput } from "../security/audit-event";
import { ipRefusal } from "../security/ip-access";
import { clientTokenPolicy, countRequest, rateLimit } from "../security/rate-limit";
import { authenticateLimited, CLIENT_AUTH_PARAMETERS, presentedClient } from "./client-auth";
import { credentialedCors, requireClientOrigin } from "./cors";
import { formParameters } from "./form";
import { AUDITED_REFUSALS, grants } from "./grants";

/** The `token.refuse` event of a refused request from an authenticated client. */
const refusal = (client: Client, reason: string, after?: Record<string, unknown>): AuditInput => ({
  projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "token.refuse", target: { type: "client", id: client.id }, outcome: "failure", reason, ...(after ? { after } : {}),
});

/** Adds `token.refuse` with the internal reason to a refusal that carries no audit event of its own. */
function auditRefusal(client: Client, grantType: string, error: unknown): void {
  if (!(error instanceof OAuthError || error instanceof Problem) || error.audit) return;
  const reason = error instanceof OAuthError ? `${error.error}: ${error.detail ?? error.description}` : `${error.status}: ${error.detail ?? error.title}`;
  error.audit = refusal(client, reason, { grant: grantType });
}

export const token = new Hono<AppEnv>()
  .use(credentialedCors.post)
  .post("/", rateLimit({ name: "token", limits: (config) => config.rateLimits.token }), async (c) => {
    const params = await formParameters(c.req.raw);
    const grantType = params.get("grant_type");
    if (!grantType) throw new OAuthError("invalid_request", '"grant_type" is required.');
    const grant = grants.get(grantType);
    if (!grant) throw new OAuthError("unsupported_grant_type", `Grant type "${grantType}" is not supported.`);

    // A failed client authentication is audited where it is counted (client.auth.failure), not here.
    const client = await authenticateLimited(c, presentedClient(c.req.header("Authorization"), params));
    try {
      try {
        requireClientOrigin(c, client);
      } catch (error) {
        if (error instanceof OAuthError) error.audit ??= refusal(client, `browser origin ${c.req.header("Origin")} not registered by the client`);
        throw error;
      }
      const refusedBy = await ipRefusal(c, client);
      if (refusedBy) {
        // `access_denied` (denied by policy), not `invalid_client` (its credentials are fine) nor
        // `unauthorized_client` (about grant types): what a client's operator should go and check.
        throw new OAuthError("access_denied", "Requests from this network are not allowed for this client.", 403, {
          detail: `${refusedBy} IP rules`,
          audit: refusal(client, `IP address not allowed by the ${refusedBy}'s rules`),
        });
      }
      if (!client.grantTypes.includes(grant.grantType)) {
        throw new OAuthError("unauthorized_client", `This client may not use the ${grant.grantType} grant.`);
      }
      const policy = clientTokenPolicy(c.get("config"), client, await findProject(c.get("store"), client.projectId));
      if (policy) await countRequest(c, "token-client", client.id, policy);
      const own = new Map([...params].filter(([name]) => grant.parameters.includes(name) && !CLIENT_AUTH_PARAMETERS.includes(name)));
      const response = await grant.handler({ c, client, params: own });
      return c.json(response, 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
    } catch (error) {
      if (AUDITED_REFUSALS.has(grant.grantType)) auditRefusal(client, grant.grantType, error);
      throw error;
    }
  });
