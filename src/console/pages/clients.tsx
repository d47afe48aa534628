/**
 * A project's client applications: list, create (a confidential client's secret shown once), a
 * client's settings (redirect URIs, grant types, scopes, IP rules, limits; saved with If-Match),
 * secret rotation with an overlap window (the new secret shown once), and delete. Every read and
 * write is the admin API's (page.ts); a 400 is answered on the form with the fields named, a 412
 * with the record as it is now and the person's input kept.
 */
import type { Child } from "hono/jsx";
import type { ApiAnswer } from "../admin-client";
import { Checkbox, errorsFromProblem, Notice, TextField, type FieldErrors } from "../forms";
import { ConsolePage } from "../layout";
import { PostForm } from "../post-form";
import { pageQuery, RecordList, type Column } from "../lists";
import type { ConsolePages, ConsoleRequest } from "../page";
import { projectOf, type Project } from "../project";
import { isStale, noticeOf, RecordHeading } from "../record";
import { ClientSettingsForm, CreateClientForm, createBody, FIELDS, formOfClient, formOfPost, LABELS, NEW_CLIENT, patchBody, type ClientForm, type ClientView } from "./client-form";

const apiPath = (projectId: string, clientId?: string) =>
  `/projects/${encodeURIComponent(projectId)}/clients${clientId === undefined ? "" : `/${encodeURIComponent(clientId)}`}`;
const pagePath = (projectId: string, clientId?: string) => `/console${apiPath(projectId, clientId)}`;
const problemOf = (answer: Extract<ApiAnswer<unknown>, { ok: false }>): FieldErrors => errorsFromProblem(answer.problem, FIELDS);

function Page(props: { r: ConsoleRequest; project: Project; title: string; children?: Child }) {
  return (
    <ConsolePage title={props.title} viewer={props.r.viewer} project={props.project} current="clients">
      {props.children}
    </ConsolePage>
  );
}

/** A secret shown once, after create or rotation. */
function SecretShown(props: { r: ConsoleRequest; project: Project; client: ClientView; secret: string; heading: string }) {
  const { r, project, client, secret, heading } = props;
  return (
    <Page r={r} project={project} title={heading}>
      <h1>{heading}</h1>
      <p>
        Client id: <code>{client.id}</code>
      </p>
      <p>The client secret is below. Copy it now: Fedgate keeps only a hash and will not show it again.</p>
      <code class="secret" aria-label="Client secret">
        {secret}
      </code>
      <p>
        <a href={pagePath(project.id, client.id)}>Continue to {client.name}</a>
      </p>
    </Page>
  );
}

function ClientDetails({ client }: { client: ClientView }) {
  return (
    <dl>
      <dt>Client id</dt>
      <dd>
        <code>{client.id}</code>
      </dd>
      <dt>Kind</dt>
      <dd>{client.kind}</dd>
      <dt>Redirect URIs</dt>
      <dd>{client.redirectUris.length ? client.redirectUris.join(", ") : "none"}</dd>
      <dt>Grant types</dt>
      <dd>{client.grantTypes.join(", ")}</dd>
      <dt>Scopes</dt>
      <dd>{client.scopes.join(" ") || "none"}</dd>
      {client.kind === "confidential" ? (
        <>
          <dt>Secret</dt>
          <dd>
            {client.secretRotatedAt ? `set ${client.secretRotatedAt}` : client.hasSecret ? "set" : "none"}
            {client.previousSecretExpiresAt ? `; the previous one works until ${client.previousSecretExpiresAt}` : ""}
          </dd>
        </>
      ) : null}
      <dt>Last changed</dt>
      <dd>{client.updatedAt}</dd>
    </dl>
  );
}

interface ClientPageState {
  values?: ClientForm;
  errors?: FieldErrors;
  /** The form posted against an older version: show the record as it is now. */
  conflict?: boolean;
  notice?: string;
  rotateErrors?: FieldErrors;
  overlap?: string;
  deleteErrors?: FieldErrors;
}

function ClientPage(props: { r: ConsoleRequest; project: Project; client: ClientView; etag: string; state?: ClientPageState }) {
  const { r, project, client, etag, state = {} } = props;
  const action = pagePath(project.id, client.id);
  return (
    <Page r={r} project={project} title={client.name}>
      <RecordHeading list={{ href: pagePath(project.id), text: "All client applications" }} heading={client.name} notice={state.notice} conflict={state.conflict}>
        <ClientDetails client={client} />
      </RecordHeading>
      <section aria-labelledby="settings">
        <h2 id="settings">Settings</h2>
        <ClientSettingsForm action={action} csrf={r.viewer.csrf} values={state.values ?? formOfClient(client)} errors={state.errors ?? new Map()} etag={etag} submit="Save settings" />
      </section>
      {client.kind === "confidential" ? (
        <section aria-labelledby="rotate">
          <h2 id="rotate">Rotate the secret</h2>
          <PostForm action={`${action}/secret`} csrf={r.viewer.csrf} errors={state.rotateErrors ?? new Map()} labels={LABELS}>
            <TextField
              name="overlapSeconds" label="Overlap (seconds)" type="number" min={0} max={604800} value={state.overlap ?? "0"} errors={state.rotateErrors ?? new Map()}
              hint="How long the current secret keeps working beside the new one, so apps can switch without downtime (0 to 604800)."
            />
            <button type="submit" class="inline">
              Rotate secret
            </button>
          </PostForm>
        </section>
      ) : null}
      <section aria-labelledby="delete">
        <h2 id="delete">Delete</h2>
        <PostForm action={`${action}/delete`} csrf={r.viewer.csrf} errors={state.deleteErrors ?? new Map()} labels={LABELS}>
          <Checkbox name="confirm" label="I understand that apps using this client stop working at once." errors={state.deleteErrors ?? new Map()} required />
          <button type="submit" class="inline danger">
            Delete client
          </button>
        </PostForm>
      </section>
    </Page>
  );
}

