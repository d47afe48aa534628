/**
 * Projects: the list of those the person administers (all of them for the operator), creating one
 * (operator; its first admin API key is shown once), and a project's settings (rename; broker session
 * lifetimes and the MFA policy), each form with If-Match.
 */
import type { ApiAnswer } from "../admin-client";
import { Checkbox, errorsFromProblem, TextField, wholeNumber, type FieldErrors } from "../forms";
import { ConsolePage } from "../layout";
import { PostForm } from "../post-form";
import { pageQuery, RecordList, type Column } from "../lists";
import type { ConsolePages, ConsoleRequest } from "../page";
import { isStale, RecordHeading } from "../record";

interface Project {
  id: string;
  name: string;
  sessions?: { idleSeconds: number; maxSeconds: number };
  requireMfa?: boolean;
  updatedAt?: string;
}

const NAME_LABELS = { name: "Name" };
const SESSION_LABELS = { idleSeconds: "Idle lifetime", maxSeconds: "Absolute lifetime", requireMfa: "Require MFA" };
/** API path prefix → field of the sessions form. */
const SESSION_FIELDS = { sessions: "idleSeconds", "sessions.idleSeconds": "idleSeconds", "sessions.maxSeconds": "maxSeconds", requireMfa: "requireMfa" };

/** The sessions form as typed: both lifetimes empty means the defaults. */
interface SessionSettings {
  idleSeconds: string;
  maxSeconds: string;
  requireMfa: boolean;
}

const sessionSettingsOf = (project: Project): SessionSettings => ({
  idleSeconds: project.sessions ? String(project.sessions.idleSeconds) : "", maxSeconds: project.sessions ? String(project.sessions.maxSeconds) : "",
  requireMfa: project.requireMfa === true,
});

/** The PATCH body of the sessions form; a lifetime that is not a whole number is sent as typed, for the API to name. */
function sessionsBody(settings: SessionSettings) {
  const defaults = settings.idleSeconds.trim() === "" && settings.maxSeconds.trim() === "";
  return { sessions: defaults ? null : { idleSeconds: wholeNumber(settings.idleSeconds), maxSeconds: wholeNumber(settings.maxSeconds) }, requireMfa: settings.requireMfa };
}

const lifetimesText = (project: Project) =>
  project.sessions ? `${project.sessions.idleSeconds} seconds idle, ${project.sessions.maxSeconds} seconds at most` : "1 day idle, 7 days at most (the defaults)";
const path = (id: string) => `/projects/${encodeURIComponent(id)}`;

/** The projects this person may see: one page of all (operator), or each they administer. */
async function visibleProjects(r: ConsoleRequest): Promise<{ items: Project[]; nextCursor?: string }> {
  if (r.me.operator) {
    return (await r.api.must<{ items: Project[]; nextCursor?: string }>("GET", `/projects?${pageQuery(r)}`)).body;
  }
  return { items: r.me.projects ?? [] };
}

const COLUMNS: Column<Project>[] = [
  { head: "Name", cell: (project) => <a href={`/console/projects/${project.id}/clients`}>{project.name}</a> },
  { head: "Id", cell: (project) => <code>{project.id}</code> },
];

function ProjectsList(props: { r: ConsoleRequest; projects: Project[]; nextCursor?: string; name?: string; errors?: FieldErrors }) {
  const { r, projects, nextCursor, name = "", errors = new Map() } = props;
  return (
    <ConsolePage title="Projects" viewer={r.viewer} current="projects">
      <h1>Projects</h1>
      <RecordList path="/console/projects" records={projects} nextCursor={nextCursor} empty="There are no projects you administer yet." caption="Projects you administer" columns={COLUMNS} />
      {r.me.operator ? (
        <section aria-labelledby="create-project">
          <h2 id="create-project">Create a project</h2>
          <PostForm action="/console/projects" csrf={r.viewer.csrf} errors={errors} labels={NAME_LABELS}>
            <TextField name="name" label="Name" value={name} errors={errors} required maxlength={200} />
            <button type="submit" class="inline">
              Create project
            </button>
          </PostForm>
        </section>
      ) : null}
    </ConsolePage>
  );
}

interface SettingsProps {
  r: ConsoleRequest;
  project: Project;
  etag: string;
  name: string;
  errors?: FieldErrors;
  /** The sessions form as typed (after an error or a conflict); else the project's. */
  sessions?: SessionSettings;
  sessionErrors?: FieldErrors;
  conflict?: boolean;
  saved?: boolean;
}

