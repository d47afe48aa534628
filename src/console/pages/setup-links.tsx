/**
 * A project's self-service SSO setup links: the list with each link's state and what it made, the
 * create form (the organisation and how long it works) whose answer shows the link once, and revoking
 * after a confirmation (what the link made stays, and is named). Every read and write is the admin
 * API's (page.ts); the customer's side is src/setup/.
 */
import type { Child } from "hono/jsx";
import { errorsFromProblem, ErrorSummary, Notice, TextField, type FieldErrors } from "../forms";
import { ConsolePage, CsrfField } from "../layout";
import type { ConsolePages, ConsoleRequest } from "../page";
import { ConfirmForm } from "./confirm-form";

interface Project {
  id: string;
  name: string;
}

interface LinkView {
  id: string;
  organization: string;
  state: "pending" | "in_progress" | "completed" | "expired" | "revoked";
  providerId: string | null;
  domains: string[];
  createdAt: string;
  expiresAt: string;
}

const STATES: Record<LinkView["state"], string> = {
  pending: "Not started", in_progress: "In progress", completed: "Completed", expired: "Expired", revoked: "Revoked",
};
const LABELS: Record<string, string> = { organization: "Customer organisation", expiresInHours: "Works for (hours)", confirm: "Confirm" };
const FIELDS: Record<string, string> = { organization: "organization", expiresInHours: "expiresInHours" };

const apiPath = (projectId: string, linkId?: string) => `/projects/${encodeURIComponent(projectId)}/setup-links${linkId ? `/${encodeURIComponent(linkId)}` : ""}`;
const pagePath = (projectId: string, linkId?: string) => `/console${apiPath(projectId, linkId)}`;
const projectOf = async (r: ConsoleRequest): Promise<Project> => (await r.api.must<Project>("GET", `/projects/${encodeURIComponent(r.param("projectId"))}`)).body;
const when = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, " UTC");

function Frame({ r, project, title, children }: { r: ConsoleRequest; project: Project; title: string; children?: Child }) {
  return (
    <ConsolePage title={title} viewer={r.viewer} project={project} current="setup-links">
      {children}
    </ConsolePage>
  );
}

function CreateForm({ r, project, values, errors }: { r: ConsoleRequest; project: Project; values: { organization: string; expiresInHours: string }; errors: FieldErrors }) {
  return (
    <>
      <ErrorSummary errors={errors} labels={LABELS} />
      <form method="post" action={`${pagePath(project.id)}/new`}>
        <CsrfField token={r.viewer.csrf} />
        <TextField name="organization" label={LABELS.organization!} value={values.organization} errors={errors} required maxlength={200} hint="Whose IT admin will use the link; it is shown to them and in the audit log." />
        <TextField name="expiresInHours" label={LABELS.expiresInHours!} type="number" min={1} max={168} value={values.expiresInHours} errors={errors} hint="1 to 168 (7 days); 72 if left empty." />
        <button type="submit" class="inline">
          Create setup link
        </button>
      </form>
    </>
  );
}

