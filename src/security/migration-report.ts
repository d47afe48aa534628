/**
 * The legacy-token report (issue 15): when can a project's old provider be switched off? Per day
 * (UTC), per client and provider, how many legacy (upstream) tokens arrived and what became of them:
 * accepted at forward-auth (`forward-auth.upstream`), exchanged (`token.exchange`, RFC 8693 or the
 * JWT bearer grant), refused (by the reason's code), and how many distinct people still arrive with
 * them. The audit log is the source of truth: the report is counted from it when asked for, so the
 * token paths write nothing more, and asking twice over a past range answers the same.
 */
import type { Store } from "../store/store";
import type { AuditEvent } from "./audit-event";
import { readAuditLog } from "./audit-log";

const DAY_MS = 86_400_000;
export const EXCHANGE_ACTION = "token.exchange";
export const FORWARD_AUTH_ACTION = "forward-auth.upstream";
/** Audit pages (of up to 200 events) one report may read: about 50,000 events, a bounded cost per request. */
const MAX_PAGES = 250;
const READ_SIZE = 200;

/** Who presented the legacy tokens: a Fedgate client (exchanges), or the upstream client a token was issued to (forward-auth). */
export interface LegacyClient {
  kind: "client" | "upstream-client";
  id: string;
}

export interface ReasonCount {
  reason: string;
  count: number;
}

/** One day's traffic of one client with one provider. */
export interface MigrationRow {
  /** `null` when the refusal came before the client was known (forward-auth). */
  client: LegacyClient | null;
  /** `null` when the refusal came before a provider was found (an unknown issuer, say). */
  provider: string | null;
  /** Upstream tokens forward-auth accepted. */
  forwardAuth: number;
  /** Upstream tokens exchanged, by grant. */
  exchanges: { tokenExchange: number; jwtBearer: number };
  /** Upstream tokens refused, by reason code, most frequent first. */
  refusals: ReasonCount[];
  /** Dry runs of a provider in shadow mode: what would have been exchanged, and refused. Not in the counts above. */
  shadow: { wouldIssue: number; wouldRefuse: number };
  /** People whose legacy tokens were accepted (forward-auth or exchange), or would have been (shadow mode). */
  distinctUsers: number;
}

export interface MigrationDay {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** People in the whole project who still arrived with legacy tokens that day: zero, day after day, means the old provider can go. */
  distinctUsers: number;
  forwardAuth: number;
  exchanges: number;
  refusals: number;
  rows: MigrationRow[];
}

export interface MigrationReport {
  projectId: string;
  since: string;
  until: string;
  /** Every day of the range, oldest first (a day without legacy traffic has no rows). */
  days: MigrationDay[];
  /** The whole range: people counted once however many days they came. */
  totals: { distinctUsers: number; forwardAuth: number; exchanges: number; refusals: number };
  /** False when the range held more events than one report reads: only events at or after `readFrom` were counted. */
  complete: boolean;
  readFrom?: string;
}

const CODE = /^[a-z][a-z_]*[a-z]$/;
const PROVIDER_ID = /^idp_[a-z2-7]+$/;
const MAX_REASON_WORDS = 6;

/**
 * A refusal's reason as a code to count by: reasons lead with codes, general to specific
 * (`invalid: policy: audience_not_allowed: aud [...]`), so the last code before the free text is the
 * one that says why; a provider id among them (an opaque token asked of several) is skipped. A
 * provider that could not be reached is `unavailable` whatever the transport said. A reason without a
 * code (`ID token replayed`) is its leading words (at most MAX_REASON_WORDS, before any value) in snake case.
 */
export function reasonCode(reason: string | undefined): string {
  if (!reason) return "unspecified";
  const parts = reason.split(": ");
  let code: string | undefined;
  for (const part of parts.slice(0, -1)) {
    if (PROVIDER_ID.test(part)) continue;
    if (!CODE.test(part)) break;
    code = part;
    if (code === "unavailable") return code;
  }
  if (code) return code;
  // Leading words only: what follows a quoted or punctuated value (`audience "https://…" not in …`) varies.
  const words: string[] = [];
  for (const word of parts[0]!.split(" ")) {
    if (!/^[A-Za-z_]+$/.test(word) || words.length === MAX_REASON_WORDS) break;
    words.push(word.toLowerCase());
  }
  return words.length > 0 ? words.join("_") : "unspecified";
}