function ProjectSettings(props: SettingsProps) {
  const { r, project, etag, name, errors = new Map(), sessionErrors = new Map(), conflict, saved } = props;
  const sessions = props.sessions ?? sessionSettingsOf(project);
  const details = (
    <dl>
      <dt>Id</dt>
      <dd>
        <code>{project.id}</code>
      </dd>
      <dt>Name</dt>
      <dd>{project.name}</dd>
      <dt>Sessions</dt>
      <dd>{lifetimesText(project)}</dd>
      <dt>Require MFA</dt>
      <dd>{project.requireMfa ? "Yes" : "No"}</dd>
      <dt>Last changed</dt>
      <dd>{project.updatedAt}</dd>
    </dl>
  );
  return (
    <ConsolePage title={`${project.name}: settings`} viewer={r.viewer} project={project} current="project">
      <RecordHeading heading={project.name} notice={saved ? "Saved." : undefined} conflict={conflict}>
        {details}
      </RecordHeading>
      <section aria-labelledby="rename">
        <h2 id="rename">Rename</h2>
        <PostForm action={`/console/projects/${project.id}`} csrf={r.viewer.csrf} errors={errors} labels={NAME_LABELS} etag={etag}>
          <TextField name="name" label="Name" value={name} errors={errors} required maxlength={200} />
          <button type="submit" class="inline">
            Save
          </button>
        </PostForm>
      </section>
      <section aria-labelledby="sessions">
        <h2 id="sessions">Sessions and MFA</h2>
        <PostForm action={`/console/projects/${project.id}/sessions`} csrf={r.viewer.csrf} errors={sessionErrors} labels={SESSION_LABELS} etag={etag}>
          <p class="hint">
            A person who signed in to one of the project's apps is signed in to the others from the same browser, without their identity provider, until
            their session ends. Both lifetimes empty: 1 day idle, 7 days at most. Changes apply to sessions begun afterwards.
          </p>
          <TextField name="idleSeconds" label={`${SESSION_LABELS.idleSeconds} (seconds)`} type="number" min={300} max={2_592_000} value={sessions.idleSeconds} errors={sessionErrors}
            hint="A session unused this long ends: 300 to 2592000 (30 days), at most the absolute lifetime." />
          <TextField name="maxSeconds" label={`${SESSION_LABELS.maxSeconds} (seconds)`} type="number" min={300} max={31_536_000} value={sessions.maxSeconds} errors={sessionErrors}
            hint="A session ends this long after it began, however much it is used: 300 to 31536000 (365 days)." />
          <Checkbox name="requireMfa" label="Require multi-factor authentication for every sign-in to the project's apps (at a provider whose authentication context is trusted)" errors={sessionErrors} checked={sessions.requireMfa} />
          <button type="submit" class="inline">
            Save
          </button>
        </PostForm>
      </section>
    </ConsolePage>
  );
}

/** The answer to a write the API refused with 400: the same page with the fields named. */
const fieldErrorsOf = (answer: Extract<ApiAnswer<unknown>, { ok: false }>) => errorsFromProblem(answer.problem, { name: "name" });

export function projectPages(pages: ConsolePages): void {
  pages.get("/projects", async (r) => {
    const { items, nextCursor } = await visibleProjects(r);
    return r.render(<ProjectsList r={r} projects={items} {...(nextCursor ? { nextCursor } : {})} />);
  });

  pages.post("/projects", async (r) => {
    const name = r.form.get("name") ?? "";
    const answer = await r.api.call<{ project: Project; apiKey: { token: string } }>("POST", "/projects", { body: { name } });
    if (!answer.ok) return r.render(<ProjectsList r={r} projects={(await visibleProjects(r)).items} name={name} errors={fieldErrorsOf(answer)} />, answer.status);
    const { project, apiKey } = answer.body;
    return r.render(
      <ConsolePage title={`${project.name} created`} viewer={r.viewer} project={project} current="project">
        <h1>Project {project.name} created</h1>
        <p>Its first admin API key is below. Copy it now: Fedgate keeps only a hash and will not show it again.</p>
        <code class="secret" aria-label="Admin API key">
          {apiKey.token}
        </code>
        <p>
          <a href={`/console/projects/${project.id}/clients`}>Go to the project's client applications</a>
        </p>
      </ConsolePage>,
      201,
    );
  });

  pages.get("/projects/:projectId", async (r) => {
    const { body: project, etag } = await r.api.must<Project>("GET", path(r.param("projectId")));
    return r.render(<ProjectSettings r={r} project={project} etag={etag ?? ""} name={project.name} saved={r.c.req.query("saved") === "1"} />);
  });

  pages.post("/projects/:projectId", async (r) => {
    const id = r.param("projectId");
    const name = r.form.get("name") ?? "";
    const answer = await r.api.call<Project>("PATCH", path(id), { body: { name }, ifMatch: r.form.get("etag") ?? "" });
    if (answer.ok) return r.c.redirect(`/console/projects/${id}?saved=1`, 303);
    const current = await r.api.must<Project>("GET", path(id));
    if (isStale(answer)) {
      return r.render(<ProjectSettings r={r} project={current.body} etag={current.etag ?? ""} name={name} conflict />, 409);
    }
    return r.render(<ProjectSettings r={r} project={current.body} etag={r.form.get("etag") ?? ""} name={name} errors={fieldErrorsOf(answer)} />, answer.status);
  });

  pages.post("/projects/:projectId/sessions", async (r) => {
    const id = r.param("projectId");
    const sessions: SessionSettings = { idleSeconds: r.form.get("idleSeconds") ?? "", maxSeconds: r.form.get("maxSeconds") ?? "", requireMfa: r.form.get("requireMfa") === "yes" };
    const answer = await r.api.call<Project>("PATCH", path(id), { body: sessionsBody(sessions), ifMatch: r.form.get("etag") ?? "" });
    if (answer.ok) return r.c.redirect(`/console/projects/${id}?saved=1`, 303);
    const current = await r.api.must<Project>("GET", path(id));
    const shown = { r, project: current.body, name: current.body.name, sessions };
    if (isStale(answer)) return r.render(<ProjectSettings {...shown} etag={current.etag ?? ""} conflict />, 409);
    return r.render(<ProjectSettings {...shown} etag={r.form.get("etag") ?? ""} sessionErrors={errorsFromProblem(answer.problem, SESSION_FIELDS)} />, answer.status);
  });
}
