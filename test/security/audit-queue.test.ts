/**
 * The audit queue in workerd (SECURITY.md AD-4): events of the token path travel through the real
 * queue (Miniflare's, from wrangler.toml) to the Worker's `queue` handler and into the hour's list;
 * a redelivered batch writes nothing twice; a refused send is written directly and logged; a
 * store failure retries the batch.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { AuditEvent } from "../../src/security/audit-event";
import { auditEventId } from "../../src/security/audit-log";
import { readAuditLog } from "../../src/security/audit-log";
import { DurableObjectStore, type StoreObject } from "../../src/store/durable-object";
import { auditHour } from "../../src/store/keys";
import { newProject } from "../helpers/admin";
import { formPost, newClient, type ClientAuth } from "../helpers/oauth";

const store = new DurableObjectStore(env.STORE);
/** The producer binding wrangler.toml declares (test/env.d.ts types only the pool's own bindings). */
const auditQueue = (env as unknown as { AUDIT_QUEUE: Queue<AuditEvent> }).AUDIT_QUEUE;
let project: { id: string; token: string };
let machine: ClientAuth;

beforeAll(async () => {
  project = await newProject("audit queue");
  machine = await newClient(project, { name: "queued", kind: "confidential", redirectUris: [], grantTypes: ["client_credentials"], scopes: ["read"] });
});

afterEach(() => vi.restoreAllMocks());

/** A client_credentials request (audited after the response with `token.issue`) under these bindings. */
const issueToken = (bindings: Record<string, unknown>) => formPost("/oauth2/token", { grant_type: "client_credentials" }, machine, {}, { env: bindings });

/** The project's events, read straight from the store, until `found` holds (at most 5 s). */
async function eventsUntil(found: (events: AuditEvent[]) => boolean): Promise<AuditEvent[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const events = (await readAuditLog(store, project.id, { limit: 200 })).items.map((item) => item.value);
    if (found(events) || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const byRequest = (requestId: string | null) => (events: AuditEvent[]) => events.filter((event) => event.requestId === requestId);

function event(action: string, at = Date.now()): AuditEvent {
  return {
    id: auditEventId(at), at: new Date(at).toISOString(), projectId: project.id, actor: { kind: "operator" }, action,
    target: { type: "test", id: action }, outcome: "success", ip: null, requestId: crypto.randomUUID(),
  };
}

const messages = (events: AuditEvent[]) => events.map((body, i) => ({ id: `m${i}-${body.id}`, timestamp: Date.now(), attempts: 1, body }));

describe("the audit queue", () => {
  it("carries a token request's event through the real queue to the hour's list", async () => {
    const sent: unknown[] = [];
    const queue = { send: (body: unknown, options?: QueueSendOptions) => (sent.push(body), auditQueue.send(body as AuditEvent, options)) };
    const response = await issueToken({ AUDIT_QUEUE: queue });
    expect(response.status).toBe(200);
    const requestId = response.headers.get("X-Request-Id");
    const events = byRequest(requestId)(await eventsUntil((all) => byRequest(requestId)(all).length > 0));
    expect(events).toEqual([expect.objectContaining({ action: "token.issue", actor: { kind: "client", clientId: machine.id } })]);
    expect(sent).toEqual([events[0]]);
    // In the project's list for the event's hour, not the project's partition.
    const hour = Math.floor(Date.parse(events[0]!.at) / 3_600_000);
    expect((await store.list(auditHour(project.id, hour), { limit: 200 })).items.map((item) => item.id)).toContain(events[0]!.id);
  });

  it("writes a message sent twice (a redelivery) once", async () => {
    const twice = event("redelivered.real-queue");
    await auditQueue.sendBatch([{ body: twice }, { body: twice }]);
    await auditQueue.send(event("after.redelivery"));
    const events = await eventsUntil((all) => all.some((e) => e.action === "after.redelivery"));
    expect(events.filter((e) => e.id === twice.id)).toHaveLength(1);
  });

  it("writes a redelivered batch once, one store call per project and hour, and acknowledges it", async () => {
    const now = Date.now();
    const batchEvents = [event("batch.a", now - 3_600_000), event("batch.b", now), event("batch.c", now)];
    for (let delivery = 0; delivery < 2; delivery++) {
      const batch = createMessageBatch<AuditEvent>("fedgate-audit", messages(batchEvents));
      const ctx = createExecutionContext();
      await worker.queue!(batch as MessageBatch<unknown>, env as never);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks.toSorted()).toEqual(batch.messages.map((m) => m.id).toSorted());
      expect(result.retryMessages).toEqual([]);
    }
    const events = await eventsUntil(() => true);
    for (const sent of batchEvents) expect(events.filter((e) => e.id === sent.id)).toHaveLength(1);
    // Newest first across the two hours.
    const order = events.filter((e) => e.action.startsWith("batch.")).map((e) => e.action);
    expect(order.at(-1)).toBe("batch.a");
  });

  it("retries the batch when the store fails, and acknowledges nothing", async () => {
    const failing = {
      idFromName: (name: string) => env.STORE.idFromName(name),
      get: () => new Proxy({}, { get: () => () => Promise.reject(new Error("Network connection lost.")) }),
    } as unknown as DurableObjectNamespace<StoreObject>;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const batch = createMessageBatch<AuditEvent>("fedgate-audit", messages([event("store.down")]));
    const ctx = createExecutionContext();
    await worker.queue!(batch as MessageBatch<unknown>, { ...env, STORE: failing } as never);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([batch.messages[0]!.id]);
    expect(errors.mock.calls.flat().join("\n")).toContain("audit batch write failed");
  });

  it("acknowledges (and logs) a message that is no audit event: no retry could mend it", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const batch = createMessageBatch("fedgate-audit", [{ id: "junk", timestamp: Date.now(), attempts: 1, body: { hello: "world" } }]);
    const ctx = createExecutionContext();
    await worker.queue!(batch, env as never);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["junk"]);
    expect(errors.mock.calls.flat().join("\n")).toContain("not an audit event");
  });
});

describe("when the queue is not there to take an event", () => {
  it("a refused send is written directly and logged as an error", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const refusing = { send: () => Promise.reject(new Error("Queue send failed: 503")) };
    const response = await issueToken({ AUDIT_QUEUE: refusing });
    expect(response.status).toBe(200);
    const requestId = response.headers.get("X-Request-Id");
    const events = byRequest(requestId)(await eventsUntil((all) => byRequest(requestId)(all).length > 0));
    expect(events.map((e) => e.action)).toEqual(["token.issue"]);
    const logged = errors.mock.calls.flat().join("\n");
    expect(logged).toContain("audit queue refused an event; writing it directly");
    expect(logged).toContain(events[0]!.id);
  });

  it("without a queue binding, events are written directly", async () => {
    const response = await issueToken({ AUDIT_QUEUE: undefined });
    const requestId = response.headers.get("X-Request-Id");
    const events = byRequest(requestId)(await eventsUntil((all) => byRequest(requestId)(all).length > 0));
    expect(events.map((e) => e.action)).toEqual(["token.issue"]);
  });
});
