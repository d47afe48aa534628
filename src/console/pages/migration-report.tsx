/**
 * A project's legacy-token report (`/console/projects/<id>/migration-report`): per UTC day, the people
 * still arriving with the old provider's tokens, and per client and provider the tokens accepted at
 * forward-auth, exchanged and refused, read from the admin API (`GET …/migration-report`), which
 * counts them from the audit log. The range goes to the API as typed; a range it refuses is named on
 * the form.
 */
import { pageError, type ApiProblem } from "../admin-client";
import { ErrorSummary, errorsFromProblem, TextField, type FieldErrors } from "../forms";
import { ConsolePage } from "../layout";
import { RecordTable, type Column } from "../lists";
import type { ConsolePages } from "../page";
import { projectOf } from "../project";
import type { MigrationDay, MigrationReport, MigrationRow } from "../../security/migration-report";

const LABELS: Record<string, string> = { since: "From", until: "Until" };

/** The API's refusal as messages per field: its detail names each bad parameter ("a": …; "b": …). */
function rangeErrors(problem: ApiProblem): FieldErrors {
  const errors = (problem.detail ?? "").split(/; (?=")/).flatMap((part) => {
    const named = /^"([^"]+)": ([\s\S]*)$/.exec(part);
    return named ? [{ path: named[1]!, message: named[2]! }] : [];
  });
  return errorsFromProblem(errors.length > 0 ? { ...problem, errors } : problem, { since: "since", until: "until" });
}

/** A row's day, with the row, for the table of rows across days. */
type DayRow = MigrationRow & { day: string };

const clientText = (client: MigrationRow["client"]) =>
  client === null ? "not known" : client.kind === "client" ? <>client <code>{client.id}</code></> : <>upstream client <code>{client.id}</code> (forward-auth)</>;

const DAY_COLUMNS: Column<MigrationDay>[] = [
  { head: "Day (UTC)", cell: (day) => <time datetime={day.day}>{day.day}</time> },
  { head: "People with legacy tokens", cell: (day) => day.distinctUsers },
  { head: "Accepted at forward-auth", cell: (day) => day.forwardAuth },
  { head: "Exchanged", cell: (day) => day.exchanges },
  { head: "Refused", cell: (day) => day.refusals },
];

const ROW_COLUMNS: Column<DayRow>[] = [
  { head: "Day (UTC)", cell: (row) => <time datetime={row.day}>{row.day}</time> },
  { head: "Client", cell: (row) => clientText(row.client) },
  { head: "Provider", cell: (row) => (row.provider === null ? "not known" : <code>{row.provider}</code>) },
  { head: "Forward-auth", cell: (row) => row.forwardAuth },
  { head: "Token exchange", cell: (row) => row.exchanges.tokenExchange },
  { head: "JWT bearer", cell: (row) => row.exchanges.jwtBearer },
  {
    head: "Refused, by reason",
    cell: (row) =>
      row.refusals.length === 0 ? "none" : (
        <ul>
          {row.refusals.map((refusal) => (
            <li>
              <code>{refusal.reason}</code>: {refusal.count}
            </li>
          ))}
        </ul>
      ),
  },
  {
    head: "Shadow (would issue / refuse)",
    cell: (row) => (row.shadow.wouldIssue + row.shadow.wouldRefuse === 0 ? "none" : `${row.shadow.wouldIssue} / ${row.shadow.wouldRefuse}`),
  },
  { head: "People", cell: (row) => row.distinctUsers },
];

function Report({ report }: { report: MigrationReport }) {
  const rows = report.days.toReversed().flatMap((day) => day.rows.map((row) => ({ ...row, day: day.day })));
  const { totals } = report;
  return (
    <>
      {report.complete ? null : (
        <p role="status">This range holds more audit events than one report reads: only events from {report.readFrom} on are counted. Choose a shorter range.</p>
      )}
      <p>
        From {report.since} to {report.until}: {totals.distinctUsers} {totals.distinctUsers === 1 ? "person" : "people"} arrived with legacy tokens; {totals.forwardAuth} accepted at
        forward-auth, {totals.exchanges} exchanged, {totals.refusals} refused.
      </p>
      <section aria-labelledby="per-day">
        <h2 id="per-day">Per day</h2>
        <p>When nobody arrives with legacy tokens day after day, the old provider can be switched off.</p>
        <RecordTable caption="Legacy tokens per day" columns={DAY_COLUMNS} records={report.days.toReversed()} />
      </section>
      <section aria-labelledby="per-client">
        <h2 id="per-client">By client and provider</h2>
        {rows.length === 0 ? <p role="status">No legacy tokens arrived in this range.</p> : <RecordTable caption="Legacy tokens by client and provider" columns={ROW_COLUMNS} records={rows} />}
      </section>
    </>
  );
}

export function migrationReportPages(pages: ConsolePages): void {
  pages.get("/projects/:projectId/migration-report", async (r) => {
    const project = await projectOf(r);
    const range = { since: (r.c.req.query("since") ?? "").trim(), until: (r.c.req.query("until") ?? "").trim() };
    const query = new URLSearchParams(Object.entries(range).filter(([, value]) => value));
    const answer = await r.api.call<MigrationReport>("GET", `/projects/${encodeURIComponent(project.id)}/migration-report${query.size > 0 ? `?${query}` : ""}`);
    if (!answer.ok && answer.status !== 400) throw pageError(answer.problem);
    const errors: FieldErrors = answer.ok ? new Map() : rangeErrors(answer.problem);
    const shown = answer.ok ? { since: range.since || answer.body.since, until: range.until || answer.body.until } : range;
    const heading = `Legacy tokens of ${project.name}`;
    return r.render(
      <ConsolePage title={heading} viewer={r.viewer} project={project} current="migration-report">
        <h1>{heading}</h1>
        <p>
          Tokens of the old identity providers that apps still bring: exchanged for Fedgate tokens, or accepted at forward-auth, counted from the audit log.
        </p>
        <ErrorSummary errors={errors} labels={LABELS} />
        <form method="get" action={`/console/projects/${encodeURIComponent(project.id)}/migration-report`} aria-label="Report range">
          <fieldset>
            <legend>Days</legend>
            <TextField name="since" label={`${LABELS.since} (UTC)`} value={shown.since} errors={errors} hint="A date such as 2026-12-01. The report covers at most 31 days; the last 7 by default." />
            <TextField name="until" label={`${LABELS.until} (UTC)`} value={shown.until} errors={errors} hint="The last day counted, included. Default: today." />
          </fieldset>
          <button type="submit" class="inline">
            Show report
          </button>
        </form>
        {answer.ok ? <Report report={answer.body} /> : null}
      </ConsolePage>,
      answer.ok ? 200 : answer.status,
    );
  });
}
