/**
 * A user's broker sessions (sessions/records.ts): listing them, and ending one or all of them, which
 * revokes the grants their apps' codes created (sessions/end-session.ts). Disabling a user ends
 * theirs too (routes/users.ts). Never shows a session's secret hash.
 */
import type { Context } from "hono";
import type * as z from "zod/mini";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { getUser, type User } from "../../identity/users";
import { endSession, type EndReason } from "../../sessions/end-session";
import { BrokerSessions, isSessionId, sessionEnd, type BrokerSession } from "../../sessions/records";
import { notFound } from "../auth";
import { operation } from "../openapi";
import { SessionList, SessionsEnded, type SessionView } from "../schemas";
import { recordInPath } from "./scope";

const iso = (ms: number): string => new Date(ms).toISOString();

/** What the API shows of a session. */
export function sessionView(session: BrokerSession): z.output<typeof SessionView> {
  return {
    id: session.id, providerId: session.providerId, authTime: iso(session.authTime * 1000), amr: session.amr,
    ...(session.acr === undefined ? {} : { acr: session.acr }), mfa: session.mfa,
    clients: session.clients.map((entry) => ({ clientId: entry.clientId, lastSignInAt: iso(entry.at) })),
    createdAt: iso(session.createdAt), lastSeenAt: iso(session.lastSeenAt), expiresAt: iso(session.expiresAt),
    idleExpiresAt: iso(session.lastSeenAt + session.idleSeconds * 1000),
    ...(session.userAgent === undefined ? {} : { userAgent: session.userAgent }),
  };
}

/** Ends every live session of a user; how many this call ended (one already ending elsewhere is not counted). */
export async function endUserSessions(c: Context<AppEnv>, projectId: string, userId: string, reason: EndReason): Promise<number> {
  const sessions = await new BrokerSessions(c.get("store")).list(projectId, userId);
  const ended = await Promise.all(sessions.map((session) => endSession(c, session, reason, c.get("actor"))));
  return ended.filter(Boolean).length;
}

/** The user named in the path (404 if missing or another project's). */
const userInPath = (c: Context<AppEnv>): Promise<User> => recordInPath(c, "userId", "user", getUser);

/** The user's live session named in the path: 400 for what cannot be a session id, 404 for no such live session. */
async function sessionInPath(c: Context<AppEnv>): Promise<BrokerSession> {
  const user = await userInPath(c);
  const sessionId = c.req.param("sessionId")!;
  if (!isSessionId(sessionId)) throw new Problem(400, "Bad Request", { description: `"sessionId": must be a session id (ses_ and 26 letters and digits).` });
  const session = await new BrokerSessions(c.get("store")).get(user.projectId, user.id, sessionId);
  if (!session || sessionEnd(session) <= Date.now()) throw notFound("session", sessionId);
  return session;
}

export const sessionOperations = [
  operation({
    method: "get", path: "/projects/{projectId}/users/{userId}/sessions", tag: "Users", summary: "List a user's broker sessions",
    description: "The live sessions (newest first) that let the user's browsers sign in to the project's apps without their identity provider.",
    load: userInPath, responses: { 200: { description: "The user's live sessions", schema: SessionList } },
    handler: async (c, { target: user }) => {
      const sessions = await new BrokerSessions(c.get("store")).list(user.projectId, user.id);
      return c.json({ items: sessions.map(sessionView) });
    },
  }),
  operation({
    method: "delete", path: "/projects/{projectId}/users/{userId}/sessions/{sessionId}", tag: "Users", summary: "Sign a user out of one session",
    description: "Ends the session: its apps' refresh tokens are revoked, the next sign-in in that browser goes to the identity provider again, and apps that registered a back-channel logout URI are told. Audited as `session.end`.",
    load: sessionInPath, responses: { 204: { description: "Ended" } },
    handler: async (c, { target: session }) => {
      // Ended by another request since it was read: no such live session any more.
      if (!(await endSession(c, session, "admin_revoked", c.get("actor")))) throw notFound("session", session.id);
      return c.body(null, 204);
    },
  }),
  operation({
    method: "delete", path: "/projects/{projectId}/users/{userId}/sessions", tag: "Users", summary: "Sign a user out everywhere: end all their sessions",
    description: "Ends each of the user's live sessions as the single delete does. The user can sign in again; to stop that, disable them.",
    load: userInPath, responses: { 200: { description: "How many sessions were ended", schema: SessionsEnded } },
    handler: async (c, { target: user }) => c.json({ ended: await endUserSessions(c, user.projectId, user.id, "admin_revoked") }),
  }),
];
