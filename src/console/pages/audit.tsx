/**
 * Audit logs: a project's (`/console/projects/<id>/audit`) and, for the operator, any project's by id
 * (`/console/audit`, the operator project's own log by default: console sign-ins and platform changes).
 * Filters by action, outcome, actor and time range go to the admin API as its query (the API filters
 * and pages, newest first, with its cursor); a filter it refuses comes back on the form, named.
 */
import type { Child } from "hono/jsx";
import type { JSX } from "hono/jsx/jsx-runtime";
import { pageError, type ApiProblem } from "../admin-client";
import { Choices, ErrorSummary, errorsFromProblem, TextField, type FieldErrors } from "../forms";
import type { AuditEvent } from "../../security/audit-event";
import { ConsolePage } from "../layout";
import { CURSOR, RecordTable, type Column } from "../lists";
import type { ConsolePages, ConsoleRequest } from "../page";
import { projectOf } from "../project";

/** An audit event as the API shows it: the event as recorded (admin/schemas.ts). */
type AuditEventView = AuditEvent;

/** The filter form's fields as typed (times in UTC). */
interface Filters {
  project: string;
  action: string;
  outcome: string;
  actor: string;
  since: string;
  until: string;
}

const LABELS: Record<string, string> = { project: "Project id", action: "Action", outcome: "Outcome", actor: "Actor", since: "From", until: "Until" };
const OUTCOMES = [
  { value: "", label: "Any" },
  { value: "success", label: "Success" },
  { value: "failure", label: "Failure" },
];
const PAGE_SIZE = "50";

/**
 * A time as typed, as the API takes it: a date, or a date and time without a zone, is UTC; anything
 * else goes as typed, for the API to refuse by name.
 */
export function instantOf(text: string): string {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return `${t}T00:00:00Z`;
  const local = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d{1,3})?)?$/.exec(t);
  if (local) return `${local[1]}T${local[2]}${local[3] ?? ":00"}Z`;
  return t;
}

function filtersOf(r: ConsoleRequest, defaultProject = ""): Filters {
  const q = (name: string) => (r.c.req.query(name) ?? "").trim();
  return { project: q("project") || defaultProject, action: q("action"), outcome: q("outcome"), actor: q("actor"), since: q("since"), until: q("until") };
}

/** The API's query for `filters` (only what is set). */
function apiQuery(filters: Filters, cursor: string | undefined, withProject: boolean): URLSearchParams {
  const query = new URLSearchParams({ limit: PAGE_SIZE });
  if (withProject) query.set("project", filters.project);
  for (const name of ["action", "outcome", "actor"] as const) if (filters[name]) query.set(name, filters[name]);
  for (const name of ["since", "until"] as const) if (filters[name]) query.set(name, instantOf(filters[name]));
  if (cursor && CURSOR.test(cursor)) query.set("cursor", cursor);
  return query;
}

/** The page's own query for `filters` (as typed), for the next page's link. */
function pageQuery(filters: Filters, withProject: boolean): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value && (withProject || name !== "project")) query.set(name, value);
  return query;
}

/** The API's refusal as messages per filter: the query schema names each bad parameter in `detail` ("a": …; "b": …). */
function filterErrors(problem: ApiProblem): FieldErrors {
  const parts = (problem.detail ?? "").split(/; (?=")/);
  const errors = parts.flatMap((part) => {
    const named = /^"([^"]+)": ([\s\S]*)$/.exec(part);
    return named ? [{ path: named[1]!, message: named[2]! }] : [];
  });
  const fields = { project: "project", action: "action", outcome: "outcome", actor: "actor", since: "since", until: "until", cursor: "" };
  return errorsFromProblem(errors.length > 0 ? { ...problem, errors } : problem, fields);
}

/** Who acted, in a few words. */
function actorText(actor: AuditEventView["actor"]): string {
  switch (actor.kind) {
    case "user":
      return actor.email ? `${actor.email} (user ${actor.userId})` : `user ${actor.userId}`;
    case "api-key":
      return `API key ${actor.keyId}`;
    case "client":
      return `client ${actor.clientId}`;
    case "system":
      return `Fedgate (${actor.job})`;
    case "setup-link":
      return `setup link ${actor.linkId} (${actor.organization})`;
    default:
      return actor.kind;
  }
}

function FilterForm(props: { action: string; filters: Filters; errors: FieldErrors; withProject: boolean }) {
  const { action, filters, errors, withProject } = props;
  return (
    <>
      <ErrorSummary errors={errors} labels={LABELS} />
      <form method="get" action={action} role="search" aria-label="Audit log">
        <fieldset>
          <legend>Filters</legend>
          {withProject ? <TextField name="project" label={LABELS.project!} value={filters.project} errors={errors} required hint="The project whose log to read." /> : null}
          <TextField name="action" label={LABELS.action!} value={filters.action} errors={errors} hint="An action such as user.disable, or its first words such as user." />
          <Choices name="outcome" label={LABELS.outcome!} options={OUTCOMES} checked={[filters.outcome]} multiple={false} errors={errors} />
          <TextField name="actor" label={LABELS.actor!} value={filters.actor} errors={errors} hint="A console user's email, a kind (operator, api-key, client, user, anonymous, system, setup-link) or kind:id, e.g. client:cl_…" />
          <TextField name="since" label={`${LABELS.since} (UTC)`} value={filters.since} errors={errors} hint="A date, or a date and time: 2026-12-03 or 2026-12-03T14:00. Events at or after it." />
          <TextField name="until" label={`${LABELS.until} (UTC)`} value={filters.until} errors={errors} hint="Events before it." />
        </fieldset>
        <button type="submit" class="inline">
          Show events
        </button>
      </form>
    </>
  );
}

