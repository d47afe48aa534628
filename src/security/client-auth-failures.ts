/**
 * Failed client authentication limits (SECURITY.md AB-7), at every endpoint that authenticates a
 * client (token, introspection, revocation, `/auth/verify` Basic), RATE_LIMIT_CLIENT_AUTH_FAILURES
 * (default 10 per 60 s).
 *
 * Only failures are counted, so the success path costs no store round trip: client_credentials
 * stays as cheap as it was. A failure counts in two exact store counters (`limit`, fixed windows):
 * per IP bucket (`clientIpBucket`) and, when the client id names a client, per client id. A failure
 * in a bucket over its limit is answered 429 with `Retry-After` instead of 401.
 *
 * An IP over its limit is also remembered by this isolate until its window resets, and every client
 * authentication from it here is refused with 429, correct credentials too, without a store call:
 * that is what stops one address guessing. Other isolates learn of it at the IP's next failure there.
 * A correct secret is never refused because others failed against its client id: anyone could lock
 * a client out. The per-client counter makes a distributed attack visible (audit) and answers it 429;
 * what makes guessing futile is the secret's 256 bits.
 *
 * Audited (AD-4) for a client id that names a client: each failure as `client.auth.failure` while
 * its client counter is within the limit (past it, one trip event stands for the rest, so that a
 * flood cannot push a project's history out of its audit log), and a limit's trip as
 * `client.auth.limit`, once per isolate and window. Failures naming no client are only logged.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import type { Client } from "../registry/clients";
import * as keys from "../store/keys";
import type { RateDecision } from "../store/store";
import { auditLater } from "./audit";
import { clientIpBucket } from "./rate-limit";

/** Keys remembered until a time, at most `max` of them (expired ones are swept first, then the oldest). */
class ExpiringKeys {
  private readonly until = new Map<string, number>();
  constructor(private readonly max = 10_000) {}

  /** Milliseconds until `key` is forgotten; 0 if it is not remembered. */
  remainingMs(key: string, now = Date.now()): number {
    const until = this.until.get(key);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.until.delete(key);
    return 0;
  }

  /** Remembers `key` until `until`; true if it was not remembered already. */
  add(key: string, until: number, now = Date.now()): boolean {
    if (this.remainingMs(key, now) > 0) return false;
    if (this.until.size >= this.max) {
      for (const [k, at] of this.until) if (at <= now) this.until.delete(k);
      if (this.until.size >= this.max) this.until.delete(this.until.keys().next().value!);
    }
    this.until.set(key, until);
    return true;
  }
}

/** IP buckets over the limit: refused in this isolate until their window resets. */
const blockedIps = new ExpiringKeys();
/** Client ids over the limit: only so that their trip is audited once per isolate and window. */
const trippedClients = new ExpiringKeys();

function tooMany(resetInMs: number, detail: string): Problem {
  const retryAfterS = Math.max(1, Math.ceil(resetInMs / 1000));
  return new Problem(429, "Too Many Requests", {
    description: `Too many failed client authentications; try again in ${retryAfterS} s.`,
    detail,
    headers: { "Retry-After": String(retryAfterS) },
  });
}

/** 429 when this isolate remembers the request's IP as over the failure limit; no store call. */
export function refuseBlockedIp(c: Context<AppEnv>): void {
  if (!c.get("config").rateLimits.clientAuthFailures) return;
  const remainingMs = blockedIps.remainingMs(clientIpBucket(c));
  if (remainingMs > 0) throw tooMany(remainingMs, "client authentication from an IP over its failure limit");
}

/**
 * Counts one failed client authentication (`client`: what the presented id names, or null), audits
 * it, and throws a 429 Problem when a counter is over the limit; returns when the caller should
 * answer its own 401.
 */
export async function countFailure(c: Context<AppEnv>, client: Client | null, reason: string): Promise<void> {
  const audit = (action: string, why: string, after?: Record<string, unknown>) => {
    if (client) auditLater(c, { projectId: client.projectId, actor: { kind: "client", clientId: client.id }, action, target: { type: "client", id: client.id }, outcome: "failure", reason: why, ...(after ? { after } : {}) });
  };
  const policy = c.get("config").rateLimits.clientAuthFailures;
  if (!policy) return audit("client.auth.failure", reason);
  const ip = clientIpBucket(c);
  const limit = { limit: policy.limit, windowMs: policy.windowS * 1000 };
  const [byIp, byClient] = await Promise.all([
    c.get("store").limit(keys.rateWindow("client-auth-ip", ip), limit),
    client ? c.get("store").limit(keys.rateWindow("client-auth-client", client.id), limit) : null,
  ]);
  const now = Date.now();
  if (byClient?.allowed) audit("client.auth.failure", reason);
  const trip = (counter: "ip" | "client", decision: RateDecision) => {
    const retryAfterS = Math.max(1, Math.ceil(decision.resetInMs / 1000));
    const why = `over ${policy.limit} failed client authentications per ${policy.windowS} s ${counter === "ip" ? "from this IP" : "against this client id"}`;
    audit("client.auth.limit", why, { counter, ...(counter === "ip" ? { bucket: ip } : {}), retryAfterS });
    c.get("log").warn("client authentication failure limit tripped", { counter, bucket: counter === "ip" ? ip : client?.id, retryAfterS });
  };
  if (!byIp.allowed && blockedIps.add(ip, now + byIp.resetInMs, now)) trip("ip", byIp);
  if (client && byClient && !byClient.allowed && trippedClients.add(client.id, now + byClient.resetInMs, now)) trip("client", byClient);
  const refused = [byIp, byClient].filter((decision): decision is RateDecision => decision !== null && !decision.allowed);
  if (refused.length > 0) {
    throw tooMany(Math.max(...refused.map((decision) => decision.resetInMs)), `client authentication failure limit (${byIp.allowed ? "client id" : "IP"}): ${reason}`);
  }
}
