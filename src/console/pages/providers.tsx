/**
 * A project's upstream identity providers: list, create (the API checks the issuer's discovery
 * document, so an unusable or unreachable issuer comes back on the issuer field), settings (If-Match;
 * a conflict shows the provider as it is now), delete with a confirmation (refused while a client or
 * domain uses it). The client secret is write-only: typed, sent to the API, never shown back.
 */
import type { Child } from "hono/jsx";
import type { ApiAnswer } from "../admin-client";
import { errorsFromProblem, Notice, type FieldErrors } from "../forms";
import { ConsolePage, CsrfField } from "../layout";
import { pageQuery, RecordList, type Column } from "../lists";
import type { ConsolePages, ConsoleRequest } from "../page";
import { projectOf, type Project } from "../project";
import { isStale, noticeOf, RecordHeading } from "../record";
import { ConfirmForm } from "./confirm-form";
import { createBody, FIELDS, formOfPost, formOfProvider, NEW_PROVIDER, patchBody, ProviderFormFields, type ProviderForm, type ProviderView } from "./provider-form";

const apiPath = (projectId: string, providerId?: string) =>
  `/projects/${encodeURIComponent(projectId)}/providers${providerId === undefined ? "" : `/${encodeURIComponent(providerId)}`}`;
const pagePath = (projectId: string, providerId?: string) => `/console${apiPath(projectId, providerId)}`;

/** The API's refusal on the form: discovery's verdict belongs to the issuer, a taken id to the id. */
function errorsOf(answer: Extract<ApiAnswer<unknown>, { ok: false }>): FieldErrors {
  const message = answer.problem.detail ?? answer.problem.title;
  if (answer.status === 422 || answer.status === 502) return new Map([["issuer", message]]);
  if (answer.status === 409) return new Map([["id", message]]);
  return errorsFromProblem(answer.problem, FIELDS);
}

function Page(props: { r: ConsoleRequest; project: Project; title: string; children?: Child }) {
  return (
    <ConsolePage title={props.title} viewer={props.r.viewer} project={props.project} current="providers">
      {props.children}
    </ConsolePage>
  );
}

const KIND_NAMES: Record<string, string> = { auth0: "Auth0", okta: "Okta", google: "Google Workspace", cognito: "Amazon Cognito", oidc: "OpenID Connect" };

function ProviderDetails({ provider }: { provider: ProviderView }) {
  return (
    <dl>
      <dt>Id</dt>
      <dd>
        <code>{provider.id}</code>
      </dd>
      <dt>Kind</dt>
      <dd>{KIND_NAMES[provider.kind] ?? provider.kind}</dd>
      <dt>Issuer</dt>
      <dd>
        <code>{provider.issuer}</code>
      </dd>
      <dt>Callback URL</dt>
      <dd>
        <code id="callback-url">{provider.callbackUrl}</code> (register it at the provider as a redirect URI)
      </dd>
      <dt>Client id</dt>
      <dd>
        <code>{provider.clientId}</code>
      </dd>
      <dt>Client secret</dt>
      <dd id="secret-state">{provider.hasClientSecret ? "Set (never shown)" : "None"}</dd>
      <dt>Links users by</dt>
      <dd>{provider.linkBy === "email" ? "verified email" : "subject"}</dd>
      <dt>Creates users</dt>
      <dd>{provider.createUsers ? "yes" : "no"}</dd>
      <dt>Last changed</dt>
      <dd>{provider.updatedAt}</dd>
    </dl>
  );
}

interface ProviderPageState {
  values?: ProviderForm;
  errors?: FieldErrors;
  conflict?: boolean;
  notice?: string;
  deleteError?: string;
}

function ProviderPage(props: { r: ConsoleRequest; project: Project; provider: ProviderView; etag: string; state: ProviderPageState }) {
  const { r, project, provider, etag, state } = props;
  const action = pagePath(project.id, provider.id);
  return (
    <Page r={r} project={project} title={provider.name}>
      <RecordHeading list={{ href: pagePath(project.id), text: "All identity providers" }} heading={provider.name} notice={state.notice} conflict={state.conflict}>
        <ProviderDetails provider={provider} />
      </RecordHeading>
      <section aria-labelledby="settings">
        <h2 id="settings">Settings</h2>
        <ProviderFormFields
          action={action} csrf={r.viewer.csrf} values={state.values ?? formOfProvider(provider)} errors={state.errors ?? new Map()}
          editing={{ etag, hasClientSecret: provider.hasClientSecret }} submit="Save settings"
        />
      </section>
      <section aria-labelledby="test">
        <h2 id="test">Test sign-in</h2>
        <p>Sign in at the provider as someone to see the claims it sends and how linking would decide. Nothing is written: no user is created or linked, no token issued.</p>
        <form method="post" action={`${action}/test`}>
          <CsrfField token={r.viewer.csrf} />
          <button type="submit" class="inline">
            Test sign-in
          </button>
        </form>
      </section>
      <section aria-labelledby="delete">
        <h2 id="delete">Delete</h2>
        <ConfirmForm r={r} action={`${action}/delete`} id="field-confirm" label={`I understand that people can no longer sign in through ${provider.name}.`} submit="Delete provider" error={state.deleteError} danger />
      </section>
    </Page>
  );
}

