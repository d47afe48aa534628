/**
 * Admin authentication and tenancy (SECURITY.md AD-1). Three credentials, all as
 * `Authorization: Bearer …`:
 * - the bootstrap token (Worker secret ADMIN_BOOTSTRAP_TOKEN): the platform operator, every project;
 * - a project's admin API key (`fgk.…`, registry/api-keys.ts): that project only;
 * - a self-service setup link's credential (`fgs.<token>`, registry/setup-links.ts): nothing at all,
 *   except the operations that declare they accept it (openapi.ts `acceptsSetupLink`), each on the
 *   link's own provider and domains only;
 * - a Fedgate access token issued to the admin console's client (CONSOLE_CLIENT_ID in
 *   CONSOLE_PROJECT_ID): the person it names, with the roles their user record holds now (read on
 *   every request, so a removed role or a disabled user takes effect at once): `operator`, every
 *   project; `admin:<projectId>`, those projects; none, 403.
 * Another project's resources answer 404 exactly as missing ones do, so keys learn nothing.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AdminScope, AppEnv } from "../env";
import { Problem } from "../errors";
import { getUser } from "../identity/users";
import { looksLikeApiKey, verifyApiKey } from "../registry/api-keys";
import { linkOfCredential, looksLikeSetupCredential, stateOf } from "../registry/setup-links";
import type { Actor } from "../security/audit-event";
import { secretsEqual } from "../security/compare";
import { AccessTokenRefused, acceptAccessToken } from "../tokens/accept-access-token";

const unauthorized = (description: string) =>
  new Problem(401, "Unauthorized", { description, headers: { "WWW-Authenticate": 'Bearer realm="fedgate-admin"' } });

/** Requires an admin credential and records who acts. */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = c.req.header("Authorization")?.match(/^Bearer ([\x21-\x7e]+)$/)?.[1];
    if (!token) throw unauthorized("Send an admin credential as `Authorization: Bearer <token>`.");
    if (looksLikeApiKey(token)) {
      const key = await verifyApiKey(c.get("store"), c.get("config").encryptionKey, token);
      if (!key) throw unauthorized("The API key is not valid.");
      c.set("actor", { kind: "api-key", keyId: key.id });
      c.set("actorProjectId", key.projectId);
      c.set("adminScope", { operator: false, projects: new Set([key.projectId]) });
    } else if (looksLikeSetupCredential(token)) {
      // Looked up by the token's SHA-256: the store holds no usable credential, and no comparison leaks a prefix.
      const link = await linkOfCredential(c.get("store"), token);
      if (!link) throw unauthorized("The setup link is not valid.");
      const state = stateOf(link.value, false);
      if (state !== "pending") {
        throw new Problem(401, "Unauthorized", {
          description: `This setup link was ${state === "expired" ? "valid until " + link.value.expiresAt : state}.`,
          headers: { "WWW-Authenticate": 'Bearer realm="fedgate-admin"' }, extensions: { setupLinkState: state },
        });
      }
      c.set("actor", { kind: "setup-link", linkId: link.value.id, organization: link.value.organization });
      c.set("actorProjectId", link.value.projectId);
      // No project at all: mount() widens this to the link's project only for the operations that accept links.
      c.set("adminScope", { operator: false, projects: new Set() });
      c.set("setupLink", link);
    } else if (await secretsEqual(token, c.get("config").adminBootstrapToken)) {
      c.set("actor", { kind: "operator" });
      c.set("actorProjectId", undefined);
      c.set("adminScope", { operator: true });
    } else if (JWT.test(token) && c.get("config").console) {
      const { actor, scope } = await consoleUser(c, token);
      c.set("actor", actor);
      c.set("actorProjectId", !scope.operator && scope.projects.size === 1 ? [...scope.projects][0] : undefined);
      c.set("adminScope", scope);
    } else {
      throw unauthorized("The admin token is not valid.");
    }
    c.header("Cache-Control", "no-store");
    await next();
  };
}

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** A role on a console user's record: what it lets them administer. */
export const OPERATOR_ROLE = "operator";
export const PROJECT_ADMIN_ROLE_PREFIX = "admin:";

/** The admin scope of a user's roles; null when none is an admin role. */
export function scopeOfRoles(roles: readonly string[]): AdminScope | null {
  if (roles.includes(OPERATOR_ROLE)) return { operator: true };
  const projects = roles.filter((role) => role.startsWith(PROJECT_ADMIN_ROLE_PREFIX)).map((role) => role.slice(PROJECT_ADMIN_ROLE_PREFIX.length));
  return projects.length > 0 ? { operator: false, projects: new Set(projects) } : null;
}

/** The person behind an access token issued to the admin console, and what their roles let them administer now. */
async function consoleUser(c: Context<AppEnv>, token: string): Promise<{ actor: Actor; scope: AdminScope }> {
  const consoleClient = c.get("config").console!;
  const deps = { store: c.get("store"), signingKeys: c.get("signingKeys"), config: c.get("config") };
  const claims = await acceptAccessToken(deps, token).catch((error: unknown) => {
    if (error instanceof AccessTokenRefused) throw unauthorized("The access token is not valid (expired, revoked or not Fedgate's).");
    throw error; // a store outage stays a 503, a bug a 500
  });
  if (claims.client_id !== consoleClient.clientId || claims.project !== consoleClient.projectId) {
    throw unauthorized("Only access tokens issued to the admin console are accepted here.");
  }
  const user = await getUser(c.get("store"), consoleClient.projectId, claims.sub);
  if (!user) throw unauthorized("The access token's user no longer exists.");
  if (user.disabled) throw new Problem(403, "Forbidden", { description: "This user is disabled." });
  const scope = scopeOfRoles(user.roles ?? []);
  if (!scope) throw new Problem(403, "Forbidden", { description: "This user has no admin role (operator, or admin of a project)." });
  return { actor: { kind: "user", userId: user.id, projectId: user.projectId, ...(user.email ? { email: user.email } : {}) }, scope };
}

/** Whether the caller is the platform operator (bootstrap token, or a console user with the operator role). */
export const isOperator = (c: Context<AppEnv>): boolean => c.get("adminScope").operator;

/** Refuses anyone but the platform operator. */
export function requireOperator(c: Context<AppEnv>): void {
  if (!isOperator(c)) {
    throw new Problem(403, "Forbidden", { description: "Only the platform operator (bootstrap token, or the operator role) may do this." });
  }
}

/** Refuses a project-scoped credential on any other project, as if that project did not exist. */
export function requireProjectAccess(c: Context<AppEnv>, projectId: string): void {
  const scope = c.get("adminScope");
  if (!scope.operator && !scope.projects.has(projectId)) throw notFound("project", projectId);
}

/** 404 for a resource that is missing (or not the caller's). */
export function notFound(type: string, id: string): Problem {
  return new Problem(404, "Not Found", { description: `No ${type} "${id}".` });
}

/** The value read, or 404 naming what is missing. */
export function found<T>(value: T | null, type: string, id: string): T {
  if (value === null) throw notFound(type, id);
  return value;
}