interface RowTally {
  client: LegacyClient | null;
  provider: string | null;
  forwardAuth: number;
  tokenExchange: number;
  jwtBearer: number;
  refusals: Map<string, number>;
  wouldIssue: number;
  wouldRefuse: number;
  users: Set<string>;
}

interface DayTally {
  rows: Map<string, RowTally>;
  users: Set<string>;
}

const field = (value: unknown, name: string): string | undefined => {
  const found = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  return typeof found === "string" && found !== "" ? found : undefined;
};

const dayOf = (at: number): string => new Date(at).toISOString().slice(0, 10);

/** What one event says about legacy tokens, or undefined for any other event. */
function legacyFact(event: AuditEvent):
  | { client: LegacyClient | null; provider: string | null; kind: "forward-auth" | "token-exchange" | "jwt-bearer"; userId: string }
  | { client: LegacyClient | null; provider: string | null; kind: "refusal"; reason: string }
  | { client: LegacyClient | null; provider: string | null; kind: "shadow-issue"; userId: string | undefined }
  | { client: LegacyClient | null; provider: string | null; kind: "shadow-refusal" }
  | undefined {
  const exchange = event.action === EXCHANGE_ACTION;
  if (!exchange && event.action !== FORWARD_AUTH_ACTION) return undefined;
  const upstreamClient = field(event.after, "upstreamClientId");
  const client: LegacyClient | null = exchange
    ? event.actor.kind === "client" ? { kind: "client", id: event.actor.clientId } : null
    : upstreamClient ? { kind: "upstream-client", id: upstreamClient } : null;
  const shadow = typeof event.after === "object" && event.after !== null && (event.after as Record<string, unknown>)["shadow"] === true;
  if (event.outcome === "failure") {
    const provider = event.target.type === "provider" ? event.target.id : field(event.after, "provider") ?? null;
    return shadow ? { client, provider, kind: "shadow-refusal" } : { client, provider, kind: "refusal", reason: reasonCode(event.reason) };
  }
  // A shadow dry run for a person who would be created names no user yet.
  if (shadow) return { client, provider: field(event.after, "provider") ?? null, kind: "shadow-issue", userId: event.target.type === "user" ? event.target.id : undefined };
  if (event.target.type !== "user") return undefined;
  const kind = !exchange ? "forward-auth" : field(event.after, "grant") === "jwt-bearer" ? "jwt-bearer" : "token-exchange";
  return { client, provider: field(event.after, "provider") ?? null, kind, userId: event.target.id };
}

