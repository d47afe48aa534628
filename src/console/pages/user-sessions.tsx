/**
 * The "Sessions" section of a user's console page: their live broker sessions (provider, when they
 * signed in, whether that was multi-factor, the apps signed in with each, last use, end), a "Sign
 * out" form per session and one for all of them. Read and ended through the admin API, which
 * revokes the sessions' grants and audits `session.end` as the person (users.tsx posts the forms).
 */
import { ErrorSummary, type FieldErrors } from "../forms";
import { RecordTable, type Column } from "../lists";
import type { ConsoleRequest } from "../page";
import { PostForm } from "../post-form";
import type { Project } from "../project";

/** A session as the API shows it (the fields the console reads). */
export interface SessionView {
  id: string;
  providerId: string;
  authTime: string;
  mfa: boolean;
  clients: { clientId: string; lastSignInAt: string }[];
  lastSeenAt: string;
  expiresAt: string;
  idleExpiresAt: string;
  userAgent?: string;
}

/** A user's sessions, with the names of the project's apps to show them by. */
export interface UserSessions {
  items: SessionView[];
  clientNames: ReadonlyMap<string, string>;
}

const enc = encodeURIComponent;
export const sessionsApiPath = (projectId: string, userId: string, sessionId?: string) =>
  `/projects/${enc(projectId)}/users/${enc(userId)}/sessions${sessionId === undefined ? "" : `/${enc(sessionId)}`}`;

/** The user's live sessions; the app names only when there are sessions to show (one page of clients, else ids). */
export async function readUserSessions(r: ConsoleRequest, projectId: string, userId: string): Promise<UserSessions> {
  const { body } = await r.api.must<{ items: SessionView[] }>("GET", sessionsApiPath(projectId, userId));
  if (body.items.length === 0) return { items: [], clientNames: new Map() };
  // The names are a convenience: without them the apps show by id.
  const clients = await r.api.call<{ items: { id: string; name: string }[] }>("GET", `/projects/${enc(projectId)}/clients?limit=200`);
  return { items: body.items, clientNames: new Map(clients.ok ? clients.body.items.map((client) => [client.id, client.name]) : []) };
}

/** An ISO time as the console shows times: to the minute, UTC. */
const when = (iso: string) => <time datetime={iso}>{iso.replace("T", " ").replace(/:\d{2}(\.\d+)?Z$/, " UTC")}</time>;

function columns(project: Project, userId: string, csrf: string, names: ReadonlyMap<string, string>): Column<SessionView>[] {
  return [
    { head: "Provider", cell: (session) => session.providerId },
    { head: "Signed in", cell: (session) => when(session.authTime) },
    { head: "MFA", cell: (session) => (session.mfa ? "Yes" : "No") },
    { head: "Apps", cell: (session) => session.clients.map((entry) => names.get(entry.clientId) ?? entry.clientId).join(", ") },
    { head: "Last seen", cell: (session) => when(session.lastSeenAt) },
    {
      head: "Expires",
      // Whichever end comes first: unused until the idle end, or the absolute end.
      cell: (session) => (session.idleExpiresAt < session.expiresAt ? <>{when(session.idleExpiresAt)} if not used again</> : when(session.expiresAt)),
    },
    {
      head: <span class="visually-hidden">Action</span>,
      cell: (session) => (
        <PostForm action={`/console${sessionsApiPath(project.id, userId, session.id)}/sign-out`} csrf={csrf}>
          <button type="submit" class="inline danger">
            Sign out<span class="visually-hidden"> of the session {session.id}</span>
          </button>
        </PostForm>
      ),
    },
  ];
}

export function SessionsSection(props: { project: Project; userId: string; userName: string; csrf: string; sessions: UserSessions; errors?: FieldErrors }) {
  const { project, userId, userName, csrf, sessions, errors = new Map() } = props;
  return (
    <section aria-labelledby="sessions">
      <h2 id="sessions">Sessions</h2>
      <ErrorSummary errors={errors} labels={{}} />
      {sessions.items.length === 0 ? (
        <p>This user has no live session: their next sign-in to any of the project's apps goes to their identity provider.</p>
      ) : (
        <>
          <p class="hint" id="sessions-hint">
            Each session lets one browser sign in to the project's apps without the identity provider. Signing out ends it: the apps' refresh tokens from it stop
            working, and that browser must sign in at the provider again.
          </p>
          <RecordTable caption={`Sessions of ${userName}`} columns={columns(project, userId, csrf, sessions.clientNames)} records={sessions.items} />
          <PostForm action={`/console${sessionsApiPath(project.id, userId)}/sign-out`} csrf={csrf}>
            <button type="submit" class="inline danger" aria-describedby="sessions-hint">
              Sign out everywhere
            </button>
          </PostForm>
        </>
      )}
    </section>
  );
}
