/** Reading a project's audit log, newest first across its hours, with filters (security/audit-log.ts). */
import type { Context } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { readAuditLog, type AuditFilter } from "../../security/audit-log";
import { listResponse, pageOf } from "../http";
import { operation } from "../openapi";
import { AuditEventView, Page } from "../schemas";
import { accessibleProject, projectInPath } from "./scope";

const instant = (description: string) =>
  z.optional(z.string().check(z.iso.datetime({ offset: true, message: "must be a date and time with a zone, e.g. 2026-12-03T14:00:00Z" }), z.describe(description)));

/** The filters both audit operations take; each given one must hold. */
const AuditFilters = {
  limit: z.optional(z.string()),
  cursor: z.optional(z.string()),
  action: z.optional(
    z.string().check(z.regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/, "must be an action such as user.disable, or its first words such as user"), z.describe("An action (`user.disable`), or its first words (`user` keeps every `user.*`).")),
  ),
  outcome: z.optional(z.enum(["success", "failure"])),
  actor: z.optional(
    z.string().check(z.minLength(1), z.maxLength(320), z.describe("The actor's kind (`operator`, `api-key`, `client`, `user`, `anonymous`, `system`), `kind:id` (`user:usr_…`, `api-key:key_…`, `client:…`, `system:<job>`), or a console user's email.")),
  ),
  since: instant("Events at or after this time (RFC 3339)."),
  until: instant("Events before this time (RFC 3339)."),
};
const ProjectAuditQuery = z.object(AuditFilters);
const AuditQuery = z.object({ project: z.optional(z.string()), ...AuditFilters });

const FILTERS_DESCRIPTION = "Newest first. Filters combine (every one given must hold); a page that matched little may be short and still carry `nextCursor`: the log has more to read.";

/** The query's filters as the reader takes them; 400 when the range is empty. */
function filterOf(query: z.output<typeof ProjectAuditQuery>): AuditFilter {
  const since = query.since === undefined ? undefined : Date.parse(query.since);
  const until = query.until === undefined ? undefined : Date.parse(query.until);
  if (since !== undefined && until !== undefined && since >= until) throw new Problem(400, "Bad Request", { description: '"until": must be later than "since".' });
  return {
    ...(query.action === undefined ? {} : { action: query.action }),
    ...(query.outcome === undefined ? {} : { outcome: query.outcome }),
    ...(query.actor === undefined ? {} : { actor: query.actor }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  };
}

async function auditPage(c: Context<AppEnv>, projectId: string, query: z.output<typeof ProjectAuditQuery>): Promise<Response> {
  const events = await readAuditLog(c.get("store"), projectId, { ...pageOf(c), filter: filterOf(query) });
  return c.json(listResponse(events.items.map((item) => ({ ...item.value, id: item.id })), events.cursor));
}

export const auditOperations = [
  operation({
    method: "get", path: "/projects/{projectId}/audit", tag: "Audit",
    summary: "Read the project's audit log, newest first", description: FILTERS_DESCRIPTION,
    query: ProjectAuditQuery,
    responses: { 200: { description: "A page of events", schema: Page(AuditEventView) } },
    load: projectInPath,
    handler: async (c, { target: project, query }) => auditPage(c, project.id, query),
  }),
  operation({
    method: "get", path: "/audit", tag: "Audit",
    summary: "Read an audit log: the API key's own project, or `project` (operator)", description: FILTERS_DESCRIPTION,
    query: AuditQuery,
    responses: { 200: { description: "A page of events", schema: Page(AuditEventView) } },
    handler: async (c, { query }) => {
      const projectId = query.project ?? c.get("actorProjectId");
      if (!projectId) throw new Problem(400, "Bad Request", { description: '"project": name the project whose log to read.' });
      return auditPage(c, (await accessibleProject(c, projectId)).id, query);
    },
  }),
];
