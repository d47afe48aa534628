/**
 * The audit log's storage (SECURITY.md AD-4): one list per project and hour, read newest first
 * across hours through the admin API with opaque cursors.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/security/audit-event";
import { auditEventId, writeAuditEvents } from "../../src/security/audit-log";
import { DurableObjectStore } from "../../src/store/durable-object";
import { auditHour, auditHourEntry } from "../../src/store/keys";
import { api, newProject } from "../helpers/admin";

const store = new DurableObjectStore(env.STORE);
const HOUR = 3_600_000;
let project: { id: string; token: string };

beforeEach(async () => {
  project = await newProject("audit hours");
});

function event(action: string, at: number): AuditEvent {
  return {
    id: auditEventId(at), at: new Date(at).toISOString(), projectId: project.id, actor: { kind: "operator" }, action,
    target: { type: "test", id: action }, outcome: "success", ip: null, requestId: crypto.randomUUID(),
  };
}

/** Every page of the project's log through the API, `limit` at a time. */
async function allPages(limit: number): Promise<{ id: string; action: string }[][]> {
  const pages: { id: string; action: string }[][] = [];
  let cursor: string | undefined;
  do {
    const page = await api(project.token, "GET", `/projects/${project.id}/audit?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.status).toBe(200);
    pages.push(page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return pages;
}

describe("AD-4: the audit log across hours", () => {
  it("reads newest first across hours, a page at a time, each event once", async () => {
    const now = Date.now();
    const written = [
      ...[1, 2, 3, 4, 5].map((i) => event(`h2.${i}`, now - 2 * HOUR + i)),
      ...[1, 2, 3].map((i) => event(`h1.${i}`, now - HOUR + i)),
    ];
    await writeAuditEvents(store, written);
    const pages = await allPages(3);
    const read = pages.flat().filter((e) => e.action.startsWith("h"));
    expect(read.map((e) => e.action)).toEqual(["h1.3", "h1.2", "h1.1", "h2.5", "h2.4", "h2.3", "h2.2", "h2.1"]);
    expect(read.map((e) => e.id)).toEqual(written.map((e) => e.id).toReversed());
    // The project's own creation events are the newest (this hour), then the older hours.
    expect(pages.flat().map((e) => e.id)).toEqual(pages.flat().map((e) => e.id).toSorted().toReversed());
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(3);
  });

  it("keeps each hour in its own partition and notes the hour in the project", async () => {
    const at = Date.now() - 5 * HOUR;
    const one = event("partitioned", at);
    await writeAuditEvents(store, [one]);
    const hour = Math.floor(at / HOUR);
    expect(auditHour(project.id, hour)).toMatch(/^\{a:[^}]+\}audit$/);
    expect((await store.list(auditHour(project.id, hour))).items).toEqual([{ id: one.id, value: one }]);
    expect(await store.get(auditHourEntry(project.id, hour))).toEqual({ hour });
  });

  it("skips hours whose list is gone (retention) and answers a sparse log in bounded pages", async () => {
    const now = Date.now();
    // 30 hours with one event each; one noted hour with no list left.
    await writeAuditEvents(store, Array.from({ length: 30 }, (_, i) => event(`sparse.${i}`, now - (i + 1) * HOUR)));
    await store.set(auditHourEntry(project.id, Math.floor(now / HOUR) - 40), { hour: Math.floor(now / HOUR) - 40 });
    const pages = await allPages(200);
    const sparse = pages.flat().filter((e) => e.action.startsWith("sparse."));
    expect(sparse.map((e) => e.action)).toEqual(Array.from({ length: 30 }, (_, i) => `sparse.${i}`));
    // A page visits at most 24 hours: this log takes two pages.
    expect(pages.length).toBeGreaterThan(1);
  });

  it("refuses a cursor it did not hand out (400)", async () => {
    for (const cursor of ["%FF", "bm90IGpzb24", btoa(JSON.stringify({ h: -1 })), btoa(JSON.stringify({ h: 1, p: "'; DROP TABLE kv" }))]) {
      expect((await api(project.token, "GET", `/projects/${project.id}/audit?cursor=${cursor}`)).status).toBe(400);
    }
  });
});
