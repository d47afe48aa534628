/**
 * OpenID Connect Back-Channel Logout 1.0, the OP's side: when a broker session ends (sessions/end-session.ts),
 * each app that signed in with it and registered a `backchannelLogoutUri` is told, server to server,
 * with a signed logout token (tokens/logout-token.ts) posted as `logout_token`.
 *
 * Never on the request path: ending a session sends one queue message per app (`LOGOUT_QUEUE`) and
 * answers; the queue's consumer delivers, retrying an app that fails with growing delays
 * (MAX_ATTEMPTS in all, wrangler.toml's `max_retries` + 1). Each attempt re-reads the client (deleted,
 * or its URI removed: nothing is sent) and mints a fresh token. Without the queue binding, or when it
 * refuses, delivery runs after the response with a few retries in process. A delivery, and an app
 * that never accepted, are audited as `session.backchannel-logout`; a failing app never makes the
 * request that ended the session fail.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
 */
import type { Context } from "hono";
import type { AppEnv, Services } from "../env";
import { describeError, type Logger } from "../log";
import { findClient, readClient, type Client } from "../registry/clients";
import type { AuditEvent } from "../security/audit-event";
import { auditEventId, writeAuditEvents } from "../security/audit-log";
import { mintLogoutToken, type Logout } from "../tokens/logout-token";
import type { BrokerSession } from "./records";

/** The queue wrangler.toml binds as LOGOUT_QUEUE; the Worker's queue handler routes its batches here (index.ts). */
export const LOGOUT_QUEUE_NAME = "fedgate-logout";

/** Attempts per app, the first included: keep wrangler.toml's `max_retries` at MAX_ATTEMPTS - 1. */
export const MAX_ATTEMPTS = 6;
/** The first retry waits this long, each next one three times longer (10 s … 810 s: ~20 min in all), at most an hour. */
const FIRST_RETRY_S = 10;
const MAX_RETRY_S = 3600;
/** The spec asks the RP to answer promptly; an app that does not within this is retried. */
const DELIVERY_TIMEOUT_MS = 5000;
/** Without the queue: attempts after the response, and the waits between them (ms), within waitUntil's time. */
const IN_PROCESS_RETRY_MS = [1000, 3000];

/** One app to tell that one session ended: what the queue carries. */
export type LogoutMessage = Logout;

/** What one delivery attempt came to. */
type Outcome =
  | { kind: "delivered"; status: number }
  /** Nothing to send (the client is gone, or no longer registers a URI): final, not a failure. */
  | { kind: "skipped"; why: string }
  | { kind: "failed"; status?: number; error?: string };

/** What delivery needs: the config (issuer), a store to re-read clients and write the audit, the signing keys. */
export type DeliveryServices = Pick<Services, "config" | "store" | "signingKeys">;

/** The delay before attempt `attempts + 1` (s). `firstRetryS` 0 (tests): at once. */
export const retryDelaySeconds = (attempts: number, firstRetryS = FIRST_RETRY_S): number =>
  Math.min(firstRetryS * 3 ** Math.max(attempts - 1, 0), MAX_RETRY_S);

/** A URI Fedgate may post to: http(s) only (the admin API allows https, or http on a loopback host). */
function deliverable(uri: string | undefined): URL | undefined {
  if (!uri || !URL.canParse(uri)) return undefined;
  const url = new URL(uri);
  return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
}

/**
 * Sends one message per app of the session that registered a back-channel logout URI; returns their
 * client ids. A client that cannot be read now gets a message too (the consumer reads it again).
 * Never throws: ending the session has already happened.
 */
export async function queueBackchannelLogouts(c: Context<AppEnv>, session: BrokerSession): Promise<string[]> {
  const log = c.get("log");
  const reads = await Promise.allSettled(session.clients.map(({ clientId }) => findClient(c.get("store"), clientId)));
  const clientIds = session.clients.map(({ clientId }) => clientId).filter((_, i) => {
    const read = reads[i]!;
    if (read.status === "rejected") return true;
    const client: Client | null = read.value;
    return client !== null && client.projectId === session.projectId && deliverable(client.backchannelLogoutUri) !== undefined;
  });
  if (clientIds.length === 0) return [];
  const messages: LogoutMessage[] = clientIds.map((clientId) => ({ projectId: session.projectId, clientId, userId: session.userId, sessionId: session.id }));
  const queue = c.env.LOGOUT_QUEUE;
  if (queue) {
    try {
      await queue.sendBatch(messages.map((body) => ({ body, contentType: "json" as const })));
      return clientIds;
    } catch (error) {
      log.error("logout queue refused the back-channel logouts; delivering after the response", { sessionId: session.id, clients: clientIds, ...describeError(error) });
    }
  } else {
    log.info("no logout queue: delivering back-channel logouts after the response", { sessionId: session.id, clients: clientIds });
  }
  const services = { config: c.get("config"), store: c.get("backgroundStore"), signingKeys: c.get("signingKeys") };
  const delivery = deliverInProcess(messages, services, log, c.get("requestId"));
  try {
    c.executionCtx.waitUntil(delivery);
  } catch {
    // No execution context (a caller outside a request): the delivery runs on as far as the isolate lets it.
  }
  return clientIds;
}

