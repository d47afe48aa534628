/**
 * A project's users: search by verified email, the list in pages (the API's cursor), a user's page
 * (name, email, verified, external identities, disabled, roles), disable and enable (PATCH with
 * If-Match: a 412 shows the record as it is now), and detaching an external identity after a
 * confirmation step, and their broker sessions, each signed out or all at once (user-sessions.tsx).
 * Every read and write is the admin API's (page.ts), so its audit log records each change as the
 * person (`user.disable`, `user.enable`, `user.identity.detach`, `session.end`).
 */
import type { Child } from "hono/jsx";
import { pageError } from "../admin-client";
import { Checkbox, ErrorSummary, errorsFromProblem, TextField, type FieldErrors } from "../forms";
import { ConsolePage, CsrfField } from "../layout";
import { PostForm } from "../post-form";
import { NextPageLink, pageQuery, RecordTable, type Column } from "../lists";
import type { ConsolePages, ConsoleRequest } from "../page";
import { projectOf, type Project } from "../project";
import { isStale, noticeOf, RecordHeading } from "../record";
import { readUserSessions, SessionsSection, sessionsApiPath, type UserSessions } from "./user-sessions";

/** A user as the API shows it (the fields the console reads). */
interface UserView {
  id: string;
  projectId: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  externalIds: { providerId: string; subject: string }[];
  disabled: boolean;
  roles?: string[];
  createdAt: string;
  updatedAt: string;
}

const LABELS: Record<string, string> = { email: "Email", confirm: "Confirm", disabled: "Status" };

const enc = encodeURIComponent;
const apiPath = (projectId: string, userId?: string) => `/projects/${enc(projectId)}/users${userId === undefined ? "" : `/${enc(userId)}`}`;
const pagePath = (projectId: string, userId?: string) => `/console${apiPath(projectId, userId)}`;
const identityPath = (projectId: string, userId: string, id: { providerId: string; subject: string }) =>
  `${apiPath(projectId, userId)}/identities/${enc(id.providerId)}/${enc(id.subject)}`;

const displayName = (user: UserView) => user.name ?? user.email ?? user.id;

function Page(props: { r: ConsoleRequest; project: Project; title: string; children?: Child }) {
  return (
    <ConsolePage title={props.title} viewer={props.r.viewer} project={props.project} current="users">
      {props.children}
    </ConsolePage>
  );
}

function SearchForm({ project, email, errors }: { project: Project; email: string; errors: FieldErrors }) {
  return (
    <>
      <ErrorSummary errors={errors} labels={LABELS} />
      <form method="get" action={pagePath(project.id)} role="search" aria-label="Users">
        <TextField name="email" label="Find a user by verified email" value={email} errors={errors} maxlength={320} hint="The whole address; empty lists every user." />
        <button type="submit" class="inline">
          Search
        </button>
      </form>
    </>
  );
}

const userColumns = (project: Project): Column<UserView>[] => [
  { head: "Name", cell: (user) => <a href={pagePath(project.id, user.id)}>{displayName(user)}</a> },
  { head: "Email", cell: (user) => (user.email ? `${user.email}${user.emailVerified ? "" : " (not verified)"}` : "none") },
  { head: "Identities", cell: (user) => user.externalIds.length },
  { head: "Status", cell: (user) => (user.disabled ? "Disabled" : "Active") },
];

const identityColumns = (project: Project, user: UserView): Column<UserView["externalIds"][number]>[] => [
  { head: "Provider", cell: (id) => id.providerId },
  { head: "Subject", cell: (id) => <code>{id.subject}</code> },
  {
    head: <span class="visually-hidden">Action</span>,
    cell: (id) => (
      <a href={`/console${identityPath(project.id, user.id, id)}/detach`} aria-label={`Detach ${id.providerId} identity ${id.subject}`}>
        Detach
      </a>
    ),
  },
];

function UserDetails({ user }: { user: UserView }) {
  return (
    <dl>
      <dt>User id</dt>
      <dd>
        <code>{user.id}</code>
      </dd>
      <dt>Name</dt>
      <dd>{user.name ?? "none"}</dd>
      <dt>Email</dt>
      <dd>{user.email ?? "none"}</dd>
      <dt>Email verified</dt>
      <dd>{user.emailVerified ? "Yes" : "No"}</dd>
      <dt>Status</dt>
      <dd>{user.disabled ? "Disabled: cannot sign in or receive tokens" : "Active"}</dd>
      <dt>Admin roles</dt>
      <dd>{user.roles && user.roles.length > 0 ? user.roles.join(", ") : "none"}</dd>
      <dt>Created</dt>
      <dd>{user.createdAt}</dd>
      <dt>Last changed</dt>
      <dd>{user.updatedAt}</dd>
    </dl>
  );
}

interface UserPageState {
  notice?: string;
  /** The status change was posted against an older version: the record is shown as it is now. */
  conflict?: string;
  statusErrors?: FieldErrors;
  identityErrors?: FieldErrors;
  sessionErrors?: FieldErrors;
}

