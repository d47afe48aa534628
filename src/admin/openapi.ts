/**
 * One declaration per admin operation: its route, its schemas and its documentation. `mount`
 * registers the handlers and enforces what each declares (operator only, the target's `If-Match`,
 * the body and query schemas); `openApiDocument` builds the OpenAPI 3.1 document from the same
 * declarations and zod schemas (zod's own JSON Schema output), so the two cannot drift. Written
 * here rather than with @hono/zod-openapi, which needs full zod (~150 KiB more gzip) on every
 * request path.
 */
import type { Context, Hono } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import type { SetupLink } from "../registry/setup-links";
import { requireOperator } from "./auth";
import { API_BASE, queryOf, requireIfMatch } from "./http";
import { jsonBody } from "./json-body";

type OutputOf<S> = S extends z.ZodMiniType ? z.output<S> : undefined;

/** What `mount` read and checked before the handler runs. */
interface Checked<T, B, Q> {
  /** What `load` returned. */
  target: T;
  body: B;
  query: Q;
}

export interface Operation<T = unknown, B extends z.ZodMiniType | undefined = undefined, Q extends z.ZodMiniObject | undefined = undefined> {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI path template under the API base, e.g. `/projects/{projectId}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Only the platform operator may call it: 403 for anyone else, before anything is read. */
  operatorOnly?: boolean;
  query?: Q;
  body?: B;
  /** The body may be left out (an empty body counts as `{}`). */
  bodyOptional?: boolean;
  /**
   * A self-service setup link's credential may call it (every other operation answers it 403), on
   * what `check` allows: run before `load` with the path, and `body` after the body is parsed. Each
   * must refuse (403) anything but the link's own provider and domains.
   */
  acceptsSetupLink?: SetupLinkCheck<OutputOf<B>>;
  /** Reads what the operation acts on (404s come before If-Match and body errors). */
  load?: (c: Context<AppEnv>) => Promise<T>;
  /** Updates require `If-Match` with the ETag of the `version` that `load` read. */
  ifMatch?: T extends { version: string } ? boolean : never;
  responses: Record<number, { description: string; schema?: z.ZodMiniType }>;
  handler: (c: Context<AppEnv>, input: Checked<T, OutputOf<B>, OutputOf<Q>>) => Promise<Response>;
}

/** How an operation that accepts setup links keeps one to its own target. */
export interface SetupLinkCheck<B = unknown> {
  check: (c: Context<AppEnv>, link: SetupLink) => void | Promise<void>;
  body?: (c: Context<AppEnv>, link: SetupLink, body: B) => void | Promise<void>;
}

/** The 403 of a setup link outside what it may do. */
export const outsideSetupLink = (what: string): Problem =>
  new Problem(403, "Forbidden", { description: `A setup link may not do this: ${what}.` });

/** An operation of any target, body and query (for the lists that `mount` takes). */
export type AnyOperation = Operation<any, any, any>;

/** Declares an operation, typing its handler's input from its `load`, `body` and `query`. */
export function operation<T = undefined, B extends z.ZodMiniType | undefined = undefined, Q extends z.ZodMiniObject | undefined = undefined>(
  declared: Operation<T, B, Q>,
): AnyOperation {
  return declared;
}

export { API_BASE };

/** Runs what `operation` declares, in this order: setup link, operator only, load, If-Match, body (and its setup-link check), query. */
async function enforce(c: Context<AppEnv>, operation: AnyOperation): Promise<Checked<unknown, unknown, unknown>> {
  const link = c.get("setupLink")?.value;
  if (link) {
    // Refused by default: only a declared operation, on the link's own project and target.
    if (!operation.acceptsSetupLink) throw outsideSetupLink("only its own provider, its domains and its own steps are open to it");
    c.set("adminScope", { operator: false, projects: new Set([link.projectId]) });
    await operation.acceptsSetupLink.check(c, link);
  }
  if (operation.operatorOnly) requireOperator(c);
  const target: unknown = operation.load ? await operation.load(c) : undefined;
  if (operation.ifMatch) await requireIfMatch(c, (target as { version: string }).version);
  const body: unknown = operation.body ? await jsonBody(c, operation.body) : undefined;
  if (link && operation.acceptsSetupLink?.body) await operation.acceptsSetupLink.body(c, link, body);
  const query: unknown = operation.query ? queryOf(c, operation.query) : undefined;
  return { target, body, query };
}

/** Registers each operation on `app` (mounted at API_BASE), enforcing its declaration before its handler. */
export function mount(app: Hono<AppEnv>, operations: readonly AnyOperation[]): void {
  for (const operation of operations) {
    app.on(operation.method.toUpperCase(), operation.path.replace(/\{(\w+)\}/g, ":$1"), async (c) => operation.handler(c, await enforce(c, operation)));
  }
}

const schemaOf = (schema: z.ZodMiniType) => z.toJSONSchema(schema, { target: "draft-2020-12", io: "output", unrepresentable: "any" });
const inputSchemaOf = (schema: z.ZodMiniType) => z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" });

function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

const problemResponse = {
  description: "An RFC 9457 problem",
  content: {
    "application/problem+json": {
      schema: {
        type: "object",
        properties: {
          type: { type: "string" },
          title: { type: "string" },
          status: { type: "integer" },
          detail: { type: "string" },
          errors: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
        },
        required: ["type", "title", "status"],
      },
    },
  },
};

/** The OpenAPI 3.1 document of `operations`. */
export function openApiDocument(operations: readonly AnyOperation[], info: { version: string; serverUrl: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const pathParameters = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: "path", required: true, schema: { type: "string" } }));
    const queryParameters = op.query
      ? Object.entries((inputSchemaOf(op.query) as { properties?: Record<string, unknown>; required?: string[] }).properties ?? {}).map(
          ([name, schema]) => ({ name, in: "query", required: false, schema }),
        )
      : [];
    const headerParameters = op.ifMatch
      ? [{ name: "If-Match", in: "header", required: true, description: "The ETag of the version being changed.", schema: { type: "string" } }]
      : [];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(op.responses)) {
      responses[status] = response.schema
        ? { description: response.description, content: { "application/json": { schema: withoutDialect(schemaOf(response.schema)) } } }
        : { description: response.description };
    }
    for (const status of ["400", "401", "403", "404", "409", "412", "428", "503"]) responses[status] ??= problemResponse;
    (paths[`${API_BASE}${op.path}`] ??= {})[op.method] = {
      operationId: `${op.method}${op.path.replace(/\{(\w+)\}/g, "By-$1").replace(/[^A-Za-z0-9]+(\w)/g, (_, ch: string) => ch.toUpperCase())}`,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      ...(op.operatorOnly ? { "x-fedgate-operator-only": true } : {}),
      ...(op.acceptsSetupLink ? { "x-fedgate-setup-link": true } : {}),
      parameters: [...pathParameters, ...queryParameters, ...headerParameters],
      ...(op.body
        ? { requestBody: { required: !op.bodyOptional, content: { "application/json": { schema: withoutDialect(inputSchemaOf(op.body)) } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Fedgate admin API",
      version: info.version,
      description:
        "Projects, client applications, identity providers, email-domain mappings, users and the audit log. " +
        "Authenticate with the platform bootstrap token, a project's admin API key (`fgk.…`), or a Fedgate access token issued to " +
        "the admin console's client (CONSOLE_CLIENT_ID; the person's roles `operator` or `admin:<projectId>` decide what it may do), as a Bearer token. " +
        "A self-service setup link's credential (`fgs.…`) is accepted only by the operations marked `x-fedgate-setup-link`, on its own provider and domains. " +
        "Errors are RFC 9457 problem documents. Updates need `If-Match` with the ETag from the last read.",
    },
    servers: [{ url: info.serverUrl }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "Bootstrap token, project API key, or an admin console access token (roles from the user's record)" } } },
    paths,
  };
}
