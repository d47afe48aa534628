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
 * - `Bearer <upstream JWT>`, where `?project=` names a project that accepts them: judged under its
 *   providers' exchange policy, for the user already linked (forward-auth-upstream.ts).
 * Optional query parameters narrow what passes: `project` (the identity's project must be it),
 * `scope` (space-separated, every one granted; Basic identities hold the client's configured scopes)
 * and `audience` (in the token's `aud`; a Basic client passes for the audiences it could get a token
 * for: its registered ones and its own id, as `requestedAudience` at the token endpoint).
 * 200 carries the identity in `X-Fedgate-*` headers; 401 carries Bearer and Basic challenges; 403
 * says the identity is known but not allowed here. Every answer is `Cache-Control: no-store`.
 * @see https://nginx.org/en/docs/http/ngx_http_auth_request_module.html
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { OAuthError } from "../errors";
import { isProjectId } from "../ids";
import { findProject } from "../registry/projects";
import { auditLater } from "../security/audit";
import { ipRefusal } from "../security/ip-access";
import { clientIpBucket, clientTokenPolicy, countRequest } from "../security/rate-limit";
import { acceptAccessToken, whenRefused } from "../tokens/accept-access-token";
import { audiencesOf } from "../federation";
import { BEARER } from "./bearer";
import { authenticateLimited, presentedClient } from "./client-auth";
import { acceptUpstreamToken, unverifiedIssuer, upstreamAccepted, upstreamRefusal, type UpstreamPass } from "./forward-auth-upstream";

/** The identity a gateway passes on. */
export interface VerifiedIdentity {
  kind: "user" | "client";
  via: "bearer" | "basic";
  subject: string;
  clientId: string;
  projectId: string;
  scope: string[];
  /** What `?audience=` is checked against: the token's `aud`; for Basic, the audiences the client may get tokens for. */
  audiences: string[];
  /** Whose token it is: Fedgate's, an upstream provider's (`upstream`), or none (Basic). */
  source: "fedgate" | "upstream" | "basic";
  email?: string;
  /** An upstream token's judging, for the headers and the audit. */
  upstream?: UpstreamPass;
}

const CHALLENGES = ['Bearer realm="fedgate"', 'Basic realm="fedgate", charset="UTF-8"'];
const unauthorized = (description: string, detail: string) => new OAuthError("invalid_token", description, 401, { detail });

/** An upstream JWT, where the named project accepts them (a foreign `iss` costs no verification with Fedgate's keys). */
async function upstreamBearer(c: Context<AppEnv>, token: string, issuer: string | null): Promise<VerifiedIdentity | undefined> {
  const wanted = c.req.query("project");
  const project = wanted && isProjectId(wanted) ? await findProject(c.var.store, wanted) : null;
  if (!project?.forwardAuth?.acceptUpstreamTokens) {
    if (issuer === null) return undefined; // not a JWT with an iss: Fedgate's verification says why
    throw unauthorized("This is not a Fedgate access token; other issuers' tokens pass only with ?project= naming a project that accepts them.", `upstream token (iss ${JSON.stringify(issuer).slice(0, 200)}) without a project accepting them`);
  }
  const pass = await acceptUpstreamToken(c, token, project);
  return {
    kind: "user", via: "bearer", source: "upstream", subject: pass.user.id, clientId: pass.upstreamClientId ?? "", projectId: project.id,
    scope: pass.scope, audiences: pass.audiences, ...(pass.user.email ? { email: pass.user.email } : {}), upstream: pass,
  };
}

async function bearer(c: Context<AppEnv>, token: string): Promise<VerifiedIdentity> {
  const issuer = unverifiedIssuer(token);
  if (issuer !== c.var.config.issuer) {
    const upstream = await upstreamBearer(c, token, issuer);
    if (upstream) return upstream;
  }
  const claims = await acceptAccessToken(c.var, token).catch(
    whenRefused((refusal) => {
      throw unauthorized("The access token is invalid or expired.", refusal.detail);
    }),
  );
  const isClient = claims["gty"] === "client_credentials";
  return {
    kind: isClient ? "client" : "user", via: "bearer", source: "fedgate", subject: claims.sub, clientId: claims.client_id, projectId: claims.project,
    audiences: audiencesOf(claims), scope: claims.scope.split(" ").filter(Boolean), ...(typeof claims["email"] === "string" ? { email: claims["email"] } : {}),
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
  return {
    kind: "client", via: "basic", source: "basic", subject: client.id, clientId: client.id, projectId: client.projectId, scope: client.scopes,
    audiences: [...(client.audiences ?? []), client.id],
  };
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
    "X-Fedgate-Token-Source": identity.source,
    ...(identity.email ? { "X-Fedgate-Email": identity.email } : {}),
    ...(identity.upstream ? { "X-Fedgate-Provider": identity.upstream.provider.id } : {}),
  };
}

export const forwardAuth = new Hono<AppEnv>().all("/", async (c) => {
  const noStore = { "Cache-Control": "no-store" };
  try {
    const identity = await verifyRequest(c);
    const wantedProject = c.req.query("project");
    const wantedScope = (c.req.query("scope") ?? "").split(" ").filter(Boolean);
    const wantedAudience = c.req.query("audience");
    // A narrowing refusal of an upstream token is audited like the judging's own.
    const refuse = (error: "access_denied" | "insufficient_scope", description: string, reason: string) =>
      identity.upstream
        ? upstreamRefusal(identity.projectId, 403, error, description, reason, identity.upstream.provider.id)
        : new OAuthError(error, description, 403, { detail: reason });
    if (wantedProject !== undefined && wantedProject !== identity.projectId) {
      throw refuse("access_denied", "This identity belongs to another project.", "another project");
    }
    const missing = wantedScope.filter((scope) => !identity.scope.includes(scope));
    if (missing.length > 0) throw refuse("insufficient_scope", `Scope "${missing[0]}" is required.`, `scope ${missing[0]} not granted`);
    if (wantedAudience !== undefined && !identity.audiences.includes(wantedAudience)) {
      throw refuse("access_denied", "This identity is not meant for this API (audience).", `audience ${JSON.stringify(wantedAudience).slice(0, 200)} not in ${identity.source === "basic" ? "the client's audiences" : "the token's aud"}`);
    }
    if (identity.upstream) auditLater(c, upstreamAccepted(identity.projectId, identity.upstream));
    return c.body(null, 200, { ...noStore, ...identityHeaders(identity) });
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    if (error.detail) c.get("log").info("forward auth refused", { detail: error.detail });
    if (error.audit) auditLater(c, error.audit);
    const response = c.json({ error: error.error, error_description: error.description }, error.status, { ...noStore, ...error.headers });
    if (error.status === 401) for (const challenge of CHALLENGES) response.headers.append("WWW-Authenticate", challenge);
    return response;
  }
});
