/**
 * The legacy-token report (issue 15 item 3) over HTTP: real traffic with the emulators' tokens (two
 * people, two providers, two clients: token exchange, the JWT bearer grant, upstream tokens at
 * forward-auth) and refusals of three kinds, counted exactly per day, client and provider; earlier
 * days' `forward-auth.upstream` events written to the log as the gateway writes them; the range
 * (default, bounds, bad dates) and the project's own events only.
 */
import { decodeJwt } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/admin";
import { AUTH0_API, EXCHANGE, exchangeClient, exchangeProvider, exchangeToken, newProject, type ExchangeProvider } from "../helpers/exchange";
import { store, tokenRequest, type ClientAuth } from "../helpers/oauth";
import { upstreamTokens } from "../helpers/upstream";
import { call } from "../helpers/worker";
import type { AuditEvent } from "../../src/security/audit-event";
import { auditEventId, writeAuditEvents } from "../../src/security/audit-log";

const DAY_MS = 86_400_000;
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
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

async function exchanged(client: ClientAuth, accessToken: string, grant: "token-exchange" | "jwt-bearer" = "token-exchange"): Promise<string> {
  const response = grant === "jwt-bearer" ? await tokenRequest({ grant_type: JWT_BEARER, assertion: accessToken }, client) : await exchangeToken(client, accessToken);
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
  anyClient = await exchangeClient(project, { grantTypes: [EXCHANGE, JWT_BEARER, "refresh_token"] });
  oktaClient = await exchangeClient(project, { providerId: okta.id });
  today = dayOf(Date.now());
  const tokenOf = (provider: ExchangeProvider, audience?: string) =>
    upstreamTokens(provider.upstream, { clientId: provider.upstreamClient.clientId, nonce: crypto.randomUUID(), ...(audience ? { audience } : {}) });

  // Exchanges: alice (Auth0) twice through the project-wide client; olivia (Okta) through it by each
  // grant, and through the Okta client.
  users.alice = await exchanged(anyClient, (await tokenOf(auth0, AUTH0_API)).access_token);
  await exchanged(anyClient, (await tokenOf(auth0, AUTH0_API)).access_token);
  users.olivia = await exchanged(anyClient, (await tokenOf(okta)).access_token);
  await exchanged(anyClient, (await tokenOf(okta)).access_token, "jwt-bearer");
  await exchanged(oktaClient, (await tokenOf(okta)).access_token);
  // Refusals: two Auth0 tokens for an API not configured for exchange; an opaque token no provider accepts.
  for (let i = 0; i < 2; i++) expect((await exchangeToken(anyClient, (await tokenOf(auth0, "https://other.api")).access_token)).status).toBe(400);
  expect((await exchangeToken(anyClient, "an-opaque-token")).status).toBe(400);

  // The gateway: alice's Auth0 tokens twice, olivia's Okta token once, and an Auth0 token for another API.
  const current = await api(project.token, "GET", `/projects/${project.id}`);
  const patched = await api(project.token, "PATCH", `/projects/${project.id}`, { forwardAuth: { acceptUpstreamTokens: true } }, { "If-Match": current.headers.get("ETag")! });
  expect(patched.status).toBe(200);
  const verify = async (token: string) => (await call(`/auth/verify?project=${project.id}`, { headers: { Authorization: `Bearer ${token}` } })).status;
  for (let i = 0; i < 2; i++) expect(await verify((await tokenOf(auth0, AUTH0_API)).access_token)).toBe(200);
  expect(await verify((await tokenOf(okta)).access_token)).toBe(200);
  expect(await verify((await tokenOf(auth0, "https://other.api")).access_token)).toBe(401);

  // Earlier days' gateway events (no request can be made in the past): alice yesterday, olivia ten
  // days ago; and alice in another project today.
  const now = Date.now();
  const upstreamClientId = auth0.upstreamClient.clientId;
  const accepted = (userId: string, at: number, projectId = project.id) =>
    forwardAuthEvent(projectId, at, { target: { type: "user", id: userId }, after: { provider: auth0.id, upstreamClientId, audience: AUTH0_API } });
  await writeAuditEvents(store, [accepted(users.alice, now - DAY_MS), accepted(users.olivia, now - 10 * DAY_MS), accepted(users.alice, now, other.id)]);
  // The exchanges' events reach the log through the audit queue: wait for it to settle.
  await api(project.token, "GET", `/projects/${project.id}/audit?limit=200`);
}, 60_000);

