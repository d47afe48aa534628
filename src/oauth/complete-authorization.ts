/**
 * The authorization server's half of a browser sign-in, after federation/ has signed the person in
 * upstream: the pending authorization request is taken (once), Fedgate seals its own code for it
 * (oauth/codes.ts; nothing is written), and the browser goes back to the client with `code`,
 * `state` and `iss` (303; RFC 6749 §4.1.2, RFC 9207). Audited as `login.success`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import type { SignedIn, SignInRequest } from "../identity/sign-in";
import { auditLater } from "../security/audit";
import { getPendingAuthorization, redirectTo, signInRequestOf, takePendingAuthorization } from "./authorization-request";
import { issueCode } from "./codes";

/** The pending request a sign-in form names, as federation/ sees it; null when gone. */
export async function findSignInRequest(c: Context<AppEnv>, requestId: string): Promise<SignInRequest | null> {
  const request = await getPendingAuthorization(c.get("store"), requestId);
  return request ? signInRequestOf(request) : null;
}

/** Issues Fedgate's code for the person signed in and redirects to the client (303). */
export async function completeAuthorization(c: Context<AppEnv>, signedIn: SignedIn): Promise<Response> {
  const { config, store } = c.var;
  const request = await takePendingAuthorization(store, signedIn.requestId);
  if (!request) {
    const reason = "authorization request gone";
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
  const code = await issueCode(config.encryptionKey, {
    projectId: request.projectId, clientId: request.clientId, redirectUri: request.redirectUri, codeChallenge: request.codeChallenge,
    scope: request.scope, ...(request.nonce ? { nonce: request.nonce } : {}), authTime: signedIn.authTime, amr: signedIn.amr, idp: signedIn.providerId,
    user: signedIn.user,
  });
  auditLater(c, {
    projectId: signedIn.projectId, actor: { kind: "user", userId: signedIn.user.id }, action: "login.success",
    target: { type: "client", id: request.clientId }, after: { provider: signedIn.providerId, outcome: signedIn.outcome, via: signedIn.via },
  });
  c.header("Cache-Control", "no-store");
  return c.redirect(redirectTo(request.redirectUri, config.issuer, request.state, { code }), 303);
}
