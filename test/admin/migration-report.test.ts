/**
 * The legacy-token report (issue 15 item 3) over HTTP: real token exchanges at the emulators (two
 * people, two providers, two clients) and refusals of two kinds, counted exactly per day, client and
 * provider; forward-auth's `forward-auth.upstream` events, written to the project's audit log as the
 * gateway writes them, counted under the upstream client; the range (default, bounds, bad dates).
 */
import { decodeJwt } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/admin";
import { AUTH0_API, exchangeClient, exchangeProvider, exchangeToken, newProject, type ExchangeProvider } from "../helpers/exchange";
import { store, type ClientAuth } from "../helpers/oauth";
import { upstreamTokens } from "../helpers/upstream";
import type { AuditEvent } from "../../src/security/audit-event";
import { auditEventId, writeAuditEvents } from "../../src/security/audit-log";

const DAY_MS = 86_400_000;
const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

let project: { id: string; token: string };
let other: { id: string; token: string };
let auth0: ExchangeProvider;
let okta: ExchangeProvider;
/** A client that may exchange any of the project's providers' tokens, and one bound to Okta. */
let anyClient: ClientAuth;
let oktaClient: ClientAuth;
const users: Record<"alice" | "olivia", string> = { alice: "", olivia: "" };
let today: string;

const report = (query = "", token = project.token, projectId = project.id) => api(token, "GET", `/projects/${projectId}/migration-report${query}`);

async function exchanged(client: ClientAuth, accessToken: string): Promise<string> {
  const response = await exchangeToken(client, accessToken);
  if (response.status !== 200) throw new Error(`exchange: ${response.status} ${JSON.stringify(response.body)}`);
  return decodeJwt(response.body.access_token).sub!;
}

/** A `forward-auth.upstream` event as forward-auth records an upstream token it judged. */
function forwardAuthEvent(projectId: string, at: number, fields: Pick<AuditEvent, "target"> & Partial<AuditEvent>): AuditEvent {
  return {
    id: auditEventId(at), at: new Date(at).toISOString(), projectId, actor: { kind: "anonymous" }, action: "forward-auth.upstream",
    outcome: "success", ip: "203.0.113.7", requestId: crypto.randomUUID(), ...fields,
  };
}

beforeAll(async () => {
  [project, other] = await Promise.all([newProject("migrating"), newProject("another tenant")]);
  auth0 = await exchangeProvider(project, "auth0");
  okta = await exchangeProvider(project, "okta");
  anyClient = await exchangeClient(project);
  oktaClient = await exchangeClient(project, { providerId: okta.id });
  today = dayOf(Date.now());
  const tokenOf = (provider: ExchangeProvider, audience?: string) =>
    upstreamTokens(provider.upstream, { clientId: provider.upstreamClient.clientId, nonce: crypto.randomUUID(), ...(audience ? { audience } : {}) });

  // Successes: alice (Auth0) twice through the project-wide client; olivia (Okta) through both clients.
  users.alice = await exchanged(anyClient, (await tokenOf(auth0, AUTH0_API)).access_token);
  await exchanged(anyClient, (await tokenOf(auth0, AUTH0_API)).access_token);
  users.olivia = await exchanged(anyClient, (await tokenOf(okta)).access_token);
  await exchanged(oktaClient, (await tokenOf(okta)).access_token);
  // Refusals: two Auth0 tokens for an API not configured for exchange; an opaque token no provider accepts.
  for (let i = 0; i < 2; i++) expect((await exchangeToken(anyClient, (await tokenOf(auth0, "https://other.api")).access_token)).status).toBe(400);
  expect((await exchangeToken(anyClient, "an-opaque-token")).status).toBe(400);

  // Forward-auth's judged upstream tokens: alice twice and a new person today, a refusal, one yesterday,
  // one ten days ago, and one of another project today.
  const now = Date.now();
  const upstreamClientId = auth0.upstreamClient.clientId;
  const accepted = (userId: string, at = now) =>
    forwardAuthEvent(project.id, at, { target: { type: "user", id: userId }, after: { provider: auth0.id, upstreamClientId, audience: AUTH0_API } });
  await writeAuditEvents(store, [
    accepted(users.alice), accepted(users.alice), accepted("usr_someoneelse0000000000"),
    forwardAuthEvent(project.id, now, { target: { type: "provider", id: auth0.id }, outcome: "failure", reason: "invalid: expired: \"exp\" claim timestamp check failed", after: { upstreamClientId } }),
    accepted(users.alice, now - DAY_MS),
    accepted(users.olivia, now - 10 * DAY_MS),
    forwardAuthEvent(other.id, now, { target: { type: "user", id: users.alice }, after: { provider: "auth0", upstreamClientId, audience: AUTH0_API } }),
  ]);
  // The exchanges' events reach the log through the audit queue: wait for it to settle.
  await api(project.token, "GET", `/projects/${project.id}/audit?limit=200`);
}, 60_000);

