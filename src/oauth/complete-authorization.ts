/**
 * The authorization server's half of a browser sign-in, after federation/ has signed the person in
 * upstream: the pending authorization request is taken (once) and judged against what the person's
 * authentication must satisfy (`max_age`, `prompt=login`, the MFA policy); the broker session is
 * created, or extended when this browser's session is the same person's (another person's is ended);
 * Fedgate seals its own code (oauth/codes.ts) and the browser goes back to the client with `code`,
 * `state` and `iss` (303; RFC 6749 §4.1.2, RFC 9207). Audited as `login.success`.
 * A sign-in from an existing session (oauth/sso.ts) issues its code here too (`respondWithCode`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { OAuthError, Problem, type OAuthErrorCode } from "../errors";
import type { SignedIn, SignInRequest } from "../identity/sign-in";
import type { User } from "../identity/users";
import { findClient, type Client } from "../registry/clients";
import { findProject } from "../registry/projects";
import { auditLater } from "../security/audit";
import { readSessionCookie, writeSessionCookie } from "../sessions/cookie";
import { endSession } from "../sessions/end-session";
import { MFA_ACR } from "../sessions/mfa";
import { BrokerSessions, newSessionId, sessionLifetimes, type Authentication } from "../sessions/records";
import { grantIdFor } from "../tokens/grants";
import { getPendingAuthorization, redirectTo, signInRequestOf, takePendingAuthorization, type PendingAuthorization } from "./authorization-request";
import { codeHashOfIssued, issueCode } from "./codes";

/** How much older than asked an upstream `auth_time` may be: the clocks' skew, as for `iat`. */
const AUTH_TIME_SKEW_S = 60;

/** The pending request a sign-in form names, as federation/ sees it; null when gone. */
export async function findSignInRequest(c: Context<AppEnv>, requestId: string): Promise<SignInRequest | null> {
  const request = await getPendingAuthorization(c.get("store"), requestId);
  return request ? signInRequestOf(request) : null;
}

/** Who the code is for and how they authenticated; `sessionId` names the broker session (`sid`). */
export interface CodeSubject extends Authentication {
  user: Pick<User, "id" | "email" | "emailVerified" | "name">;
  roles: string[];
  sessionId: string;
}

/** Seals Fedgate's code for `request`; returns it and the id of the grant its redemption creates. */
export async function sealCode(c: Context<AppEnv>, request: PendingAuthorization, subject: CodeSubject): Promise<{ code: string; grantId: string }> {
  const code = await issueCode(c.get("config").encryptionKey, {
    projectId: request.projectId, clientId: request.clientId, redirectUri: request.redirectUri, codeChallenge: request.codeChallenge,
    scope: request.scope, ...(request.nonce ? { nonce: request.nonce } : {}), authTime: subject.authTime, amr: subject.amr,
    ...(subject.acr === undefined ? {} : { acr: subject.acr }), idp: subject.providerId, user: subject.user, roles: subject.roles, sessionId: subject.sessionId,
  });
  return { code, grantId: await grantIdFor({ kind: "code", codeHash: await codeHashOfIssued(code) }) };
}

/** Sends the browser back to the client with its code (303), audited as `login.success`. */
export function respondWithCode(c: Context<AppEnv>, request: PendingAuthorization, code: string, audit: { userId: string; after: Record<string, unknown> }): Response {
  auditLater(c, {
    projectId: request.projectId, actor: { kind: "user", userId: audit.userId }, action: "login.success",
    target: { type: "client", id: request.clientId }, after: audit.after,
  });
  c.header("Cache-Control", "no-store");
  return c.redirect(redirectTo(request.redirectUri, c.get("config").issuer, request.state, { code }), 303);
}

/** A sign-in the client's request cannot accept: back to the client with the error, audited with the reason. */
function refused(request: PendingAuthorization, signedIn: SignedIn, error: OAuthErrorCode, description: string, reason: string): OAuthError {
  return new OAuthError(error, description, 400, {
    detail: reason,
    present: { as: "redirect", redirectUri: request.redirectUri, state: request.state },
    audit: {
      projectId: request.projectId, actor: { kind: "user", userId: signedIn.user.id }, action: "login.failure",
      target: { type: "client", id: request.clientId }, outcome: "failure", reason,
    },
  });
}

