/** Request plumbing shared by the admin routes: ETags and If-Match, pagination, path ids. */
import type { Context } from "hono";
import { base64url } from "jose";
import * as z from "zod/mini";
import type { AppEnv } from "../env";
import { etagOf } from "../cached-document";
import { Problem } from "../errors";
import { StoreError } from "../store/store";

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

export const PageQuery = z.object({
  limit: z.optional(z.string().check(z.regex(/^\d{1,3}$/, "must be a whole number from 1 to 200"))),
  cursor: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,1400}$/, "must be a cursor from a previous page"))),
});

/** `limit` and `cursor` of a list request; the cursor wraps a store position opaquely. */
export function pageOf(c: Context<AppEnv>): { limit?: number; cursor?: string } {
  const parsed = z.safeParse(PageQuery, c.req.query());
  if (!parsed.success) throw new Problem(400, "Bad Request", { description: parsed.error.issues.map((i) => `"${i.path.join(".")}": ${i.message}`).join("; ") });
  const { limit, cursor } = parsed.data;
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
  const page = await c.var.store.scan<T>(prefix, pageOf(c));
  return c.json(listResponse(page.items.map((item) => view(item.value)), page.cursor));
}

/** The current time as the API writes it. */
export const now = (): string => new Date().toISOString();
