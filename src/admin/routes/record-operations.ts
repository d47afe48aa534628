/** The create, list and read operations that every kind of project record has, declared once. */
import type { Context } from "hono";
import type * as z from "zod/mini";
import type { AppEnv } from "../../env";
import type { Project } from "../../registry/projects";
import type { Versioned } from "../../store/store";
import { auditChange, created, scanPage, withEtag } from "../http";
import { operation, type AnyOperation, type Operation, type SetupLinkCheck } from "../openapi";
import { Page } from "../schemas";
import { projectInPath } from "./scope";

// A setup link's body check sees the body as the operation parses it; typed by each route.
type Documented = Pick<Operation, "path" | "tag" | "summary" | "description"> & { acceptsSetupLink?: SetupLinkCheck<any> };

/** What `make` wrote: the record's id and version, what the API answers and what the audit log keeps. */
export interface Made {
  id: string;
  version: string;
  body: unknown;
  after: unknown;
}

/**
 * POST of a new record of the project in the path: `make` checks, builds and writes it (and
 * refuses as it must); audited as `<type>.create`, answered 201 with its Location and ETag.
 */
export function createOperation<B extends z.ZodMiniType>(
  declared: Documented & { type: string; body: B; created: string; schema: z.ZodMiniType; make: (c: Context<AppEnv>, project: Project, input: z.output<B>) => Promise<Made> },
): AnyOperation {
  const { type, body, created: description, schema, make, ...documented } = declared;
  return operation({
    method: "post", ...documented, load: projectInPath, body,
    responses: { 201: { description, schema } },
    handler: async (c, { target: project, body: input }) => {
      const made = await make(c, project, input as z.output<B>);
      await auditChange(c, project.id, `${type}.create`, made.id, { after: made.after });
      return created(c, `${documented.path.replace("{projectId}", project.id)}/${made.id}`, made.body, made.version);
    },
  });
}

/** GET of a page of the project's records under `prefix` (store scan), each shown through `view`; `page` describes the answer. */
export function listOperation<T>(
  declared: Documented & { page: string; schema: z.ZodMiniType; prefix: (projectId: string) => string; view?: (c: Context<AppEnv>, record: T) => unknown },
): AnyOperation {
  const { page, schema, prefix, view, ...documented } = declared;
  return operation({
    method: "get", ...documented,
    responses: { 200: { description: page, schema: Page(schema) } },
    load: projectInPath,
    handler: async (c, { target: project }) => scanPage<T>(c, prefix(project.id), view && ((record) => view(c, record))),
  });
}

/** GET of one record that `load` reads (404 if missing), shown through `view` with its ETag; `found` describes the answer. */
export function readOperation<T>(
  declared: Documented & { found: string; schema: z.ZodMiniType; load: (c: Context<AppEnv>) => Promise<Versioned<T>>; view?: (c: Context<AppEnv>, record: T) => unknown },
): AnyOperation {
  const { found, schema, load, view = (_c, record) => record, ...documented } = declared;
  return operation({
    method: "get", ...documented,
    responses: { 200: { description: found, schema } },
    load,
    handler: async (c, { target }) => withEtag(c, await view(c, target.value), target.version),
  });
}
