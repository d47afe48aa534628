/**
 * The audit queue's consumer: a batch (up to 100 messages) is grouped by project and hour, and
 * each group is written in one idempotent store call (audit-log.ts), so a redelivered message
 * writes nothing twice. A group whose write fails is retried; the others are acknowledged.
 */
import type { Logger } from "../log";
import type { Store } from "../store/store";
import type { AuditEvent } from "./audit-event";
import { groupAuditEvents, writeAuditGroup } from "./audit-log";

/** Whether a message body has the fields the log is keyed by (the rest is stored as sent). */
function isAuditEvent(body: unknown): body is AuditEvent {
  const event = body as Partial<AuditEvent> | null;
  return typeof event === "object" && event !== null && typeof event.id === "string" && typeof event.projectId === "string"
    && typeof event.at === "string" && Number.isFinite(Date.parse(event.at));
}

/** Writes a batch of audit events: acks what was written, retries what the store refused. */
export async function consumeAuditBatch(batch: MessageBatch<unknown>, store: Store, log: Logger): Promise<void> {
  const events: Message<AuditEvent>[] = [];
  for (const message of batch.messages) {
    if (isAuditEvent(message.body)) {
      events.push(message as Message<AuditEvent>);
    } else {
      // No retry can mend it: say so and let it go.
      log.error("audit queue message is not an audit event", { messageId: message.id });
      message.ack();
    }
  }
  await Promise.all(
    groupAuditEvents(events, (message) => message.body).map(async (group) => {
      try {
        await writeAuditGroup(store, { ...group, events: group.events.map((message) => message.body) });
        for (const message of group.events) message.ack();
      } catch (error) {
        log.error("audit batch write failed; retrying", { projectId: group.projectId, hour: group.hour, events: group.events.length, error: String(error) });
        for (const message of group.events) message.retry();
      }
    }),
  );
}
