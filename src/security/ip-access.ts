/**
 * Enforcing IP access rules (SECURITY.md AB-2) for a request made for a client: its project's rules
 * and its own must both pass (ip-rules.ts). The project record comes from the isolate cache.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { Client } from "../registry/clients";
import { findProject } from "../registry/projects";
import { ipAllowed } from "./ip-rules";

/** Which rules refuse this request's `CF-Connecting-IP`, or null when it may proceed. */
export async function ipRefusal(c: Context<AppEnv>, client: Client): Promise<"project" | "client" | null> {
  const ip = c.req.header("CF-Connecting-IP")?.trim();
  const project = await findProject(c.get("store"), client.projectId);
  // A client outlives its project only in a cache race; without the project's rules, refuse.
  if (!project || !ipAllowed(ip, project.ipRules)) return "project";
  return ipAllowed(ip, client.ipRules) ? null : "client";
}