export function setupLinkPages(pages: ConsolePages): void {
  pages.get("/projects/:projectId/setup-links", async (r) => {
    const project = await projectOf(r);
    const { body } = await r.api.must<{ items: LinkView[] }>("GET", `${apiPath(project.id)}?limit=100`);
    const revoked = r.c.req.query("revoked");
    return r.render(
      <Frame r={r} project={project} title={`${project.name}: setup links`}>
        <h1>Self-service SSO setup links</h1>
        {revoked ? <Notice>Link revoked. What it set up stays.</Notice> : null}
        <p>
          A setup link lets a customer's IT admin add their organisation's identity provider, test it and prove their email domains, without an account, and
          nothing else. Each step appears in the audit log.
        </p>
        {body.items.length === 0 ? (
          <p>No setup links yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Organisation</th>
                <th scope="col">State</th>
                <th scope="col">Provider</th>
                <th scope="col">Domains</th>
                <th scope="col">Expires</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {body.items.map((link) => (
                <tr>
                  <td>{link.organization}</td>
                  <td id={`state-${link.id}`}>{STATES[link.state]}</td>
                  <td>{link.providerId ? <a href={`/console/projects/${encodeURIComponent(project.id)}/providers/${encodeURIComponent(link.providerId)}`}>{link.providerId}</a> : "none yet"}</td>
                  <td>{link.domains.join(", ") || "none"}</td>
                  <td>{when(link.expiresAt)}</td>
                  <td>{link.state === "pending" || link.state === "in_progress" ? <a href={`${pagePath(project.id, link.id)}/revoke`} aria-label={`Revoke the link for ${link.organization}`}>Revoke</a> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h2>New setup link</h2>
        <CreateForm r={r} project={project} values={{ organization: "", expiresInHours: "" }} errors={new Map()} />
      </Frame>,
    );
  });

  pages.post("/projects/:projectId/setup-links/new", async (r) => {
    const project = await projectOf(r);
    const values = { organization: r.form.get("organization") ?? "", expiresInHours: (r.form.get("expiresInHours") ?? "").trim() };
    const hours = values.expiresInHours === "" ? {} : { expiresInHours: /^\d{1,6}$/.test(values.expiresInHours) ? Number(values.expiresInHours) : values.expiresInHours };
    const answer = await r.api.call<LinkView & { url: string }>("POST", apiPath(project.id), { body: { organization: values.organization, ...hours } });
    if (!answer.ok) {
      return r.render(
        <Frame r={r} project={project} title={`${project.name}: new setup link`}>
          <h1>New setup link</h1>
          <CreateForm r={r} project={project} values={values} errors={errorsFromProblem(answer.problem, FIELDS)} />
        </Frame>,
        answer.status,
      );
    }
    // Shown once: only its hash is kept, so this page is the only place it appears.
    return r.render(
      <Frame r={r} project={project} title={`${project.name}: setup link created`}>
        <h1>Setup link for {answer.body.organization}</h1>
        <Notice>Created. Copy the link now: it is shown only once.</Notice>
        <p>
          <label for="setup-link-url">The link to send to {answer.body.organization}'s IT admin</label>
        </p>
        <input type="text" id="setup-link-url" readonly value={answer.body.url} />
        <p>It works until {when(answer.body.expiresAt)}, until it is completed, or until you revoke it. Anyone holding it can act as described, so send it privately.</p>
        <p>
          <a href={pagePath(project.id)}>Back to the setup links</a>
        </p>
      </Frame>,
      201,
    );
  });

  const revokePage = async (r: ConsoleRequest, status: number, error?: string) => {
    const project = await projectOf(r);
    const { body: link } = await r.api.must<LinkView>("GET", apiPath(project.id, r.param("linkId")));
    return r.render(
      <Frame r={r} project={project} title={`${project.name}: revoke setup link`}>
        <h1>Revoke the setup link for {link.organization}</h1>
        <p>The link stops working at once, also for someone in the middle of the setup. {link.providerId ? `What it set up (provider ${link.providerId}${link.domains.length ? `, domains ${link.domains.join(", ")}` : ""}) stays.` : "It has set up nothing yet."}</p>
        <ConfirmForm r={r} action={`${pagePath(project.id, link.id)}/revoke`} id="confirm-revoke" label="Yes, revoke this link" submit="Revoke link" danger {...(error ? { error } : {})} />
      </Frame>,
      status,
    );
  };

  pages.get("/projects/:projectId/setup-links/:linkId/revoke", (r) => revokePage(r, 200));

  pages.post("/projects/:projectId/setup-links/:linkId/revoke", async (r) => {
    if (r.form.get("confirm") !== "yes") return revokePage(r, 400, "Tick the box to confirm.");
    const projectId = r.param("projectId");
    await r.api.must("DELETE", apiPath(projectId, r.param("linkId")));
    return r.c.redirect(`${pagePath(projectId)}?revoked=1`, 303);
  });
}
