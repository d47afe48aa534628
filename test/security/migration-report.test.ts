/**
 * The legacy-token report's counting (security/migration-report.ts) over events as the token paths
 * write them: refusal reasons counted by their code, the two grants apart, forward-auth under the
 * upstream client, people counted once per row, per day and per range, other events and days ignored.
 */
import { describe, expect, it } from "vitest";
import type { AuditEvent } from "../../src/security/audit-event";
import { MigrationTally, reasonCode } from "../../src/security/migration-report";

const P = "prj_aaaaaaaaaaaaaaaa";
const CLIENT = `${P}.bbbbbbbbbbbbbbbbbbbb`;
let n = 0;

function event(at: string, fields: Partial<AuditEvent> & Pick<AuditEvent, "action" | "target">): AuditEvent {
  return { id: String(n++), at, projectId: P, actor: { kind: "client", clientId: CLIENT }, outcome: "success", ip: null, requestId: "r", ...fields };
}
const exchange = (at: string, userId: string, after: Record<string, unknown> = {}) =>
  event(at, { action: "token.exchange", target: { type: "user", id: userId }, after: { provider: "auth0", ...after } });
const refused = (at: string, reason: string, target = { type: "provider", id: "auth0" }, action = "token.exchange") =>
  event(at, { action, target, outcome: "failure", reason, after: { grant: "token-exchange" } });
const forwardAuth = (at: string, userId: string) =>
  event(at, { action: "forward-auth.upstream", actor: { kind: "user", userId }, target: { type: "user", id: userId }, after: { provider: "auth0", upstreamClientId: "up-1", audience: "https://api" } });

describe("reason codes", () => {
  it("counts a refusal by the most specific code its reason leads with", () => {
    expect(reasonCode('invalid: policy: audience_not_allowed: aud ["https://other.api"] names no API configured for exchange')).toBe("audience_not_allowed");
    expect(reasonCode('invalid: expired: "exp" claim timestamp check failed')).toBe("expired");
    expect(reasonCode('unknown_issuer: iss "https://evil.example/"')).toBe("unknown_issuer");
    expect(reasonCode("not_accepted: no candidate provider accepts opaque tokens")).toBe("not_accepted");
    expect(reasonCode("invalid: idp_abc2defg3hijk4lm: tokeninfo: client_not_allowed: aud is another app")).toBe("client_not_allowed");
    expect(reasonCode("unavailable: discovery: HTTP 502")).toBe("unavailable");
    expect(reasonCode("user_disabled")).toBe("user_disabled");
    expect(reasonCode("ID token replayed")).toBe("id_token_replayed");
    expect(reasonCode("unknown person: no user linked to the provider's subject")).toBe("unknown_person");
    expect(reasonCode('audience "https://other.api" not in the token\'s aud')).toBe("audience");
    expect(reasonCode("scope orders:read not granted")).toBe("scope");
    expect(reasonCode("first exchange of an ID token without email and email_verified")).toBe("first_exchange_of_an_id_token");
    expect(reasonCode(undefined)).toBe("unspecified");
  });
});

describe("the tally", () => {
  it("splits the grants, keeps forward-auth under the upstream client, and counts people once per row, day and range", () => {
    const tally = new MigrationTally(P, "2026-12-01", "2026-12-02");
    for (const e of [
      exchange("2026-12-01T08:00:00.000Z", "usr_a"),
      exchange("2026-12-01T09:00:00.000Z", "usr_a", { grant: "jwt-bearer" }),
      exchange("2026-12-01T10:00:00.000Z", "usr_b", { grant: "token-exchange" }),
      forwardAuth("2026-12-01T11:00:00.000Z", "usr_a"),
      refused("2026-12-01T12:00:00.000Z", "invalid: expired: too old"),
      refused("2026-12-01T12:30:00.000Z", "invalid: expired: too old"),
      refused("2026-12-01T13:00:00.000Z", "unknown_issuer: iss x", { type: "project", id: P }, "forward-auth.upstream"),
      forwardAuth("2026-12-02T23:59:59.999Z", "usr_a"),
      // Not counted: another action, another project, outside the range.
      event("2026-12-01T14:00:00.000Z", { action: "token.refresh", target: { type: "user", id: "usr_c" } }),
      { ...exchange("2026-12-01T15:00:00.000Z", "usr_d"), projectId: "prj_other" },
      exchange("2026-12-03T00:00:00.000Z", "usr_e"),
      exchange("2026-11-30T23:59:59.999Z", "usr_f"),
    ]) tally.add(e);
    const report = tally.report();
    expect(report.days.map((d) => [d.day, d.distinctUsers, d.forwardAuth, d.exchanges, d.refusals])).toEqual([
      ["2026-12-01", 2, 1, 3, 3],
      ["2026-12-02", 1, 1, 0, 0],
    ]);
    expect(report.days[0]!.rows).toEqual([
      { client: { kind: "client", id: CLIENT }, provider: "auth0", forwardAuth: 0, exchanges: { tokenExchange: 2, jwtBearer: 1 }, refusals: [{ reason: "expired", count: 2 }], shadow: { wouldIssue: 0, wouldRefuse: 0 }, distinctUsers: 2 },
      { client: { kind: "upstream-client", id: "up-1" }, provider: "auth0", forwardAuth: 1, exchanges: { tokenExchange: 0, jwtBearer: 0 }, refusals: [], shadow: { wouldIssue: 0, wouldRefuse: 0 }, distinctUsers: 1 },
      { client: null, provider: null, forwardAuth: 0, exchanges: { tokenExchange: 0, jwtBearer: 0 }, refusals: [{ reason: "unknown_issuer", count: 1 }], shadow: { wouldIssue: 0, wouldRefuse: 0 }, distinctUsers: 0 },
    ]);
    expect(report.totals).toEqual({ distinctUsers: 2, forwardAuth: 2, exchanges: 3, refusals: 3 });
    expect(report.complete).toBe(true);
    expect(tally.report(false)).toMatchObject({ complete: false, readFrom: "2026-11-30T23:59:59.999Z" });
  });
});
