/**
 * The audit log (SECURITY.md AD-4): every security-relevant event, per project, append-only,
 * newest first. Events carry who, what, before/after (never secrets), when, from where, outcome.
 * Admin changes are written before answering; events of the sign-in and token paths go through
 * the audit queue after the response (audit-queue.ts), or straight to the store when there is no
 * queue or it refuses the event. Storage: audit-log.ts.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { AuditEvent, AuditInput } from "./audit-event";
import type { Store } from "../store/store";
import { auditEventId, writeAuditEvents } from "./audit-log";

function entryOf(c: Context<AppEnv>, event: AuditInput): AuditEvent {
  const actor = event.actor ?? c.get("actor");
  if (!actor) throw new Error(`audit event ${event.action} has no actor`);
  const now = Date.now();
  return {
    id: auditEventId(now),
    at: new Date(now).toISOString(),
    actor,
    outcome: "success",
    ip: c.req.header("CF-Connecting-IP") ?? null,
    requestId: c.get("requestId"),
    ...event,
  };
}

async function write(c: Context<AppEnv>, store: Store, entry: AuditEvent): Promise<void> {
  try {
    await writeAuditEvents(store, [entry]);
  } catch (error) {
    // The change itself is done and answering 503 would say it was not; losing its record must be loud.
    c.get("log").error("audit append failed", { event: entry, error: String(error) });
  }
}

/** Writes an event for the current request (actor, IP and request id from its context) to the store, before answering. */
export async function audit(c: Context<AppEnv>, event: AuditInput): Promise<void> {
  await write(c, c.get("store"), entryOf(c, event));
}

/** Sends the event to the audit queue; written directly when there is none or it refuses (logged). */
async function enqueue(c: Context<AppEnv>, event: AuditInput): Promise<void> {
  const entry = entryOf(c, event);
  const queue = c.env.AUDIT_QUEUE;
  if (queue) {
    try {
      await queue.send(entry, { contentType: "json" });
      return;
    } catch (error) {
      c.get("log").error("audit queue refused an event; writing it directly", { eventId: entry.id, action: entry.action, error: String(error) });
    }
  }
  await write(c, c.get("backgroundStore"), entry);
}

/**
 * Records an event after the response, off the request's critical path (token endpoint, sign-in),
 * through the audit queue; a direct write is counted apart (`Server-Timing: store-background`).
 */
export function auditLater(c: Context<AppEnv>, event: AuditInput): void {
  c.executionCtx.waitUntil(enqueue(c, event));
}