/**
 * What the request demands of the authentication (OIDC Core §3.1.2.1, §3.1.2.3): no older than
 * `max_age`; after the request for `prompt=login`; multi-factor where the policy says so.
 */
function checkAuthentication(request: PendingAuthorization, client: Client, signedIn: SignedIn): void {
  const now = Math.floor(Date.now() / 1000);
  if (request.maxAge !== undefined && signedIn.authTime < now - request.maxAge - AUTH_TIME_SKEW_S) {
    throw refused(request, signedIn, "login_required", "The identity provider did not authenticate you again as the application asked.", `auth_time ${signedIn.authTime} older than max_age ${request.maxAge}`);
  }
  if (request.prompt?.includes("login") && signedIn.authTime < Math.floor(request.createdAt / 1000) - AUTH_TIME_SKEW_S) {
    throw refused(request, signedIn, "login_required", "The identity provider did not authenticate you again as the application asked.", `auth_time ${signedIn.authTime} before the prompt=login request`);
  }
  if (request.mfa && !signedIn.mfa) {
    throw refused(request, signedIn, "unmet_authentication_requirements", "This application requires multi-factor authentication, and your identity provider did not report one.",
      `MFA required (${client.requireMfa ? "client" : request.acrValues?.includes(MFA_ACR) ? "acr_values" : "project"}); the provider reported amr ${JSON.stringify(signedIn.amr)}${signedIn.acr ? `, acr ${signedIn.acr}` : ""}`);
  }
}

/** Issues Fedgate's code for the person signed in, within their broker session, and redirects to the client (303). */
export async function completeAuthorization(c: Context<AppEnv>, signedIn: SignedIn): Promise<Response> {
  const { store } = c.var;
  const request = await takePendingAuthorization(store, signedIn.requestId);
  const client = request ? await findClient(store, request.clientId) : null;
  if (!request || !client) {
    const reason = request ? "client deleted" : "authorization request gone";
    throw new Problem(400, "Sign-in expired", {
      description: "This sign-in took too long or was already used. Go back to the application and start again.",
      present: { as: "page", title: "Sign-in expired" },
      detail: reason,
      audit: {
        projectId: signedIn.projectId, actor: { kind: "anonymous" }, action: "login.failure",
        target: { type: "provider", id: signedIn.providerId }, outcome: "failure", reason,
      },
    });
  }
  const project = await findProject(store, request.projectId);
  checkAuthentication(request, client, signedIn);

  const sessions = new BrokerSessions(store);
  const existing = await sessions.fromCookie(request.projectId, readSessionCookie(c, request.projectId));
  const samePerson = existing?.session.value.userId === signedIn.user.id ? existing.session : undefined;
  const authentication: Authentication = {
    providerId: signedIn.providerId, authTime: signedIn.authTime, amr: signedIn.amr, mfa: signedIn.mfa, ...(signedIn.acr === undefined ? {} : { acr: signedIn.acr }),
  };
  const seal = (sessionId: string) => sealCode(c, request, { ...authentication, user: signedIn.user, roles: signedIn.roles, sessionId });
  let sessionId = samePerson?.value.id ?? newSessionId();
  let { code, grantId } = await seal(sessionId);

  // The same person authenticating again keeps their session (and its apps); anyone else starts one.
  if (!samePerson || !(await sessions.signIn(samePerson, client.id, grantId, authentication))) {
    if (existing && !samePerson) await endSession(c, existing.session.value, "replaced", { kind: "user", userId: signedIn.user.id });
    // A session that ended meanwhile stays ended: its id is never taken up again.
    if (samePerson) ({ code, grantId } = await seal((sessionId = newSessionId())));
    const lifetimes = sessionLifetimes(project);
    const userAgent = c.req.header("User-Agent");
    const created = await sessions.create(
      { ...authentication, id: sessionId, projectId: request.projectId, userId: signedIn.user.id, clientId: client.id, grantId, ...(userAgent ? { userAgent } : {}) },
      lifetimes,
    );
    writeSessionCookie(c, request.projectId, created.cookie, lifetimes.maxSeconds);
  }
  return respondWithCode(c, request, code, {
    userId: signedIn.user.id, after: { provider: signedIn.providerId, outcome: signedIn.outcome, via: signedIn.via, session: sessionId, mfa: signedIn.mfa },
  });
}
