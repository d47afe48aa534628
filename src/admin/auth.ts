/**
 * Admin authentication and tenancy (SECURITY.md AD-1). Two credentials, both as
 * `Authorization: Bearer …`:
 * - the bootstrap token (Worker secret ADMIN_BOOTSTRAP_TOKEN): the platform operator, every project;
 * - a project's admin API key (`fgk.…`, registry/api-keys.ts): that project only.
 * Another project's resources answer 404 exactly as missing ones do, so keys learn nothing.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import { looksLikeApiKey, verifyApiKey } from "../registry/api-keys";
import { secretsEqual } from "../security/compare";

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
    } else if (await secretsEqual(token, c.get("config").adminBootstrapToken)) {
      c.set("actor", { kind: "operator" });
      c.set("actorProjectId", undefined);
    } else {
      throw unauthorized("The admin token is not valid.");
    }
    c.header("Cache-Control", "no-store");
    await next();
  };
}

/** Refuses anyone but the platform operator. */
export function requireOperator(c: Context<AppEnv>): void {
  if (c.get("actor").kind !== "operator") {
    throw new Problem(403, "Forbidden", { description: "Only the platform operator (bootstrap token) may do this." });
  }
}

/** Refuses a project's API key on any other project, as if that project did not exist. */
export function requireProjectAccess(c: Context<AppEnv>, projectId: string): void {
  const scope = c.get("actorProjectId");
  if (scope !== undefined && scope !== projectId) throw notFound("project", projectId);
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
