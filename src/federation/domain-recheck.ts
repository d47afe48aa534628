/**
 * The cron trigger's re-check of DNS-verified domain claims. Each run takes the next RECHECK_BATCH
 * entries of the platform partition's list (registry/domain-proofs.ts `nextDnsProofs`, resuming where
 * the previous run stopped) and resolves each one's challenge record again:
 * - the record is there: nothing changes;
 * - the name is gone (NXDOMAIN) or no TXT record carries the token: the claim becomes unverified
 *   (compare-and-set, only if still verified by that same token) and `domain.unverify` is audited
 *   with the reason;
 * - the resolver gives no usable answer: nothing changes, the outage is logged, the next pass retries.
 * Claims verified by the operator are not listed, so never re-checked: the operator's word is the override.
 */
import type { Logger } from "../log";
import { carriesChallenge, challengeRecordName, dropDnsProofEntry, nextDnsProofs, saveRecheckCursor } from "../registry/domain-proofs";
import { entryOf, getDomainClaim, verificationOf, withdrawDomainVerification, type DnsProofEntry } from "../registry/domains";
import type { AuditEvent } from "../security/audit-event";
import { auditEventId, writeAuditEvents } from "../security/audit-log";
import type { Store } from "../store/store";
import { lookupTxt } from "./dns-over-https";
import { UpstreamUnavailableError, upstreamFetch, type Fetch } from "./upstream-failure";

/** Claims re-checked per run (each at most one resolver request of ≤ 5 s), and how many at once. */
export const RECHECK_BATCH = 25;
const PARALLEL = 5;
/** An entry whose claim is not DNS-verified is dropped only once this old: a verification may be between its two writes. */
const STALE_ENTRY_MS = 10 * 60_000;

export interface RecheckReport {
  /** Claims whose record was found again. */
  kept: number;
  /** Claims made unverified because their record is gone. */
  withdrawn: number;
  /** Claims left as they were because the resolver gave no usable answer. */
  unavailable: number;
  /** Entries dropped because their claim is no longer verified by DNS. */
  dropped: number;
}

type Outcome = keyof RecheckReport | "skipped";

/** Re-checks the next batch of DNS-verified claims; `now` is the run's time. */
export async function recheckDnsProofs(
  store: Store, resolver: string, log: Logger, options: { now?: Date; limit?: number; fetch?: Fetch } = {},
): Promise<RecheckReport> {
  const now = options.now ?? new Date();
  const fetch = options.fetch ?? upstreamFetch();
  const runId = `cron-${crypto.randomUUID()}`;
  const { entries, resumeAfter } = await nextDnsProofs(store, options.limit ?? RECHECK_BATCH);
  const report: RecheckReport = { kept: 0, withdrawn: 0, unavailable: 0, dropped: 0 };
  const events: AuditEvent[] = [];
  for (let start = 0; start < entries.length; start += PARALLEL) {
    const outcomes = await Promise.all(entries.slice(start, start + PARALLEL).map((entry) => recheck(entry)));
    for (const outcome of outcomes) if (outcome !== "skipped") report[outcome]++;
  }
  try {
    await writeAuditEvents(store, events);
  } catch (error) {
    // The withdrawals are done; losing their record must be loud (as for admin changes, security/audit.ts).
    log.error("audit append failed", { events, error: String(error) });
  }
  await saveRecheckCursor(store, resumeAfter, now.toISOString());
  return report;

  async function recheck(entry: DnsProofEntry): Promise<Outcome> {
    const { domain, projectId } = entry;
    const claim = await getDomainClaim(store, domain);
    const mine = entryOf(claim, projectId);
    if (verificationOf(claim, projectId) !== "dns" || !mine?.token) {
      if (now.getTime() - Date.parse(entry.at) < STALE_ENTRY_MS) return "skipped";
      await dropDnsProofEntry(store, entry);
      return "dropped";
    }
    const name = challengeRecordName(domain);
    let answer;
    try {
      answer = await lookupTxt(resolver, name, fetch);
    } catch (error) {
      if (!(error instanceof UpstreamUnavailableError)) throw error;
      log.warn("domain re-check: resolver unavailable, claim left as it is", { domain, projectId, detail: error.detail });
      return "unavailable";
    }
    if (carriesChallenge(answer.texts, mine.token)) return "kept";
    if (!(await withdrawDomainVerification(store, projectId, domain, { method: "dns", token: mine.token }))) return "skipped";
    const reason = answer.status === "NXDOMAIN"
      ? `DNS re-check: ${name} no longer exists (NXDOMAIN)`
      : `DNS re-check: no TXT record of ${name} carries the challenge (${answer.texts.length} TXT record(s) found)`;
    log.info("domain re-check: verification withdrawn", { domain, projectId, reason });
    const at = Date.now();
    events.push({
      id: auditEventId(at), at: new Date(at).toISOString(), projectId, actor: { kind: "system", job: "domain-recheck" },
      action: "domain.unverify", target: { type: "domain", id: domain }, outcome: "success",
      before: { verified: true, method: "dns" }, after: { verified: false }, reason, ip: null, requestId: runId,
    });
    return "withdrawn";
  }
}
