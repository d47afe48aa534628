/** Reading a project's audit log, newest first across its hours (security/audit-log.ts). */
import type { Context } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { readAuditLog } from "../../security/audit-log";
import { listResponse, pageOf } from "../http";
import { operation } from "../openapi";
import { AuditEventView, Page } from "../schemas";
import { accessibleProject, projectInPath } from "./scope";

async function auditPage(c: Context<AppEnv>, projectId: string): Promise<Response> {
  const events = await readAuditLog(c.get("store"), projectId, pageOf(c));
  return c.json(listResponse(events.items.map((item) => ({ ...item.value, id: item.id })), events.cursor));
}

export const auditOperations = [
  operation({
    method: "get", path: "/projects/{projectId}/audit", tag: "Audit",
    summary: "Read the project's audit log, newest first",
    responses: { 200: { description: "A page of events", schema: Page(AuditEventView) } },
    load: projectInPath,
    handler: async (c, { target: project }) => auditPage(c, project.id),
  }),
  operation({
    method: "get", path: "/audit", tag: "Audit",
    summary: "Read an audit log: the API key's own project, or `project` (operator)",
    query: z.object({ project: z.optional(z.string()), limit: z.optional(z.string()), cursor: z.optional(z.string()) }),
    responses: { 200: { description: "A page of events", schema: Page(AuditEventView) } },
    handler: async (c, { query }) => {
      const projectId = query.project ?? c.get("actorProjectId");
      if (!projectId) throw new Problem(400, "Bad Request", { description: '"project": name the project whose log to read.' });
      return auditPage(c, (await accessibleProject(c, projectId)).id);
    },
  }),
];
