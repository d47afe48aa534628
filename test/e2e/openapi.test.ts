// The admin API's OpenAPI document, fetched from the running broker: valid OpenAPI 3.1 (against the
// official schema, @seriousme/openapi-schema-validator), every $ref resolvable, and the facts the
// reference page and clients rely on.
import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, inject, it } from "vitest";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

type Operation = { operationId?: string; security?: Record<string, string[]>[] };
type Document = {
  openapi: string;
  info: { title: string; version: string };
  servers?: { url: string }[];
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  security?: Record<string, string[]>[];
  components?: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
};

const brokerUrl = inject("brokerUrl");
let response: Response;
let doc: Document;

/** Each operation with its full path (the first server's path, if any, prefixed). */
function operations(document: Document) {
  const base = document.servers?.[0] ? new URL(document.servers[0].url, brokerUrl).pathname.replace(/\/$/, "") : "";
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ method, path: base + path, operation: item[method]! }] : [])),
  );
}

describe("GET /admin/v1/openapi.json", () => {
  beforeAll(async () => {
    response = await fetch(`${brokerUrl}/admin/v1/openapi.json`);
    const text = await response.text();
    expect(response.status, `GET /admin/v1/openapi.json answered ${response.status}: ${text.slice(0, 300)}`).toBe(200);
    doc = JSON.parse(text) as Document;
  });

  it("is public JSON", () => {
    expect(response.headers.get("content-type")).toMatch(/^application\/(vnd\.oai\.openapi\+)?json\b/);
  });

  it("is a valid OpenAPI 3.1 document whose $refs all resolve", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)?.slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("declares OpenAPI 3.1.x and describes itself", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
  });

  it("documents the admin API under /admin/v1, projects included, with unique operation ids", () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(0);
    for (const { path } of ops) expect(path).toMatch(/^\/admin\/v1\//);
    expect(ops.some(({ method, path }) => method === "get" && path === "/admin/v1/projects")).toBe(true);
    const ids = ops.map(({ operation }) => operation.operationId);
    expect(ids.every(Boolean), "every operation has an operationId").toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("declares an HTTP bearer scheme and requires it for the projects operations", () => {
    const schemes = Object.entries(doc.components?.securitySchemes ?? {});
    const bearer = schemes.filter(([, s]) => s.type === "http" && s.scheme?.toLowerCase() === "bearer").map(([name]) => name);
    expect(bearer.length).toBeGreaterThan(0);
    for (const { method, path, operation } of operations(doc).filter(({ path }) => path.startsWith("/admin/v1/projects"))) {
      const security = operation.security ?? doc.security ?? [];
      expect(security.some((requirement) => bearer.some((name) => name in requirement)), `${method} ${path}`).toBe(true);
    }
  });
});
