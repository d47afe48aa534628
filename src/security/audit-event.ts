/** The shape of an audit event (SECURITY.md AD-4); types only, so errors and the Hono env can name it. */

/**
 * Who acted: the platform operator (bootstrap token), a project's admin API key, a client
 * application, a signed-in user, someone not (yet) known (a failed sign-in), or Fedgate itself.
 */
export type Actor =
  | { kind: "operator" }
  | { kind: "api-key"; keyId: string }
  | { kind: "client"; clientId: string }
  /**
   * A person: at sign-in, a user of the event's project; in the admin console, a user of the operator
   * project (`projectId`, with their `email`), acting through the admin API with their roles.
   */
  | { kind: "user"; userId: string; projectId?: string; email?: string }
  | { kind: "anonymous" }
  /** A customer's IT admin acting through a self-service setup link (registry/setup-links.ts), for `organization`. */
  | { kind: "setup-link"; linkId: string; organization: string }
  /** Fedgate itself: a check the cron trigger runs (`job`, e.g. `domain-recheck`). */
  | { kind: "system"; job: string };

export interface AuditEvent {
  /** Given at creation, sortable by time (audit-log.ts `auditEventId`): a redelivered event is written once. */
  id: string;
  at: string;
  projectId: string;
  actor: Actor;
  /** `<resource>.<verb>`, e.g. `client.create`, `client.secret.rotate`. */
  action: string;
  target: { type: string; id: string };
  outcome: "success" | "failure";
  before?: unknown;
  after?: unknown;
  reason?: string;
  ip: string | null;
  requestId: string;
}

/** What a caller says of an event; the request fills in when, from where, and (admin) who. */
export type AuditInput = Pick<AuditEvent, "projectId" | "action" | "target"> & Partial<Pick<AuditEvent, "actor" | "before" | "after" | "outcome" | "reason">>;
