/**
 * Single sign-on across a project's apps: an authorization request from a browser with a live broker
 * session (sessions/records.ts) is answered with a code at once, without the identity provider,
 * unless the request or the policy wants a new authentication:
 * - `prompt=login` or `select_account`, or `max_age` shorter than the session's authentication;
 * - a `login_hint` naming another email than the session's person;
 * - a client with its own provider, when the session was signed in with another one;
 * - an MFA policy the session's authentication did not satisfy;
 * - a user who is gone or disabled.
 * With `prompt=none` any of these is an error redirect (`login_required`, or `interaction_required`
 * when only a step-up is missing), never a page (OIDC Core §3.1.2.1, §3.1.2.6).
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { OAuthError } from "../errors";
import { effectiveRoles, normaliseEmail, type User } from "../identity/users";
import type { Client } from "../registry/clients";
import { readSessionCookie } from "../sessions/cookie";
import { BrokerSessions, type BrokerSession } from "../sessions/records";
import type { Versioned } from "../store/store";
import type { PendingAuthorization } from "./authorization-request";
import { respondWithCode, sealCode } from "./complete-authorization";

/** A session the request may sign in with, or why not. */
export type SessionVerdict =
  | { usable: true; session: Versioned<BrokerSession>; user: User }
  | { usable: false; error: "login_required" | "interaction_required"; reason: string };

const unusable = (reason: string, error: "login_required" | "interaction_required" = "login_required"): SessionVerdict => ({ usable: false, error, reason });

/** Whether this browser's session for the client's project can answer `request`. */
export async function judgeSession(c: Context<AppEnv>, client: Client, request: PendingAuthorization): Promise<SessionVerdict> {
  const found = await new BrokerSessions(c.get("store")).fromCookie(client.projectId, readSessionCookie(c, client.projectId));
  if (!found) return unusable("no session");
  const { session, user } = found;
  const { authTime, providerId, mfa } = session.value;
  if (!user || user.disabled) return unusable("the session's user is gone or disabled");
  if (request.prompt?.includes("login") || request.prompt?.includes("select_account")) return unusable(`prompt=${request.prompt.join(" ")}`);
  // max_age=0 is prompt=login (OIDC Core §3.1.2.1).
  if (request.maxAge !== undefined && (request.maxAge === 0 || Math.floor(Date.now() / 1000) - authTime > request.maxAge)) return unusable("authentication older than max_age");
  const hint = request.loginHint?.includes("@") ? normaliseEmail(request.loginHint) : undefined;
  if (hint !== undefined && hint !== user.email) return unusable("login_hint names another person");
  if (client.providerId && client.providerId !== providerId) return unusable("the client signs in with another provider");
  if (request.mfa && !mfa) return unusable("MFA required, the session's authentication was not multi-factor", "interaction_required");
  return { usable: true, session, user };
}

/** Answers the request from the session: a code for its person, the client added to the session. */
export async function signInWithSession(c: Context<AppEnv>, client: Client, request: PendingAuthorization, verdict: Extract<SessionVerdict, { usable: true }>): Promise<Response | null> {
  const { session, user } = verdict;
  const { id: sessionId, providerId, authTime, amr, acr, mfa } = session.value;
  const { code, grantId } = await sealCode(c, request, {
    providerId, authTime, amr, mfa, ...(acr === undefined ? {} : { acr }),
    user: { id: user.id, email: user.email, emailVerified: user.emailVerified, name: user.name }, roles: effectiveRoles(user), sessionId,
  });
  // Ended or lapsed since it was read: sign in upstream as if there had been none.
  if (!(await new BrokerSessions(c.get("store")).signIn(session, client.id, grantId))) return null;
  return respondWithCode(c, request, code, { userId: user.id, after: { provider: providerId, via: "session", session: sessionId } });
}

/** `prompt=none` without a usable session: the error goes back to the client, audited. */
export function noInteraction(client: Client, request: PendingAuthorization, verdict: Extract<SessionVerdict, { usable: false }>): OAuthError {
  const description = verdict.error === "login_required" ? "The person must sign in." : "The person must authenticate again (multi-factor).";
  return new OAuthError(verdict.error, description, 400, {
    detail: verdict.reason,
    present: { as: "redirect", redirectUri: request.redirectUri, state: request.state },
    audit: { projectId: client.projectId, actor: { kind: "anonymous" }, action: "login.failure", target: { type: "client", id: client.id }, outcome: "failure", reason: `prompt=none: ${verdict.reason}` },
  });
}
