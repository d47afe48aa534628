/** Shared steps of the project-scoped routes: the project and the record named in the path, provider references. */
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { getProject, type Project } from "../../registry/projects";
import { getProvider } from "../../registry/providers";
import type { Store } from "../../store/store";
import { found, requireProjectAccess } from "../auth";

/** The project, if the caller may act on it; 404 otherwise, as for a missing one (AD-1). */
export async function accessibleProject(c: Context<AppEnv>, projectId: string): Promise<Project> {
  requireProjectAccess(c, projectId);
  return found(await getProject(c.get("store"), projectId), "project", projectId);
}

/** The project named in the path, if the caller may act on it. */
export const projectInPath = (c: Context<AppEnv>): Promise<Project> => accessibleProject(c, c.req.param("projectId")!);

/** The record of a project's `type` whose id is the path's `param`, read by `read`; 404 if missing. */
export async function recordInPath<T>(
  c: Context<AppEnv>, param: string, type: string, read: (store: Store, projectId: string, id: string) => Promise<T | null>,
): Promise<T> {
  const project = await projectInPath(c);
  const id = c.req.param(param)!;
  return found(await read(c.get("store"), project.id, id), type, id);
}

/** 400 unless the project has the identity provider a request names. */
export async function requireProvider(c: Context<AppEnv>, projectId: string, providerId: string): Promise<void> {
  if (!(await getProvider(c.get("store"), projectId, providerId))) {
    throw new Problem(400, "Bad Request", { description: `"providerId": no identity provider "${providerId}" in this project.` });
  }
}