/** The fallback: each message tried up to 1 + IN_PROCESS_RETRY_MS.length times, all in parallel; the outcome audited. */
async function deliverInProcess(messages: LogoutMessage[], services: DeliveryServices, log: Logger, requestId: string): Promise<void> {
  const events = await Promise.all(messages.map(async (message) => {
    let attempts = 0;
    for (;;) {
      attempts++;
      const outcome = await attempt(message, services, log);
      const last = attempts > IN_PROCESS_RETRY_MS.length;
      if (outcome.kind !== "failed" || last) return eventOf(message, outcome, attempts, requestId, log);
      await new Promise((resolve) => setTimeout(resolve, IN_PROCESS_RETRY_MS[attempts - 1]));
    }
  }));
  await writeEvents(services, events, log);
}

/** Whether a queue message body is a logout message (anything else is acknowledged and logged). */
function isLogoutMessage(body: unknown): body is LogoutMessage {
  const m = body as Partial<LogoutMessage> | null;
  return typeof m === "object" && m !== null && [m.projectId, m.clientId, m.userId, m.sessionId].every((field) => typeof field === "string");
}

/**
 * The logout queue's consumer: delivers each message; acks what was delivered or has nothing to
 * deliver, retries a failure with a growing delay, and after MAX_ATTEMPTS audits the failure and
 * lets it go. `firstRetryS` overrides the first retry's delay (tests: 0).
 */
export async function deliverBackchannelLogouts(batch: MessageBatch<unknown>, services: DeliveryServices, log: Logger, firstRetryS?: number): Promise<void> {
  const events = await Promise.all(batch.messages.map(async (message) => {
    if (!isLogoutMessage(message.body)) {
      log.error("logout queue message is not a back-channel logout", { messageId: message.id });
      message.ack();
      return undefined;
    }
    const outcome = await attempt(message.body, services, log);
    if (outcome.kind === "failed" && message.attempts < MAX_ATTEMPTS) {
      const delaySeconds = retryDelaySeconds(message.attempts, firstRetryS);
      log.warn("back-channel logout failed; retrying", { ...message.body, attempts: message.attempts, delaySeconds, ...outcome });
      message.retry({ delaySeconds });
      return undefined;
    }
    message.ack();
    return eventOf(message.body, outcome, message.attempts, message.id, log);
  }));
  await writeEvents(services, events, log);
}

/** One attempt: re-reads the client, mints a fresh logout token and posts it. */
async function attempt(message: LogoutMessage, services: DeliveryServices, log: Logger): Promise<Outcome> {
  let client: Client | null;
  try {
    // Not the isolate's cache: a client deleted, or its URI removed, a moment ago is told nothing.
    client = (await readClient(services.store, message.projectId, message.clientId))?.value ?? null;
  } catch (error) {
    return { kind: "failed", error: `reading the client failed: ${String(error)}` };
  }
  if (!client || client.projectId !== message.projectId) return { kind: "skipped", why: "the client no longer exists" };
  const uri = deliverable(client.backchannelLogoutUri);
  if (!uri) return { kind: "skipped", why: "the client no longer registers a back-channel logout URI" };
  let logoutToken: string;
  try {
    const signer = await services.signingKeys.signer(client.idTokenSignedResponseAlg ?? services.config.defaultIdTokenAlg);
    ({ token: logoutToken } = await mintLogoutToken(signer, services.config.issuer, message));
  } catch (error) {
    log.error("could not sign a logout token", { ...message, ...describeError(error) });
    return { kind: "failed", error: "signing the logout token failed" };
  }
  try {
    const response = await fetch(uri, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({ logout_token: logoutToken }).toString(),
      // A redirect is not an answer (§2.8): the app is told where it said, or not at all.
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? { kind: "delivered", status: response.status } : { kind: "failed", status: response.status };
  } catch (error) {
    const name = (error as Error | null)?.name;
    return { kind: "failed", error: name === "TimeoutError" || name === "AbortError" ? `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s` : String(error) };
  }
}

/** The audit event of a final outcome (a skip is only logged); `requestId`: the queue message's id, or the request that ended the session. */
function eventOf(message: LogoutMessage, outcome: Outcome, attempts: number, requestId: string, log: Logger): AuditEvent | undefined {
  if (outcome.kind === "skipped") {
    log.info("back-channel logout not sent", { ...message, why: outcome.why });
    return undefined;
  }
  const failed = outcome.kind === "failed";
  if (failed) log.error("back-channel logout failed; giving up", { ...message, attempts, ...outcome });
  const now = Date.now();
  return {
    id: auditEventId(now), at: new Date(now).toISOString(), projectId: message.projectId,
    actor: { kind: "system", job: "backchannel-logout" }, action: "session.backchannel-logout",
    target: { type: "session", id: message.sessionId }, outcome: failed ? "failure" : "success",
    after: { clientId: message.clientId, userId: message.userId, attempts, ...(outcome.status === undefined ? {} : { status: outcome.status }) },
    ...(failed ? { reason: outcome.status === undefined ? (outcome.error ?? "no answer") : `the app answered ${outcome.status}` } : {}),
    ip: null, requestId,
  };
}

async function writeEvents(services: DeliveryServices, events: (AuditEvent | undefined)[], log: Logger): Promise<void> {
  const written = events.filter((event): event is AuditEvent => event !== undefined);
  if (written.length === 0) return;
  try {
    await writeAuditEvents(services.store, written);
  } catch (error) {
    // The deliveries are done (or given up); retrying them to keep their record would tell apps twice.
    log.error("audit append failed", { events: written, ...describeError(error) });
  }
}
