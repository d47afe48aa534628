/** The project a console page is about: the one in its path, read through the admin API. */
import type { ConsoleRequest } from "./page";

export interface Project {
  id: string;
  name: string;
}

/** The project in the path (the 404 page if the person may not see it). */
export const projectOf = async (r: ConsoleRequest): Promise<Project> => (await r.api.must<Project>("GET", `/projects/${encodeURIComponent(r.param("projectId"))}`)).body;