/** The UTC days from `since` to `until` (YYYY-MM-DD, both included). */
export function daysBetween(since: string, until: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${since}T00:00:00Z`); at <= Date.parse(`${until}T00:00:00Z`); at += DAY_MS) days.push(dayOf(at));
  return days;
}

/** Counts legacy-token events into a report; pure, so it can be given events by hand. */
export class MigrationTally {
  private readonly days = new Map<string, DayTally>();
  private readonly users = new Set<string>();
  private readFrom: number | undefined;

  constructor(
    private readonly projectId: string,
    private readonly since: string,
    private readonly until: string,
  ) {
    for (const day of daysBetween(since, until)) this.days.set(day, { rows: new Map(), users: new Set() });
  }

  /** Counts `event` if it is a legacy-token event of the project within the range. */
  add(event: AuditEvent): void {
    const at = Date.parse(event.at);
    if (Number.isNaN(at) || event.projectId !== this.projectId) return;
    this.readFrom = Math.min(this.readFrom ?? at, at);
    const fact = legacyFact(event);
    const day = this.days.get(dayOf(at));
    if (!fact || !day) return;
    const key = JSON.stringify([fact.client?.kind ?? null, fact.client?.id ?? null, fact.provider]);
    let row = day.rows.get(key);
    if (!row) {
      row = { client: fact.client, provider: fact.provider, forwardAuth: 0, tokenExchange: 0, jwtBearer: 0, refusals: new Map(), wouldIssue: 0, wouldRefuse: 0, users: new Set() };
      day.rows.set(key, row);
    }
    switch (fact.kind) {
      case "refusal":
        row.refusals.set(fact.reason, (row.refusals.get(fact.reason) ?? 0) + 1);
        return;
      case "shadow-refusal":
        row.wouldRefuse++;
        return;
      case "shadow-issue":
        row.wouldIssue++;
        if (fact.userId !== undefined) this.countUser(day, row, fact.userId);
        return;
      case "forward-auth":
        row.forwardAuth++;
        break;
      case "token-exchange":
        row.tokenExchange++;
        break;
      case "jwt-bearer":
        row.jwtBearer++;
        break;
    }
    this.countUser(day, row, fact.userId);
  }

  /** A person who arrived with a legacy token: in the row, the day and the range, once each. */
  private countUser(day: DayTally, row: RowTally, userId: string): void {
    row.users.add(userId);
    day.users.add(userId);
    this.users.add(userId);
  }

  /** The report; `complete` false says events before `readFrom` were not read. */
  report(complete = true): MigrationReport {
    const totals = { distinctUsers: this.users.size, forwardAuth: 0, exchanges: 0, refusals: 0 };
    const days = [...this.days].map(([day, tally]): MigrationDay => {
      const rows = [...tally.rows.values()].map(rowOf).toSorted(byClientAndProvider);
      const sum = (count: (row: MigrationRow) => number) => rows.reduce((total, row) => total + count(row), 0);
      const counts = {
        forwardAuth: sum((row) => row.forwardAuth),
        exchanges: sum((row) => row.exchanges.tokenExchange + row.exchanges.jwtBearer),
        refusals: sum((row) => row.refusals.reduce((total, refusal) => total + refusal.count, 0)),
      };
      totals.forwardAuth += counts.forwardAuth;
      totals.exchanges += counts.exchanges;
      totals.refusals += counts.refusals;
      return { day, distinctUsers: tally.users.size, ...counts, rows };
    });
    return {
      projectId: this.projectId, since: this.since, until: this.until, days, totals, complete,
      ...(complete || this.readFrom === undefined ? {} : { readFrom: new Date(this.readFrom).toISOString() }),
    };
  }
}

function rowOf(row: RowTally): MigrationRow {
  const refusals = [...row.refusals].map(([reason, count]) => ({ reason, count })).toSorted((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
  return {
    client: row.client, provider: row.provider, forwardAuth: row.forwardAuth,
    exchanges: { tokenExchange: row.tokenExchange, jwtBearer: row.jwtBearer }, refusals,
    shadow: { wouldIssue: row.wouldIssue, wouldRefuse: row.wouldRefuse }, distinctUsers: row.users.size,
  };
}

const sortKey = (row: MigrationRow) => `${row.client ? `${row.client.kind === "client" ? 0 : 1} ${row.client.id}` : "2"} ${row.provider ?? "~"}`;
const byClientAndProvider = (a: MigrationRow, b: MigrationRow) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0);

/**
 * The project's report for the UTC days `since`..`until` (YYYY-MM-DD, both included), read from its
 * audit log newest first; a range holding more than MAX_PAGES pages of events is reported as read so
 * far (`complete: false`, `readFrom`).
 */
export async function migrationReport(store: Store, projectId: string, range: { since: string; until: string }): Promise<MigrationReport> {
  const tally = new MigrationTally(projectId, range.since, range.until);
  const filter = { since: Date.parse(`${range.since}T00:00:00Z`), until: Date.parse(`${range.until}T00:00:00Z`) + DAY_MS };
  let cursor: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await readAuditLog(store, projectId, { limit: READ_SIZE, filter, ...(cursor ? { cursor } : {}) });
    for (const item of page.items) tally.add(item.value);
    cursor = page.cursor;
    if (!cursor) return tally.report();
  }
  return tally.report(false);
}
