/**
 * The console's legacy-token page over HTTP: the report the admin API counts from the project's audit
 * log, per day and per client and provider; the range passed to the API and a refused one named on
 * the form; another project's report refused to its non-admin (404).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { page } from "../helpers/console";
import { store } from "../helpers/oauth";
import type { AuditEvent } from "../../src/security/audit-event";
import { auditEventId, writeAuditEvents } from "../../src/security/audit-log";
import { consoleFixture, html } from "./fixture";

const fx = consoleFixture();
const DAY_MS = 86_400_000;
const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);
const CLIENT = "prj_aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbb";

function event(at: number, fields: Pick<AuditEvent, "action" | "target"> & Partial<AuditEvent>): AuditEvent {
  return { id: auditEventId(at), at: new Date(at).toISOString(), projectId: fx.mine.id, actor: { kind: "client", clientId: CLIENT }, outcome: "success", ip: null, requestId: crypto.randomUUID(), ...fields };
}

beforeAll(async () => {
  // As the grants and forward-auth record them: two exchanges (one per grant), a refusal, a forward-auth pass, yesterday's exchange.
  const now = Date.now();
  await writeAuditEvents(store, [
    event(now, { action: "token.exchange", target: { type: "user", id: "usr_dana" }, after: { grant: "token-exchange", provider: "auth0" } }),
    event(now, { action: "token.exchange", target: { type: "user", id: "usr_erik" }, after: { grant: "jwt-bearer", provider: "auth0" } }),
    event(now, { action: "token.exchange", target: { type: "provider", id: "auth0" }, outcome: "failure", reason: "invalid: policy: audience_not_allowed: aud [\"x\"]", after: { grant: "jwt-bearer" } }),
    event(now, { action: "forward-auth.upstream", actor: { kind: "user", userId: "usr_dana" }, target: { type: "user", id: "usr_dana" }, after: { provider: "auth0", upstreamClientId: "legacy-spa", audience: "https://api" } }),
    event(now - DAY_MS, { action: "token.exchange", target: { type: "user", id: "usr_dana" }, after: { grant: "token-exchange", provider: "auth0" } }),
  ]);
});

const reportPath = (projectId = fx.mine.id) => `/console/projects/${projectId}/migration-report`;
/** The text of each row of the table captioned `caption`, cells joined by " | ". */
function tableRows(text: string, caption: string): string[] {
  const table = new RegExp(`<caption[^>]*>${caption}</caption>([\\s\\S]*?)</table>`).exec(text)?.[1] ?? "";
  const body = /<tbody>([\s\S]*)<\/tbody>/.exec(table)?.[1] ?? "";
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((cell) => cell[1]!.replace(/<[^>]+>/g, "").replace(/\s+/g, " ").trim()).join(" | "),
  );
}

describe("console: legacy-token report", () => {
  it("shows the last 7 days per day, and per client and provider, in the project's navigation", async () => {
    const today = dayOf(Date.now());
    const yesterday = dayOf(Date.now() - DAY_MS);
    const shown = await html(await page(fx.setup, fx.adminCookie, reportPath()));
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('aria-current="page">Legacy tokens');
    expect(shown.text).toContain(`name="since" value="${dayOf(Date.now() - 6 * DAY_MS)}"`);
    expect(shown.text).toContain("2 people arrived with legacy tokens; 1 accepted at forward-auth, 3 exchanged, 1 refused.");
    const days = tableRows(shown.text, "Legacy tokens per day");
    expect(days).toHaveLength(7);
    expect(days.slice(0, 2)).toEqual([`${today} | 2 | 1 | 2 | 1`, `${yesterday} | 1 | 0 | 1 | 0`]);
    expect(tableRows(shown.text, "Legacy tokens by client and provider")).toEqual([
      `${today} | client ${CLIENT} | auth0 | 0 | 1 | 1 | audience_not_allowed: 1 | none | 2`,
      `${today} | upstream client legacy-spa (forward-auth) | auth0 | 1 | 0 | 0 | none | none | 1`,
      `${yesterday} | client ${CLIENT} | auth0 | 0 | 1 | 0 | none | none | 1`,
    ]);
  });

  it("reads the range typed, and names a range the API refuses on the form", async () => {
    const before = dayOf(Date.now() - 3 * DAY_MS);
    const quiet = await html(await page(fx.setup, fx.adminCookie, `${reportPath()}?since=${dayOf(Date.now() - 5 * DAY_MS)}&until=${before}`));
    expect(quiet.status).toBe(200);
    expect(tableRows(quiet.text, "Legacy tokens per day")).toHaveLength(3);
    expect(quiet.text).toContain("No legacy tokens arrived in this range.");
    const refused = await html(await page(fx.setup, fx.adminCookie, `${reportPath()}?since=2026-02-30`));
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/href="#field-since">From: /);
    expect(refused.text).toMatch(/id="field-since"[^>]*aria-invalid="true"/);
    expect(refused.text).toContain('value="2026-02-30"');
  });

  it("refuses another project's report to an admin of this one", async () => {
    expect((await page(fx.setup, fx.adminCookie, reportPath(fx.theirs.id))).status).toBe(404);
    expect((await page(fx.setup, fx.operatorCookie, reportPath(fx.theirs.id))).status).toBe(200);
  });
});
