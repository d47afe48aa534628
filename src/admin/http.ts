/** Request plumbing shared by the admin routes: ETags and If-Match, answers to writes (201, 412, audit), query parameters, pagination. */
import type { Context } from "hono";
import { base64url } from "jose";
import * as z from "zod/mini";
import type { AppEnv } from "../env";
import { etagOf } from "../cached-document";
import { Problem } from "../errors";
import { audit } from "../security/audit";
import type { AuditInput } from "../security/audit-event";
import { StoreError, type WriteResult } from "../store/store";

/** Where the admin API is mounted. */
export const API_BASE = "/admin/v1";

/** Updates must name the version they change: 428 without If-Match, 412 when it is stale. */
export async function requireIfMatch(c: Context<AppEnv>, version: string): Promise<void> {
  const ifMatch = c.req.header("If-Match");
  if (!ifMatch) {
    throw new Problem(428, "Precondition Required", { description: "Send If-Match with the ETag from your last read of this resource." });
  }
  const current = await etagOf(version);
  const given = ifMatch.split(/\s*,\s*/).map((tag) => tag.replace(/^W\//, ""));
  if (!given.includes(current) && !given.includes("*")) {
    throw new Problem(412, "Precondition Failed", {
      description: "The resource changed since you read it. Read it again and reapply your change.",
      headers: { ETag: current },
    });
  }
}

/** Answers a resource with its ETag. */
export async function withEtag(c: Context<AppEnv>, body: unknown, version: string, status: 200 | 201 = 200): Promise<Response> {
  return c.json(body, status, { ETag: await etagOf(version) });
}

/** Answers a created resource: 201, its Location under the API and its ETag. */
export function created(c: Context<AppEnv>, location: string, body: unknown, version: string): Promise<Response> {
  c.header("Location", `${API_BASE}${location}`);
  return withEtag(c, body, version, 201);
}

/** A compare-and-set lost to a concurrent change after If-Match passed. */
export function changedMeanwhile(): Problem {
  return new Problem(412, "Precondition Failed", { description: "The resource changed while your update was applied. Read it again." });
}

/** The version an update wrote, or 412 if a concurrent change won. */
export function committed(written: WriteResult): string {
  if (!written.ok) throw changedMeanwhile();
  return written.version;
}

/** Audits an admin change to a project's resource; the target's type is the action's first word (`client.update`: a client). */
export function auditChange(
  c: Context<AppEnv>, projectId: string, action: string, id: string, change: Pick<AuditInput, "before" | "after" | "reason"> = {},
): Promise<void> {
  return audit(c, { projectId, action, target: { type: action.split(".")[0]!, id }, ...change });
}

const PageQuery = z.object({
  limit: z.optional(z.string().check(z.regex(/^\d{1,3}$/, "must be a whole number from 1 to 200"))),
  cursor: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,1400}$/, "must be a cursor from a previous page"))),
});

/** The query parameters parsed by `schema`; 400 naming each bad one. */
export function queryOf<S extends z.ZodMiniType>(c: Context<AppEnv>, schema: S): z.output<S> {
  const parsed = z.safeParse(schema, c.req.query());
  if (!parsed.success) throw new Problem(400, "Bad Request", { description: parsed.error.issues.map((i) => `"${i.path.join(".")}": ${i.message}`).join("; ") });
  return parsed.data;
}

/** `limit` and `cursor` of a list request; the cursor wraps a store position opaquely. */
export function pageOf(c: Context<AppEnv>): { limit?: number; cursor?: string } {
  const { limit, cursor } = queryOf(c, PageQuery);
  let position: string | undefined;
  if (cursor !== undefined) {
    try {
      position = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(base64url.decode(cursor));
    } catch {
      throw new StoreError("bad_cursor", "cursor is not one this list handed out");
    }
  }
  return { ...(limit === undefined ? {} : { limit: Number(limit) }), ...(position === undefined ? {} : { cursor: position }) };
}

/** A page of items in the API's list shape. */
export function listResponse<T>(items: T[], cursor: string | undefined): { items: T[]; nextCursor?: string } {
  return cursor === undefined ? { items } : { items, nextCursor: base64url.encode(cursor) };
}

/** Answers a page of the records under `prefix` (store `scan`), each shown through `view`. */
export async function scanPage<T>(c: Context<AppEnv>, prefix: string, view: (record: T) => unknown = (record) => record): Promise<Response> {
  const page = await c.get("store").scan<T>(prefix, pageOf(c));
  return c.json(listResponse(page.items.map((item) => view(item.value)), page.cursor));
}

/** `record` with each field that `patch` sets (a field left undefined stays as it is). */
export function patched<T extends object>(record: T, patch: object): T {
  return { ...record, ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) };
}

/** The current time as the API writes it. */
export const now = (): string => new Date().toISOString();
