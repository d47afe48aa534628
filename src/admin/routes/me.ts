/** Who the credential is and what it may administer: what the admin console builds its navigation from. */
import * as z from "zod/mini";
import type { Project } from "../../registry/projects";
import * as keys from "../../store/keys";
import { operation } from "../openapi";

const Me = z.object({
  actor: z.object({
    kind: z.enum(["operator", "api-key", "user"]),
    keyId: z.optional(z.string()), userId: z.optional(z.string()), projectId: z.optional(z.string()), email: z.optional(z.string()),
  }),
  operator: z.boolean().check(z.describe("True for the platform operator: every project, and the operator-only operations.")),
  projects: z.nullable(
    z.array(z.object({ id: z.string(), name: z.string() })).check(
      z.describe("The projects this credential administers (those that exist), by name; null for the operator (all of them)."),
    ),
  ),
});

export const meOperations = [
  operation({
    method: "get", path: "/me", tag: "Projects", summary: "Who this credential is and which projects it administers",
    description: "For a console user, the roles are read from their user record on this request.",
    responses: { 200: { description: "The caller and its scope", schema: Me } },
    handler: async (c) => {
      const scope = c.get("adminScope");
      if (scope.operator) return c.json({ actor: c.get("actor"), operator: true, projects: null });
      const ids = [...scope.projects].sort();
      // One round trip: the projects all live in the platform partition.
      const read = await c.get("store").getManyVersioned<Project>(ids.map((id) => keys.project(id)));
      const projects = read.flatMap((project) => (project ? [{ id: project.value.id, name: project.value.name }] : []));
      return c.json({ actor: c.get("actor"), operator: false, projects });
    },
  }),
];