function UserPage(props: { r: ConsoleRequest; project: Project; user: UserView; etag: string; sessions: UserSessions; state: UserPageState }) {
  const { r, project, user, etag, sessions, state } = props;
  const base = pagePath(project.id, user.id);
  return (
    <Page r={r} project={project} title={displayName(user)}>
      <RecordHeading list={{ href: pagePath(project.id), text: "All users" }} heading={displayName(user)} notice={state.notice} conflict={state.conflict}>
        <UserDetails user={user} />
      </RecordHeading>
      <section aria-labelledby="status">
        <h2 id="status">{user.disabled ? "Enable" : "Disable"}</h2>
        <PostForm action={`${base}/status`} csrf={r.viewer.csrf} errors={state.statusErrors ?? new Map()} labels={LABELS} etag={etag}>
          <input type="hidden" name="disabled" value={user.disabled ? "false" : "true"} />
          <p class="hint" id="status-hint">
            {user.disabled
              ? "The user can sign in again and receive tokens."
              : "The user can no longer sign in, their sessions end, and their refresh tokens and exchanges are refused at once."}
          </p>
          <button type="submit" class={user.disabled ? "inline" : "inline danger"} aria-describedby="status-hint">
            {user.disabled ? "Enable user" : "Disable user"}
          </button>
        </PostForm>
      </section>
      <section aria-labelledby="identities">
        <h2 id="identities">External identities</h2>
        <ErrorSummary errors={state.identityErrors ?? new Map()} labels={LABELS} />
        {user.externalIds.length === 0 ? (
          <p>This user has no external identity: they sign in by verified email only, where a provider links by email.</p>
        ) : (
          <RecordTable caption={`External identities of ${displayName(user)}`} columns={identityColumns(project, user)} records={user.externalIds} />
        )}
      </section>
      <SessionsSection project={project} userId={user.id} userName={displayName(user)} csrf={r.viewer.csrf} sessions={sessions} {...(state.sessionErrors ? { errors: state.sessionErrors } : {})} />
    </Page>
  );
}

/** The confirmation step of a detach: what goes, what follows, a POST form. */
function DetachPage(props: { r: ConsoleRequest; project: Project; user: UserView; identity: { providerId: string; subject: string }; errors: FieldErrors }) {
  const { r, project, user, identity, errors } = props;
  return (
    <Page r={r} project={project} title="Detach an identity">
      <p>
        <a href={pagePath(project.id, user.id)}>Back to {displayName(user)}</a>
      </p>
      <h1>Detach an identity from {displayName(user)}</h1>
      <ErrorSummary errors={errors} labels={LABELS} />
      <dl>
        <dt>Provider</dt>
        <dd>{identity.providerId}</dd>
        <dt>Subject</dt>
        <dd>
          <code>{identity.subject}</code>
        </dd>
      </dl>
      <p>
        Signing in at {identity.providerId} as this subject will no longer reach this user: depending on the provider's settings, it links to a user by verified email,
        creates a new user, or is refused.
      </p>
      <form method="post" action={`/console${identityPath(project.id, user.id, identity)}/detach`}>
        <CsrfField token={r.viewer.csrf} />
        <Checkbox name="confirm" label="Detach this identity from the user." errors={errors} required />
        <div class="actions">
          <button type="submit" class="inline danger">
            Detach identity
          </button>
          <a href={pagePath(project.id, user.id)}>Cancel</a>
        </div>
      </form>
    </Page>
  );
}

/** The user in the path, as read now, with its ETag. */
const readUser = (r: ConsoleRequest, project: Project) => r.api.must<UserView>("GET", apiPath(project.id, r.param("userId")));

async function userPage(r: ConsoleRequest, project: Project, status: number, state: UserPageState = {}): Promise<Response> {
  const [{ body: user, etag }, sessions] = await Promise.all([readUser(r, project), readUserSessions(r, project.id, r.param("userId"))]);
  return r.render(<UserPage r={r} project={project} user={user} etag={etag ?? ""} sessions={sessions} state={state} />, status);
}

const NOTICES: Record<string, string> = {
  disabled: "The user is disabled.", enabled: "The user is enabled.", detached: "The identity was detached.",
  "signed-out": "The session was ended: that browser must sign in at the identity provider again.",
  "signed-out-everywhere": "Every session of the user was ended.",
};

/** The path's identity, as the user has it (a 404 page when they do not). */
function identityOf(r: ConsoleRequest, user: UserView): { providerId: string; subject: string } {
  const wanted = { providerId: r.param("providerId"), subject: r.param("subject") };
  const held = user.externalIds.find((id) => id.providerId === wanted.providerId && id.subject === wanted.subject);
  if (!held) throw pageError({ status: 404, title: "Not found", detail: "This user has no such external identity." });
  return held;
}