function NewProviderPage(props: { r: ConsoleRequest; project: Project; values: ProviderForm; errors: FieldErrors }) {
  const { r, project, values, errors } = props;
  return (
    <Page r={r} project={project} title="New identity provider">
      <h1>New identity provider</h1>
      <p>Register Fedgate as an OpenID Connect client at the provider first; the callback URL to register is shown on the provider's page once it is added.</p>
      <ProviderFormFields action={`${pagePath(project.id)}/new`} csrf={r.viewer.csrf} values={values} errors={errors} submit="Add provider" />
    </Page>
  );
}

async function providerPage(r: ConsoleRequest, project: Project, status: number, state: ProviderPageState = {}): Promise<Response> {
  const { body: provider, etag } = await r.api.must<ProviderView>("GET", apiPath(project.id, r.param("providerId")));
  return r.render(<ProviderPage r={r} project={project} provider={provider} etag={etag ?? ""} state={state} />, status);
}

const NOTICES: Record<string, string> = { saved: "Settings saved.", created: "Provider added: its issuer's discovery document was checked." };

const columns = (project: Project): Column<ProviderView>[] => [
  { head: "Name", cell: (provider) => <a href={pagePath(project.id, provider.id)}>{provider.name}</a> },
  { head: "Kind", cell: (provider) => KIND_NAMES[provider.kind] ?? provider.kind },
  { head: "Issuer", cell: (provider) => provider.issuer },
  { head: "Id", cell: (provider) => <code>{provider.id}</code> },
];

export function providerPages(pages: ConsolePages): void {
  pages.get("/projects/:projectId/providers", async (r) => {
    const project = await projectOf(r);
    const { body } = await r.api.must<{ items: ProviderView[]; nextCursor?: string }>("GET", `${apiPath(project.id)}?${pageQuery(r)}`);
    return r.render(
      <Page r={r} project={project} title={`${project.name}: identity providers`}>
        <h1>Identity providers</h1>
        {r.c.req.query("deleted") !== undefined ? <Notice>The identity provider was deleted.</Notice> : null}
        <p>
          <a href={`${pagePath(project.id)}/new`}>New identity provider</a>
        </p>
        <RecordList
          path={pagePath(project.id)} records={body.items} nextCursor={body.nextCursor} empty="This project has no identity providers yet."
          caption={`Identity providers of ${project.name}`} columns={columns(project)}
        />
      </Page>,
    );
  });

  pages.get("/projects/:projectId/providers/new", async (r) => r.render(<NewProviderPage r={r} project={await projectOf(r)} values={NEW_PROVIDER} errors={new Map()} />));

  pages.post("/projects/:projectId/providers/new", async (r) => {
    const project = await projectOf(r);
    const values = formOfPost(r.form);
    const answer = await r.api.call<ProviderView>("POST", apiPath(project.id), { body: createBody(values, r.form.get("clientSecret") ?? "") });
    if (!answer.ok) return r.render(<NewProviderPage r={r} project={project} values={values} errors={errorsOf(answer)} />, answer.status);
    return r.c.redirect(`${pagePath(project.id, answer.body.id)}?notice=created`, 303);
  });

  pages.get("/projects/:projectId/providers/:providerId", async (r) => {
    return providerPage(r, await projectOf(r), 200, noticeOf(r, NOTICES));
  });

  pages.post("/projects/:projectId/providers/:providerId", async (r) => {
    const project = await projectOf(r);
    const values = formOfPost(r.form);
    const body = patchBody(values, r.form.get("clientSecret") ?? "");
    const answer = await r.api.call("PATCH", apiPath(project.id, r.param("providerId")), { body, ifMatch: r.form.get("etag") ?? "" });
    if (answer.ok) return r.c.redirect(`${pagePath(project.id, r.param("providerId"))}?notice=saved`, 303);
    if (isStale(answer)) return providerPage(r, project, 409, { values, conflict: true });
    return providerPage(r, project, answer.status, { values, errors: errorsFromProblem(answer.problem, FIELDS) });
  });

  pages.post("/projects/:projectId/providers/:providerId/delete", async (r) => {
    const project = await projectOf(r);
    if (r.form.get("confirm") !== "yes") return providerPage(r, project, 400, { deleteError: "tick the box to confirm the deletion" });
    const answer = await r.api.call("DELETE", apiPath(project.id, r.param("providerId")));
    if (!answer.ok) return providerPage(r, project, answer.status, { deleteError: answer.problem.detail ?? answer.problem.title });
    return r.c.redirect(`${pagePath(project.id)}?deleted=1`, 303);
  });
}
