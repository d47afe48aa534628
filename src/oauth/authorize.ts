/**
 * `GET /oauth2/authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2): validates the request; answers it from
 * this browser's broker session when it can (oauth/sso.ts), else keeps it while the person signs in
 * and hands the sign-in to federation/ (`continueSignIn`); the callback comes back to
 * `completeAuthorization` (complete-authorization.ts). An unknown client or redirect URI
 * gets Fedgate's error page, never a redirect (AS-2); later problems go back to the client with
 * `error`, `state` and `iss` in a 303 (AS-5, AS-14): the errors say which, the one error handler
 * answers them. No CORS here (AS-14).
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { OAuthError } from "../errors";
import { continueSignIn } from "../federation";
import { ipRefusal } from "../security/ip-access";
import { rateLimit } from "../security/rate-limit";
import { findProject } from "../registry/projects";
import { mfaRequired } from "../sessions/mfa";
import { savePendingAuthorization, signInRequestOf, validateAuthorizationRequest } from "./authorization-request";
import { judgeSession, noInteraction, signInWithSession } from "./sso";

export const authorize = new Hono<AppEnv>().get("/", rateLimit({ name: "sign-in", limits: (config) => config.rateLimits.signIn }), async (c) => {
  const { store } = c.var;
  const { client, request } = await validateAuthorizationRequest(store, new URL(c.req.url).searchParams);
  const refusedBy = await ipRefusal(c, client);
  if (refusedBy) {
    throw new OAuthError("access_denied", "Sign-in is not allowed from this network.", 403, {
      present: { as: "redirect", redirectUri: request.redirectUri, state: request.state },
      audit: { projectId: client.projectId, actor: { kind: "anonymous" }, action: "login.failure", target: { type: "client", id: client.id }, outcome: "failure", reason: `IP address not allowed by the ${refusedBy}'s rules` },
    });
  }
  const project = await findProject(store, client.projectId);
  if (mfaRequired(client, project, request.acrValues)) request.mfa = true;
  const verdict = await judgeSession(c, client, request);
  if (verdict.usable) {
    const answered = await signInWithSession(c, client, request, verdict);
    if (answered) return answered;
  }
  if (request.prompt?.includes("none")) {
    throw noInteraction(client, request, verdict.usable ? { usable: false, error: "login_required", reason: "the session ended meanwhile" } : verdict);
  }
  await savePendingAuthorization(store, request);
  return continueSignIn(c, signInRequestOf(request, client));
});