function NewClientPage(props: { r: ConsoleRequest; project: Project; values: ClientForm; errors: FieldErrors }) {
  const { r, project, values, errors } = props;
  return (
    <Page r={r} project={project} title="New client application">
      <h1>New client application</h1>
      <CreateClientForm action={`${pagePath(project.id)}/new`} csrf={r.viewer.csrf} values={values} errors={errors} submit="Create client" />
    </Page>
  );
}

/** The client page as read now, with `state` (notices, errors, the person's input). */
async function clientPage(r: ConsoleRequest, project: Project, status: number, state: ClientPageState = {}): Promise<Response> {
  const { body: client, etag } = await r.api.must<ClientView>("GET", apiPath(project.id, r.param("clientId")));
  return r.render(<ClientPage r={r} project={project} client={client} etag={etag ?? ""} state={state} />, status);
}

const NOTICES: Record<string, string> = { saved: "Settings saved.", created: "Client created." };

const columns = (project: Project): Column<ClientView>[] => [
  { head: "Name", cell: (client) => <a href={pagePath(project.id, client.id)}>{client.name}</a> },
  { head: "Kind", cell: (client) => client.kind },
  { head: "Grant types", cell: (client) => client.grantTypes.join(", ") },
  { head: "Client id", cell: (client) => <code>{client.id}</code> },
];

export function clientPages(pages: ConsolePages): void {
  pages.get("/projects/:projectId/clients", async (r) => {
    const project = await projectOf(r);
    const { body } = await r.api.must<{ items: ClientView[]; nextCursor?: string }>("GET", `${apiPath(project.id)}?${pageQuery(r)}`);
    const deleted = r.c.req.query("deleted");
    return r.render(
      <Page r={r} project={project} title={`${project.name}: client applications`}>
        <h1>Client applications</h1>
        {deleted !== undefined ? <Notice>The client application was deleted.</Notice> : null}
        <p>
          <a href={`${pagePath(project.id)}/new`}>New client application</a>
        </p>
        <RecordList
          path={pagePath(project.id)} records={body.items} nextCursor={body.nextCursor} empty="This project has no client applications yet."
          caption={`Client applications of ${project.name}`} columns={columns(project)}
        />
      </Page>,
    );
  });

  pages.get("/projects/:projectId/clients/new", async (r) => r.render(<NewClientPage r={r} project={await projectOf(r)} values={NEW_CLIENT} errors={new Map()} />));

  pages.post("/projects/:projectId/clients/new", async (r) => {
    const project = await projectOf(r);
    const values = formOfPost(r.form);
    const answer = await r.api.call<{ client: ClientView; clientSecret?: string }>("POST", apiPath(project.id), { body: createBody(values) });
    if (!answer.ok) return r.render(<NewClientPage r={r} project={project} values={values} errors={problemOf(answer)} />, answer.status);
    const { client, clientSecret } = answer.body;
    if (!clientSecret) return r.c.redirect(`${pagePath(project.id, client.id)}?notice=created`, 303);
    return r.render(<SecretShown r={r} project={project} client={client} secret={clientSecret} heading={`Client ${client.name} created`} />, 201);
  });

  pages.get("/projects/:projectId/clients/:clientId", async (r) => {
    return clientPage(r, await projectOf(r), 200, noticeOf(r, NOTICES));
  });

  pages.post("/projects/:projectId/clients/:clientId", async (r) => {
    const project = await projectOf(r);
    const values = formOfPost(r.form);
    const answer = await r.api.call("PATCH", apiPath(project.id, r.param("clientId")), { body: patchBody(values), ifMatch: r.form.get("etag") ?? "" });
    if (answer.ok) return r.c.redirect(`${pagePath(project.id, r.param("clientId"))}?notice=saved`, 303);
    if (isStale(answer)) return clientPage(r, project, 409, { values, conflict: true });
    return clientPage(r, project, answer.status, { values, errors: problemOf(answer) });
  });

  pages.post("/projects/:projectId/clients/:clientId/secret", async (r) => {
    const project = await projectOf(r);
    const overlap = r.form.get("overlapSeconds") ?? "0";
    const overlapSeconds = /^\d{1,7}$/.test(overlap.trim()) ? Number(overlap.trim()) : overlap;
    const answer = await r.api.call<{ client: ClientView; clientSecret: string }>("POST", `${apiPath(project.id, r.param("clientId"))}/secret`, { body: { overlapSeconds } });
    if (!answer.ok) return clientPage(r, project, answer.status, { rotateErrors: problemOf(answer), overlap });
    const { client, clientSecret } = answer.body;
    return r.render(<SecretShown r={r} project={project} client={client} secret={clientSecret} heading={`New secret for ${client.name}`} />);
  });

  pages.post("/projects/:projectId/clients/:clientId/delete", async (r) => {
    const project = await projectOf(r);
    if (r.form.get("confirm") !== "yes") return clientPage(r, project, 400, { deleteErrors: new Map([["confirm", "tick the box to confirm the deletion"]]) });
    const { body: client } = await r.api.must<ClientView>("GET", apiPath(project.id, r.param("clientId")));
    const answer = await r.api.call("DELETE", apiPath(project.id, client.id));
    if (!answer.ok) return clientPage(r, project, answer.status, { deleteErrors: problemOf(answer) });
    return r.c.redirect(`${pagePath(project.id)}?deleted=1`, 303);
  });
}
