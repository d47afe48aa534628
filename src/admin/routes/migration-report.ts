/** The legacy-token report of a project (security/migration-report.ts), counted from its audit log when asked for. */
import * as z from "zod/mini";
import { Problem } from "../../errors";
import { migrationReport } from "../../security/migration-report";
import { operation } from "../openapi";
import { projectInPath } from "./scope";

const DAY_MS = 86_400_000;
/** Days the report covers unless told; the most it covers at once. */
const DEFAULT_DAYS = 7;
const MAX_DAYS = 31;

const day = (description: string) =>
  z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date, e.g. 2026-12-03"), z.describe(description)));

const MigrationReportQuery = z.object({
  since: day(`The first day counted (UTC), included. Default: ${DEFAULT_DAYS - 1} days before \`until\`.`),
  until: day("The last day counted (UTC), included. Default: today."),
});

const count = (description: string) => z.int().check(z.gte(0), z.describe(description));

const MigrationRowView = z.object({
  client: z.nullable(
    z.object({
      kind: z.enum(["client", "upstream-client"]).check(z.describe("`client`: the Fedgate client that exchanged; `upstream-client`: the legacy provider's client the token was issued to (forward-auth).")),
      id: z.string(),
    }).check(z.describe("Who presented the legacy tokens; null when a refusal came before it was known.")),
  ),
  provider: z.nullable(z.string().check(z.describe("The identity provider that judged the tokens; null when a refusal came before one was found (an unknown issuer)."))),
  forwardAuth: count("Legacy tokens forward-auth accepted (`forward-auth.upstream`)."),
  exchanges: z.object({
    tokenExchange: count("Exchanged with the token-exchange grant (RFC 8693)."),
    jwtBearer: count("Exchanged with the JWT bearer grant (RFC 7523)."),
  }),
  refusals: z.array(z.object({ reason: z.string(), count: z.int() })).check(
    z.describe("Legacy tokens refused, by the reason's code (e.g. `audience_not_allowed`, `expired`, `unknown_issuer`), most frequent first; the audit log holds each refusal's full reason."),
  ),
  shadow: z.object({ wouldIssue: z.int(), wouldRefuse: z.int() }).check(
    z.describe("Dry runs of a provider whose exchange policy is `shadow`: exchanges that would have been issued, and refused. Not counted in `exchanges` or `refusals`."),
  ),
  distinctUsers: count("People whose legacy tokens were accepted here that day (or would have been, in shadow mode)."),
});

const MigrationReportView = z.object({
  projectId: z.string(),
  since: z.string(),
  until: z.string(),
  days: z.array(
    z.object({
      day: z.string().check(z.describe("YYYY-MM-DD (UTC).")),
      distinctUsers: count("People in the project who arrived with legacy tokens that day, by any client: when it stays at zero, the old provider can be switched off."),
      forwardAuth: count("The day's legacy tokens accepted at forward-auth."),
      exchanges: count("The day's exchanges, both grants."),
      refusals: count("The day's refused legacy tokens."),
      rows: z.array(MigrationRowView).check(z.describe("Per client and provider.")),
    }),
  ).check(z.describe("Every day of the range, oldest first; a day without legacy traffic has no rows.")),
  totals: z.object({
    distinctUsers: count("People who arrived with legacy tokens in the range, each counted once."),
    forwardAuth: z.int(), exchanges: z.int(), refusals: z.int(),
  }),
  complete: z.boolean().check(z.describe("False when the range held more audit events than one report reads; then only events at or after `readFrom` were counted: ask for a shorter range.")),
  readFrom: z.optional(z.string()),
});

/** `text` (YYYY-MM-DD) as epoch ms, or a 400 naming `name` when it is no calendar date. */
function dayStart(name: string, text: string): number {
  const at = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== text) throw new Problem(400, "Bad Request", { description: `"${name}": ${text} is not a calendar date.` });
  return at;
}

/** The range asked for, defaults filled in; 400 when it is backwards or too long. */
function rangeOf(query: z.output<typeof MigrationReportQuery>): { since: string; until: string } {
  const until = query.until === undefined ? Math.floor(Date.now() / DAY_MS) * DAY_MS : dayStart("until", query.until);
  const since = query.since === undefined ? until - (DEFAULT_DAYS - 1) * DAY_MS : dayStart("since", query.since);
  if (since > until) throw new Problem(400, "Bad Request", { description: '"until": must not be before "since".' });
  if ((until - since) / DAY_MS + 1 > MAX_DAYS) throw new Problem(400, "Bad Request", { description: `"since": the report covers at most ${MAX_DAYS} days at once.` });
  const text = (at: number) => new Date(at).toISOString().slice(0, 10);
  return { since: text(since), until: text(until) };
}

export const migrationReportOperations = [
  operation({
    method: "get", path: "/projects/{projectId}/migration-report", tag: "Audit",
    summary: "Count the legacy (upstream) tokens still arriving, per day, client and provider",
    description:
      "Counted from the audit log when asked for (`token.exchange`, `forward-auth.upstream`): per UTC day, client and provider, the upstream tokens " +
      `accepted at forward-auth, exchanged, and refused by reason, and how many distinct people brought them. At most ${MAX_DAYS} days; ` +
      `the last ${DEFAULT_DAYS} by default. Days older than the audit log's retention (90 days) count nothing.`,
    query: MigrationReportQuery,
    responses: { 200: { description: "The report", schema: MigrationReportView } },
    load: projectInPath,
    handler: async (c, { target: project, query }) => c.json(await migrationReport(c.get("store"), project.id, rangeOf(query))),
  }),
];
