/** Shared steps of the project-scoped routes. */
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { getProject, type Project } from "../../registry/projects";
import { notFound, requireProjectAccess } from "../auth";

/** The project, if the caller may act on it; 404 otherwise, as for a missing one (AD-1). */
export async function accessibleProject(c: Context<AppEnv>, projectId: string): Promise<Project> {
  requireProjectAccess(c, projectId);
  const project = await getProject(c.var.store, projectId);
  if (!project) throw notFound("project", projectId);
  return project;
}

/** The project named in the path, if the caller may act on it. */
export const projectInPath = (c: Context<AppEnv>): Promise<Project> => accessibleProject(c, c.req.param("projectId")!);