describe("the legacy-token report", () => {
  it("counts each client's exchanges and refusals per provider, forward-auth per upstream client, and the people", async () => {
    const { status, body } = await report();
    expect(status).toBe(200);
    const day = body.days.find((d: { day: string }) => d.day === today);
    expect(day).toEqual({
      day: today, distinctUsers: 3, forwardAuth: 3, exchanges: 4, refusals: 4,
      rows: [
        { client: { kind: "client", id: anyClient.id }, provider: auth0.id, forwardAuth: 0, exchanges: { tokenExchange: 2, jwtBearer: 0 }, refusals: [{ reason: "audience_not_allowed", count: 2 }], distinctUsers: 1 },
        { client: { kind: "client", id: anyClient.id }, provider: okta.id, forwardAuth: 0, exchanges: { tokenExchange: 1, jwtBearer: 0 }, refusals: [], distinctUsers: 1 },
        { client: { kind: "client", id: anyClient.id }, provider: null, forwardAuth: 0, exchanges: { tokenExchange: 0, jwtBearer: 0 }, refusals: [{ reason: "not_accepted", count: 1 }], distinctUsers: 0 },
        { client: { kind: "client", id: oktaClient.id }, provider: okta.id, forwardAuth: 0, exchanges: { tokenExchange: 1, jwtBearer: 0 }, refusals: [], distinctUsers: 1 },
        { client: { kind: "upstream-client", id: auth0.upstreamClient.clientId }, provider: auth0.id, forwardAuth: 3, exchanges: { tokenExchange: 0, jwtBearer: 0 }, refusals: [{ reason: "expired", count: 1 }], distinctUsers: 2 },
      ],
    });
    expect(new Set([users.alice, users.olivia]).size).toBe(2);
  });

  it("covers the last 7 days by default, every day listed oldest first, and answers the same when asked again", async () => {
    const first = await report();
    const yesterday = dayOf(Date.now() - DAY_MS);
    expect(first.body.since).toBe(dayOf(Date.now() - 6 * DAY_MS));
    expect(first.body.until).toBe(today);
    expect(first.body.days.map((d: { day: string }) => d.day)).toEqual(Array.from({ length: 7 }, (_, i) => dayOf(Date.now() - (6 - i) * DAY_MS)));
    expect(first.body.days.find((d: { day: string }) => d.day === yesterday)).toMatchObject({ distinctUsers: 1, forwardAuth: 1, exchanges: 0, refusals: 0 });
    // alice came on both days: the range counts her once; the event ten days ago is outside it.
    expect(first.body.totals).toEqual({ distinctUsers: 3, forwardAuth: 4, exchanges: 4, refusals: 4 });
    expect(first.body.complete).toBe(true);
    expect((await report()).body).toEqual(first.body);
  });

  it("reads the range asked for, and only the project's own events", async () => {
    const tenDaysAgo = dayOf(Date.now() - 10 * DAY_MS);
    const then = await report(`?since=${tenDaysAgo}&until=${tenDaysAgo}`);
    expect(then.body.days).toEqual([
      {
        day: tenDaysAgo, distinctUsers: 1, forwardAuth: 1, exchanges: 0, refusals: 0,
        rows: [{ client: { kind: "upstream-client", id: auth0.upstreamClient.clientId }, provider: auth0.id, forwardAuth: 1, exchanges: { tokenExchange: 0, jwtBearer: 0 }, refusals: [], distinctUsers: 1 }],
      },
    ]);
    expect((await report(`?since=${dayOf(Date.now() - 30 * DAY_MS)}`)).body.totals).toEqual({ distinctUsers: 3, forwardAuth: 5, exchanges: 4, refusals: 4 });
    const theirs = await report("", other.token, other.id);
    expect(theirs.body.totals).toEqual({ distinctUsers: 1, forwardAuth: 1, exchanges: 0, refusals: 0 });
    expect((await report("", other.token)).status).toBe(404);
  });

  it("refuses a range that is not calendar dates, is backwards, or is longer than 31 days, as problem+json", async () => {
    for (const query of ["?since=2026-02-30", "?until=yesterday", "?since=2026-12-10&until=2026-12-01", "?since=2026-10-01&until=2026-12-01"]) {
      const refused = await report(query);
      expect(refused.status, query).toBe(400);
      expect(refused.headers.get("Content-Type"), query).toContain("application/problem+json");
      expect(refused.body.detail, query).toMatch(/"(since|until)"/);
    }
    expect((await report("?since=2026-11-01&until=2026-12-01")).status).toBe(200);
  });
});