export function userPages(pages: ConsolePages): void {
  pages.get("/projects/:projectId/users", async (r) => {
    const project = await projectOf(r);
    const email = (r.c.req.query("email") ?? "").trim();
    // A search is one answer: the cursor pages the whole list only.
    const query = email ? new URLSearchParams({ limit: "50", email }) : pageQuery(r, "50");
    const answer = await r.api.call<{ items: UserView[]; nextCursor?: string }>("GET", `${apiPath(project.id)}?${query}`);
    if (!answer.ok && answer.status !== 400) throw pageError(answer.problem);
    const errors = answer.ok ? new Map<string, string>() : errorsFromProblem(answer.problem, { email: "email", cursor: "" });
    const body = answer.ok ? answer.body : { items: [] };
    return r.render(
      <Page r={r} project={project} title={`${project.name}: users`}>
        <h1>Users</h1>
        <SearchForm project={project} email={email} errors={errors} />
        {!answer.ok ? null : body.items.length === 0 ? (
          <p role="status">{email ? `No user of this project has the verified email ${email}.` : "This project has no users yet."}</p>
        ) : (
          <RecordTable caption={`Users of ${project.name}`} columns={userColumns(project)} records={body.items} />
        )}
        <NextPageLink path={pagePath(project.id)} cursor={body.nextCursor} />
      </Page>,
      answer.ok ? 200 : answer.status,
    );
  });

  pages.get("/projects/:projectId/users/:userId", async (r) => {
    return userPage(r, await projectOf(r), 200, noticeOf(r, NOTICES));
  });

  pages.post("/projects/:projectId/users/:userId/status", async (r) => {
    const project = await projectOf(r);
    const wanted = r.form.get("disabled");
    if (wanted !== "true" && wanted !== "false") return userPage(r, project, 400, { statusErrors: new Map([["disabled", "choose to disable or to enable the user"]]) });
    const disabled = wanted === "true";
    const answer = await r.api.call<UserView>("PATCH", apiPath(project.id, r.param("userId")), { body: { disabled }, ifMatch: r.form.get("etag") ?? "" });
    if (answer.ok) return r.c.redirect(`${pagePath(project.id, r.param("userId"))}?notice=${disabled ? "disabled" : "enabled"}`, 303);
    if (isStale(answer)) {
      const asked = disabled ? "disable" : "enable";
      return userPage(r, project, 409, { conflict: `You asked to ${asked} this user; nothing was changed. If you still want to, use the button below again.` });
    }
    return userPage(r, project, answer.status, { statusErrors: errorsFromProblem(answer.problem, { disabled: "disabled" }) });
  });

  pages.post("/projects/:projectId/users/:userId/sessions/:sessionId/sign-out", async (r) => {
    const project = await projectOf(r);
    const answer = await r.api.call("DELETE", sessionsApiPath(project.id, r.param("userId"), r.param("sessionId")));
    if (answer.ok) return r.c.redirect(`${pagePath(project.id, r.param("userId"))}?notice=signed-out`, 303);
    if (answer.status === 404 && answer.problem.detail?.startsWith("No session ")) {
      return userPage(r, project, 404, { sessionErrors: new Map([["", "That session had already ended (signed out, expired, or its user disabled)."]]) });
    }
    return userPage(r, project, answer.status, { sessionErrors: errorsFromProblem(answer.problem, {}) });
  });

  pages.post("/projects/:projectId/users/:userId/sessions/sign-out", async (r) => {
    const project = await projectOf(r);
    const answer = await r.api.call("DELETE", sessionsApiPath(project.id, r.param("userId")));
    if (answer.ok) return r.c.redirect(`${pagePath(project.id, r.param("userId"))}?notice=signed-out-everywhere`, 303);
    return userPage(r, project, answer.status, { sessionErrors: errorsFromProblem(answer.problem, {}) });
  });

  pages.get("/projects/:projectId/users/:userId/identities/:providerId/:subject/detach", async (r) => {
    const project = await projectOf(r);
    const { body: user } = await readUser(r, project);
    return r.render(<DetachPage r={r} project={project} user={user} identity={identityOf(r, user)} errors={new Map()} />);
  });

  pages.post("/projects/:projectId/users/:userId/identities/:providerId/:subject/detach", async (r) => {
    const project = await projectOf(r);
    const { body: user } = await readUser(r, project);
    const identity = identityOf(r, user);
    if (r.form.get("confirm") !== "yes") {
      return r.render(<DetachPage r={r} project={project} user={user} identity={identity} errors={new Map([["confirm", "tick the box to confirm"]])} />, 400);
    }
    const answer = await r.api.call("DELETE", identityPath(project.id, user.id, identity));
    if (answer.ok) return r.c.redirect(`${pagePath(project.id, user.id)}?notice=detached`, 303);
    return userPage(r, project, answer.status, { identityErrors: errorsFromProblem(answer.problem, {}) });
  });
}
