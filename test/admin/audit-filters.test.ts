/**
 * The audit log's filters (SECURITY.md AD-4: the log can be read per project, and searched): action
 * (exact or its first words), outcome, actor (kind, kind:id, a console user's email) and time range,
 * combined, through both audit operations; paging through a filtered log loses and repeats nothing,
 * also when a page fills in the middle of a read; bad filters are 400 naming the parameter.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Actor, AuditEvent } from "../../src/security/audit-event";
import { auditEventId, writeAuditEvents } from "../../src/security/audit-log";
import { DurableObjectStore } from "../../src/store/durable-object";
import { api, newProject, operator } from "../helpers/admin";

const HOUR = 3_600_000;
const store = new DurableObjectStore(env.STORE);
let project: { id: string; token: string };
/** The events written straight to the log, newest first. */
let written: AuditEvent[];
const base = Math.floor(Date.now() / HOUR) * HOUR - 30 * HOUR;

const event = (at: number, action: string, actor: Actor, outcome: AuditEvent["outcome"] = "success"): AuditEvent => ({
  id: auditEventId(at), at: new Date(at).toISOString(), projectId: project.id, actor, action, target: { type: action.split(".")[0]!, id: "t" }, outcome, ip: null, requestId: crypto.randomUUID(),
});

beforeAll(async () => {
  project = await newProject("audit filters");
  const alice: Actor = { kind: "user", userId: "usr_alice", projectId: "prj_ops", email: "Alice@Example.com" };
  const events: AuditEvent[] = [];
  // Three hours (30, 29 and 27 hours ago, one empty hour between), 90 events each: more than one read each.
  for (const hour of [0, 1, 3]) {
    for (let i = 0; i < 90; i++) {
      const at = base + hour * HOUR + i * 1000;
      if (i % 30 === 0) events.push(event(at, "user.disable", alice));
      else if (i % 30 === 1) events.push(event(at, "signin.complete", { kind: "anonymous" }, "failure"));
      else events.push(event(at, "token.issue", { kind: "client", clientId: "cl_1" }));
    }
  }
  await writeAuditEvents(store, events);
  written = events.toReversed();
});

const read = (query: string) => api(project.token, "GET", `/projects/${project.id}/audit?${query}`);
/** Every page of a query, following nextCursor. */
async function all(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await read(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.status).toBe(200);
    ids.push(...page.body.items.map((e: { id: string }) => e.id));
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return { ids, pages };
}
const idsOf = (events: AuditEvent[]) => events.map((e) => e.id);
const inPast = `until=${new Date(base + 10 * HOUR).toISOString()}`;

describe("AD-4: filtering the audit log", () => {
  it("filters by exact action, and by an action's first words", async () => {
    const exact = await all(`action=user.disable&${inPast}`, 50);
    expect(exact.ids).toEqual(idsOf(written.filter((e) => e.action === "user.disable")));
    const prefix = await read(`action=user&${inPast}`);
    expect(prefix.body.items.length).toBe(9);
    expect((await read(`action=use&${inPast}`)).body.items).toEqual([]); // first words, not first letters
  });

  it("filters by outcome", async () => {
    const failures = await all(`outcome=failure&${inPast}`, 4);
    expect(failures.ids).toEqual(idsOf(written.filter((e) => e.outcome === "failure")));
  });

  it("filters by actor: kind, kind:id, and a console user's email in any case", async () => {
    const byKind = await all(`actor=anonymous&${inPast}`, 50);
    expect(byKind.ids).toEqual(idsOf(written.filter((e) => e.actor.kind === "anonymous")));
    const byId = await all(`actor=user:usr_alice&${inPast}`, 50);
    const byEmail = await all(`actor=alice@example.COM&${inPast}`, 50);
    expect(byEmail.ids).toEqual(byId.ids);
    expect(byId.ids).toHaveLength(9);
    expect((await read(`actor=client:cl_2&${inPast}`)).body.items).toEqual([]);
  });

  it("filters by time range, since inclusive and until exclusive, across hours", async () => {
    const since = base + HOUR + 30_000;
    const until = base + 3 * HOUR + 2_000;
    const range = await all(`since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`, 25);
    expect(range.ids).toEqual(idsOf(written.filter((e) => Date.parse(e.at) >= since && Date.parse(e.at) < until)));
    expect(range.ids).toHaveLength(60 + 2);
    // The project's own recent events (project.create, api-key.create) lie outside it.
    const recent = await read(`since=${new Date(Date.now() - HOUR).toISOString()}`);
    expect(recent.body.items.map((e: { action: string }) => e.action)).toEqual(["api-key.create", "project.create"]);
  });

  it("pages through a filtered log without losing or repeating an event, also when a page fills mid-read", async () => {
    const expected = idsOf(written.filter((e) => e.action === "token.issue"));
    for (const limit of [7, 50, 200]) {
      const paged = await all(`action=token.issue&${inPast}`, limit);
      expect(paged.ids, `limit ${limit}`).toEqual(expected);
    }
    const unfiltered = await all(inPast, 29);
    expect(unfiltered.ids).toEqual(idsOf(written));
  }, 60_000);

  it("combines filters, and reads the same through /audit, for the operator too", async () => {
    const query = `action=signin&outcome=failure&actor=anonymous&since=${new Date(base + 3 * HOUR).toISOString()}`;
    const own = await read(query);
    expect(own.body.items.map((e: { id: string }) => e.id)).toEqual(idsOf(written.filter((e) => e.action === "signin.complete" && Date.parse(e.at) >= base + 3 * HOUR)));
    expect(own.body.items).toHaveLength(3);
    const viaAudit = await api(project.token, "GET", `/audit?${query}`);
    expect(viaAudit.body).toEqual(own.body);
    const byOperator = await operator("GET", `/audit?project=${project.id}&${query}`);
    expect(byOperator.body).toEqual(own.body);
  });

  it("answers bad filters with 400 problem+json naming the parameter", async () => {
    const cases: [string, string][] = [
      ["action=User.Disable", '"action"'],
      ["outcome=maybe", '"outcome"'],
      ["actor=", '"actor"'],
      ["since=yesterday", '"since"'],
      ["until=2026-12-03T14:00:00", '"until"'], // no zone
      [`since=2026-12-03T15:00:00Z&until=2026-12-03T14:00:00Z`, '"until"'],
    ];
    for (const [query, named] of cases) {
      const refused = await read(query);
      expect(refused.status, query).toBe(400);
      expect(refused.headers.get("Content-Type")).toBe("application/problem+json");
      expect(refused.body.detail, query).toContain(named);
    }
  });
});
