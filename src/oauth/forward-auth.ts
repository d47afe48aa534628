/**
 * Forward authentication for gateways and proxies (nginx `auth_request`, Traefik ForwardAuth,
 * Envoy ext_authz in HTTP mode): `/auth/verify`, any method, reads only the `Authorization` header.
 * - `Bearer <Fedgate access token>`: verified locally against Fedgate's keys (signature, issuer,
 *   type, expiry), then the deny-list (one store read).
 * - `Basic <client_id:client_secret>` for devices that cannot do OAuth: a confidential client with
 *   the client_credentials grant and no registered keys; rate limited per IP before the secret is
 *   checked (constant time, the previous secret too during a rotation's overlap), failures limited
 *   like at the token endpoint (AB-7, `authenticateLimited`), the project's and
 *   the client's IP rules applied, then rate limited per client (its token rate, counted apart).
 * Optional query parameters narrow what passes: `project` (the identity's project must be it) and
 * `scope` (space-separated, every one granted; Basic identities hold the client's configured scopes).
 * 200 carries the identity in `X-Fedgate-*` headers; 401 carries Bearer and Basic challenges; 403
 * says the identity is known but not allowed here. Every answer is `Cache-Control: no-store`.
 * @see https://nginx.org/en/docs/http/ngx_http_auth_request_module.html
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { OAuthError } from "../errors";
import { findProject } from "../registry/projects";
import { auditLater } from "../security/audit";
import { ipRefusal } from "../security/ip-access";
import { clientIpBucket, clientTokenPolicy, countRequest } from "../security/rate-limit";
import { acceptAccessToken, whenRefused } from "../tokens/accept-access-token";
import { BEARER } from "./bearer";
import { authenticateLimited, presentedClient } from "./client-auth";

/** The identity a gateway passes on. */
export interface VerifiedIdentity {
  kind: "user" | "client";
  via: "bearer" | "basic";
  subject: string;
  clientId: string;
  projectId: string;
  scope: string[];
  email?: string;
}

const CHALLENGES = ['Bearer realm="fedgate"', 'Basic realm="fedgate", charset="UTF-8"'];
const unauthorized = (description: string, detail: string) => new OAuthError("invalid_token", description, 401, { detail });

async function bearer(c: Context<AppEnv>, token: string): Promise<VerifiedIdentity> {
  const claims = await acceptAccessToken(c.var, token).catch(
    whenRefused((refusal) => {
      throw unauthorized("The access token is invalid or expired.", refusal.detail);
    }),
  );
  const isClient = claims["gty"] === "client_credentials";
  return {
    kind: isClient ? "client" : "user", via: "bearer", subject: claims.sub, clientId: claims.client_id, projectId: claims.project,
    scope: claims.scope.split(" ").filter(Boolean), ...(typeof claims["email"] === "string" ? { email: claims["email"] } : {}),
  };
}

async function basic(c: Context<AppEnv>, authorization: string): Promise<VerifiedIdentity> {
  const { store, config } = c.var;
  if (config.rateLimits.token) await countRequest(c, "verify-basic", clientIpBucket(c), config.rateLimits.token);
  const presented = presentedClient(authorization, new URLSearchParams());
  const client = await authenticateLimited(c, presented).catch(async (error: unknown) => {
    if (error instanceof OAuthError) {
      throw unauthorized("The client credentials are invalid.", error.detail ?? error.description);
    }
    throw error;
  });
  const refuse = (reason: string, description: string) => {
    auditLater(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action: "verify.refuse", target: { type: "client", id: client.id }, outcome: "failure", reason });
    return new OAuthError("access_denied", description, 403, { detail: reason });
  };
  if (!client.grantTypes.includes("client_credentials")) throw refuse("Basic at /auth/verify without the client_credentials grant", "This client may not authenticate with Basic here.");
  const refusedBy = await ipRefusal(c, client);
  if (refusedBy) throw refuse(`IP address not allowed by the ${refusedBy}'s rules`, "Requests from this network are not allowed for this client.");
  const policy = clientTokenPolicy(config, client, await findProject(store, client.projectId));
  if (policy) await countRequest(c, "verify-client", client.id, policy);
  return { kind: "client", via: "basic", subject: client.id, clientId: client.id, projectId: client.projectId, scope: client.scopes };
}

/** The identity the request's Authorization header proves; OAuthError (401/403) otherwise. */
async function verifyRequest(c: Context<AppEnv>): Promise<VerifiedIdentity> {
  const authorization = c.req.header("Authorization");
  if (!authorization) throw unauthorized("Credentials are required.", "no Authorization header");
  const token = BEARER.exec(authorization)?.[1];
  if (token) return bearer(c, token);
  if (/^Basic /i.test(authorization)) return basic(c, authorization);
  throw unauthorized("Use a Bearer access token or Basic client credentials.", "unsupported Authorization scheme");
}

function identityHeaders(identity: VerifiedIdentity): Record<string, string> {
  return {
    "X-Fedgate-Subject": identity.subject,
    "X-Fedgate-Kind": identity.kind,
    "X-Fedgate-Client": identity.clientId,
    "X-Fedgate-Project": identity.projectId,
    "X-Fedgate-Scope": identity.scope.join(" "),
    "X-Fedgate-Auth": identity.via,
    ...(identity.email ? { "X-Fedgate-Email": identity.email } : {}),
  };
}

export const forwardAuth = new Hono<AppEnv>().all("/", async (c) => {
  const noStore = { "Cache-Control": "no-store" };
  try {
    const identity = await verifyRequest(c);
    const wantedProject = c.req.query("project");
    const wantedScope = (c.req.query("scope") ?? "").split(" ").filter(Boolean);
    if (wantedProject !== undefined && wantedProject !== identity.projectId) {
      throw new OAuthError("access_denied", "This identity belongs to another project.", 403);
    }
    const missing = wantedScope.filter((scope) => !identity.scope.includes(scope));
    if (missing.length > 0) throw new OAuthError("insufficient_scope", `Scope "${missing[0]}" is required.`, 403);
    return c.body(null, 200, { ...noStore, ...identityHeaders(identity) });
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    if (error.detail) c.get("log").info("forward auth refused", { detail: error.detail });
    const response = c.json({ error: error.error, error_description: error.description }, error.status, noStore);
    if (error.status === 401) for (const challenge of CHALLENGES) response.headers.append("WWW-Authenticate", challenge);
    return response;
  }
});
