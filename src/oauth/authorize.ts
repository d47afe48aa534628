/**
 * `GET /oauth2/authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2): validates the request, keeps it while
 * the person signs in, and sends them on (federation/routing.ts). An unknown client or redirect URI
 * gets Fedgate's error page, never a redirect (AS-2); later problems go back to the client with
 * `error`, `state` and `iss` in a 303 (AS-5, AS-14). No CORS here (AS-14).
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { continueSignIn, showError } from "../federation/routing";
import { auditLater } from "../security/audit";
import { ipRefusal } from "../security/ip-access";
import { rateLimit } from "../security/rate-limit";
import {
  AuthorizationPageError, AuthorizationRedirectError, redirectTo, savePendingAuthorization, validateAuthorizationRequest,
} from "./authorization-request";

export const authorize = new Hono<AppEnv>().get("/", rateLimit({ name: "sign-in", limits: (config) => config.rateLimits.signIn }), async (c) => {
  const { store, config } = c.var;
  try {
    const { client, request } = await validateAuthorizationRequest(store, new URL(c.req.url).searchParams);
    const refusedBy = await ipRefusal(c, client);
    if (refusedBy) {
      auditLater(c, { projectId: client.projectId, actor: { kind: "anonymous" }, action: "login.failure", target: { type: "client", id: client.id }, outcome: "failure", reason: `IP address not allowed by the ${refusedBy}'s rules` });
      throw new AuthorizationRedirectError(request.redirectUri, request.state, "access_denied", "Sign-in is not allowed from this network.");
    }
    await savePendingAuthorization(store, request);
    return await continueSignIn(c, client, request);
  } catch (error) {
    if (error instanceof AuthorizationPageError) return showError(c, { title: error.title, message: error.description, status: error.status });
    if (error instanceof AuthorizationRedirectError) {
      c.header("Cache-Control", "no-store");
      return c.redirect(redirectTo(error.redirectUri, config.issuer, error.state, { error: error.error, error_description: error.description }), 303);
    }
    throw error;
  }
});