describe("the legacy-token report", () => {
  it("counts each client's exchanges and refusals per provider, forward-auth per upstream client, and the people", async () => {
    const { status, body } = await report();
    expect(status).toBe(200);
    const day = body.days.find((d: { day: string }) => d.day === today);
    expect({ ...day, rows: undefined }).toEqual({ day: today, distinctUsers: 2, forwardAuth: 3, exchanges: 5, refusals: 4, rows: undefined });
    const row = (client: { kind: string; id: string } | null, provider: string | null, counts: { forwardAuth?: number; tokenExchange?: number; jwtBearer?: number; refusals?: [string, number][]; distinctUsers?: number }) => ({
      client, provider, forwardAuth: counts.forwardAuth ?? 0, exchanges: { tokenExchange: counts.tokenExchange ?? 0, jwtBearer: counts.jwtBearer ?? 0 },
      refusals: (counts.refusals ?? []).map(([reason, count]) => ({ reason, count })), shadow: { wouldIssue: 0, wouldRefuse: 0 }, distinctUsers: counts.distinctUsers ?? 0,
    });
    const expected = [
      row({ kind: "client", id: anyClient.id }, auth0.id, { tokenExchange: 2, refusals: [["audience_not_allowed", 2]], distinctUsers: 1 }),
      row({ kind: "client", id: anyClient.id }, okta.id, { tokenExchange: 1, jwtBearer: 1, distinctUsers: 1 }),
      row({ kind: "client", id: anyClient.id }, null, { refusals: [["not_accepted", 1]] }),
      row({ kind: "client", id: oktaClient.id }, okta.id, { tokenExchange: 1, distinctUsers: 1 }),
      row({ kind: "upstream-client", id: auth0.upstreamClient.clientId }, auth0.id, { forwardAuth: 2, distinctUsers: 1 }),
      row({ kind: "upstream-client", id: okta.upstreamClient.clientId }, okta.id, { forwardAuth: 1, distinctUsers: 1 }),
      // Refused at the gateway before its client was known.
      row(null, auth0.id, { refusals: [["audience_not_allowed", 1]] }),
    ];
    expect(day.rows).toHaveLength(expected.length);
    expect(day.rows).toEqual(expect.arrayContaining(expected));
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
    expect(first.body.totals).toEqual({ distinctUsers: 2, forwardAuth: 4, exchanges: 5, refusals: 4 });
    expect(first.body.complete).toBe(true);
    expect((await report()).body).toEqual(first.body);
  });

  it("reads the range asked for, and only the project's own events", async () => {
    const tenDaysAgo = dayOf(Date.now() - 10 * DAY_MS);
    const then = await report(`?since=${tenDaysAgo}&until=${tenDaysAgo}`);
    expect(then.body.days).toEqual([
      {
        day: tenDaysAgo, distinctUsers: 1, forwardAuth: 1, exchanges: 0, refusals: 0,
        rows: [{ client: { kind: "upstream-client", id: auth0.upstreamClient.clientId }, provider: auth0.id, forwardAuth: 1, exchanges: { tokenExchange: 0, jwtBearer: 0 }, refusals: [], shadow: { wouldIssue: 0, wouldRefuse: 0 }, distinctUsers: 1 }],
      },
    ]);
    expect((await report(`?since=${dayOf(Date.now() - 30 * DAY_MS)}`)).body.totals).toEqual({ distinctUsers: 2, forwardAuth: 5, exchanges: 5, refusals: 4 });
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
