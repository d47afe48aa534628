/**
 * Admin authentication. For now one credential exists: the bootstrap token from the Worker secret
 * ADMIN_BOOTSTRAP_TOKEN, presented as `Authorization: Bearer …` and compared in constant time.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { secretsEqual } from "../security/compare";

const unauthorized = (description: string) =>
  new Problem(401, "Unauthorized", { description, headers: { "WWW-Authenticate": 'Bearer realm="fedgate-admin"' } });

/** Requires the bootstrap token. */
export function bootstrapAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("Authorization");
    const match = header?.match(/^Bearer ([\x21-\x7e]+)$/);
    if (!match) throw unauthorized("Send the admin token as `Authorization: Bearer <token>`.");
    if (!(await secretsEqual(match[1]!, c.var.config.adminBootstrapToken))) throw unauthorized("The admin token is not valid.");
    c.header("Cache-Control", "no-store");
    await next();
  };
}
