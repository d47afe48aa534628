/**
 * One declaration per admin operation: its route, its schemas and its documentation. `mount`
 * registers the handlers; `openApiDocument` builds the OpenAPI 3.1 document from the same zod
 * schemas (zod's own JSON Schema output), so the two cannot drift. Written here rather than with
 * @hono/zod-openapi, which needs full zod (~150 KiB more gzip) on every request path.
 */
import type { Context, Hono } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../env";

export interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI path template under the API base, e.g. `/projects/{projectId}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Only the platform operator may call it (documented; enforced by the handler). */
  operatorOnly?: boolean;
  query?: z.ZodMiniObject;
  body?: z.ZodMiniType;
  /** The body may be left out (an empty body counts as `{}`). */
  bodyOptional?: boolean;
  /** Updates require `If-Match` with the resource's ETag. */
  ifMatch?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodMiniType }>;
  handler: (c: Context<AppEnv>) => Promise<Response>;
}

export const API_BASE = "/admin/v1";

/** Registers each operation's handler on `app` (mounted at API_BASE). */
export function mount(app: Hono<AppEnv>, operations: readonly Operation[]): void {
  for (const operation of operations) {
    app.on(operation.method.toUpperCase(), operation.path.replace(/\{(\w+)\}/g, ":$1"), operation.handler);
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
export function openApiDocument(operations: readonly Operation[], info: { version: string; serverUrl: string }): Record<string, unknown> {
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
        "Authenticate with the platform bootstrap token or a project's admin API key (`fgk.…`) as a Bearer token. " +
        "Errors are RFC 9457 problem documents. Updates need `If-Match` with the ETag from the last read.",
    },
    servers: [{ url: info.serverUrl }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "Bootstrap token or project API key" } } },
    paths,
  };
}