/** An event's IP, reason and changes, folded away. */
function EventDetails({ event }: { event: AuditEventView }) {
  return (
    <details>
      <summary>Event {event.id.slice(-6)}</summary>
      <dl>
        <dt>IP</dt>
        <dd>{event.ip ?? "none"}</dd>
        {event.reason ? (
          <>
            <dt>Reason</dt>
            <dd>{event.reason}</dd>
          </>
        ) : null}
      </dl>
      {event.before !== undefined ? <pre aria-label="Before">{JSON.stringify(event.before, null, 2)}</pre> : null}
      {event.after !== undefined ? <pre aria-label="After">{JSON.stringify(event.after, null, 2)}</pre> : null}
    </details>
  );
}

const EVENT_COLUMNS: Column<AuditEventView>[] = [
  { head: "Time (UTC)", cell: (event) => <time datetime={event.at}>{event.at.replace("T", " ").replace(/\.\d+Z$|Z$/, "")}</time> },
  { head: "Action", cell: (event) => <code>{event.action}</code> },
  { head: "Outcome", cell: (event) => (event.outcome === "success" ? "Success" : "Failure") },
  { head: "Actor", cell: (event) => actorText(event.actor) },
  {
    head: "Target",
    cell: (event) => (
      <>
        {event.target.type} <code>{event.target.id}</code>
      </>
    ),
  },
  { head: "Details", cell: (event) => <EventDetails event={event} /> },
];

/** Reads a page of events for `filters` and renders it inside `frame`. */
async function auditLogPage(
  r: ConsoleRequest, options: { pagePath: string; apiPath: string; filters: Filters; withProject: boolean; heading: string; frame: (title: string, body: Child) => JSX.Element },
): Promise<Response> {
  const { pagePath, filters, withProject, heading, frame } = options;
  const answer = filters.project || !withProject
    ? await r.api.call<{ items: AuditEventView[]; nextCursor?: string }>("GET", `${options.apiPath}?${apiQuery(filters, r.c.req.query("cursor"), withProject)}`)
    : null;
  // An unknown project typed in the form is bad input, named; any other refusal is the error page.
  const unknownProject = withProject && answer?.status === 404;
  if (answer && !answer.ok && answer.status !== 400 && !unknownProject) throw pageError(answer.problem);
  const errors: FieldErrors = !answer || answer.ok ? new Map() : unknownProject ? new Map([["project", "no project you administer has this id"]]) : filterErrors(answer.problem);
  const events = answer?.ok ? answer.body.items : [];
  const next = answer?.ok ? answer.body.nextCursor : undefined;
  const filtered = ["action", "outcome", "actor", "since", "until"].some((name) => filters[name as keyof Filters]);
  const body = (
    <>
      <h1>{heading}</h1>
      <FilterForm action={pagePath} filters={filters} errors={errors} withProject={withProject} />
      <section aria-labelledby="events">
        <h2 id="events">Events, newest first</h2>
        {answer?.ok ? (
          events.length === 0 ? (
            <p role="status">{next ? "No matching events on this page; older events remain." : filtered ? "No events match these filters." : "No events yet."}</p>
          ) : (
            <RecordTable caption={heading} columns={EVENT_COLUMNS} records={events} />
          )
        ) : null}
        {next ? (
          <p>
            <a href={`${pagePath}?${new URLSearchParams([...pageQuery(filters, withProject), ["cursor", next]])}`}>Older events</a>
          </p>
        ) : null}
      </section>
    </>
  );
  return r.render(frame(heading, body), answer && !answer.ok ? answer.status : 200);
}

export function auditPages(pages: ConsolePages): void {
  pages.get("/projects/:projectId/audit", async (r) => {
    const project = await projectOf(r);
    const path = `/projects/${encodeURIComponent(project.id)}/audit`;
    return auditLogPage(r, {
      pagePath: `/console${path}`, apiPath: path, filters: filtersOf(r), withProject: false, heading: `Audit log of ${project.name}`,
      frame: (title, body) => (
        <ConsolePage title={title} viewer={r.viewer} project={project} current="audit">
          {body}
        </ConsolePage>
      ),
    });
  });

  pages.get("/audit", async (r) => {
    // The operator's: a project admin reads their project's log from its page.
    if (!r.me.operator) throw pageError({ status: 404, title: "Not found", detail: "There is no such console page." });
    return auditLogPage(r, {
      pagePath: "/console/audit", apiPath: "/audit", filters: filtersOf(r, r.c.get("config").console?.projectId ?? ""), withProject: true, heading: "Platform audit log",
      frame: (title, body) => (
        <ConsolePage title={title} viewer={r.viewer} current="audit">
          {body}
        </ConsolePage>
      ),
    });
  });
}
