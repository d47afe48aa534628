/**
 * The audit log (SECURITY.md AD-4): every security-relevant event, per project, append-only,
 * newest first. Events carry who, what, before/after (never secrets), when, from where, outcome.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { AuditEvent, AuditInput } from "./audit-event";
export type { AuditEvent, AuditInput } from "./audit-event";
import { auditLog } from "../store/keys";
import type { ListPage, Store } from "../store/store";

/** Newest events kept per project. */
const RETAINED_EVENTS = 100_000;

async function append(c: Context<AppEnv>, store: Store, event: AuditInput): Promise<void> {
  const actor = event.actor ?? c.var.actor;
  if (!actor) throw new Error(`audit event ${event.action} has no actor`);
  const entry: AuditEvent = {
    at: new Date().toISOString(),
    actor,
    outcome: "success",
    ip: c.req.header("CF-Connecting-IP") ?? null,
    requestId: c.var.requestId,
    ...event,
  };
  try {
    await store.append(auditLog(event.projectId), entry, { maxLength: RETAINED_EVENTS });
  } catch (error) {
    // The change itself is done and answering 503 would say it was not; losing its record must be loud.
    c.var.log.error("audit append failed", { event: entry, error: String(error) });
  }
}

/** Appends an event for the current request (actor, IP and request id from its context), before answering. */
export function audit(c: Context<AppEnv>, event: AuditInput): Promise<void> {
  return append(c, c.var.store, event);
}

/**
 * Appends an event after the response, off the request's critical path (token endpoint, sign-in);
 * its store call is counted apart (`Server-Timing: store-background`).
 */
export function auditLater(c: Context<AppEnv>, event: AuditInput): void {
  c.executionCtx.waitUntil(append(c, c.var.backgroundStore, event));
}

export function readAudit(store: Store, projectId: string, options: { limit?: number; cursor?: string }): Promise<ListPage<AuditEvent>> {
  return store.list<AuditEvent>(auditLog(projectId), options);
}
