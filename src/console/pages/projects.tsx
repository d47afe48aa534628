/**
 * Projects: the list of those the person administers (all of them for the operator), creating one
 * (operator; its first admin API key is shown once), and a project's settings (rename, with If-Match).
 */
import type { ApiAnswer } from "../admin-client";
import { errorsFromProblem, TextField, type FieldErrors } from "../forms";
import { ConsolePage } from "../layout";
import { PostForm } from "../post-form";
import { pageQuery, RecordList, type Column } from "../lists";
import type { ConsolePages, ConsoleRequest } from "../page";
import { isStale, RecordHeading } from "../record";

interface Project {
  id: string;
  name: string;
  updatedAt?: string;
}

const NAME_LABELS = { name: "Name" };
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

function ProjectSettings(props: { r: ConsoleRequest; project: Project; etag: string; name: string; errors?: FieldErrors; conflict?: boolean; saved?: boolean }) {
  const { r, project, etag, name, errors = new Map(), conflict, saved } = props;
  const details = (
    <dl>
      <dt>Id</dt>
      <dd>
        <code>{project.id}</code>
      </dd>
      <dt>Name</dt>
      <dd>{project.name}</dd>
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
}
