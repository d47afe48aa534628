/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at `GET` and `POST /oauth2/logout`.
 *
 * What signing out means here: Fedgate keeps no browser session of its own, so the session an app
 * can end is the refresh-token family its sign-in started. ID tokens issued with a refresh token
 * carry that family's id as `sid` (oauth/issue.ts); a valid `id_token_hint` with a `sid` revokes the
 * family, so the app's refresh token stops working. Access tokens already issued live on until they
 * expire (revoke them at /oauth2/revoke). A hint without `sid` (no refresh token) ends nothing
 * server-side. When Fedgate gains a browser session, ending it belongs here too.
 *
 * A POST with `Authorization: Bearer` is an API client's sign-out instead (oauth/sign-out.ts). Both
 * answer browser code of registered origins with credentialed CORS (oauth/cors.ts).
 *
 * Redirects: only to a `post_logout_redirect_uri` equal to one the identified client registered
 * (client from the hint's `aud` or from `client_id`, which must agree), with `state`, by 303.
 * Otherwise the "You are signed out" page; invalid input (bad hint, unknown or disagreeing client,
 * repeated parameters) gets an error page and changes nothing. Never a redirect to an unvalidated URI.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import { formText } from "../form";
import { findClient, type Client } from "../registry/clients";
import { findProject } from "../registry/projects";
import { auditLater } from "../security/audit";
import { Grants } from "../tokens/grants";
import { isVerificationFailure, verifyIdTokenHint, type IdTokenPayload } from "../tokens/verify";
import { signedOutPage } from "../ui";
import { credentialedCors } from "./cors";
import { isForm, repeatedParameter } from "./form";
import { apiSignOut, isApiSignOut } from "./sign-out";

const TITLE = "Sign-out failed";

/** Input that makes the logout request invalid: shown on an error page, nothing done. */
const invalidLogout = (message: string): Problem =>
  new Problem(400, TITLE, { description: `${message} You have not been signed out.`, detail: message, present: { as: "page", title: TITLE } });

async function logoutParameters(c: Context<AppEnv>): Promise<URLSearchParams> {
  let params: URLSearchParams;
  if (c.req.method === "GET") params = new URL(c.req.url).searchParams;
  else if (isForm(c.req.raw)) params = new URLSearchParams(await formText(c.req.raw));
  else throw invalidLogout("Send the sign-out request as a form (application/x-www-form-urlencoded).");
  const repeated = repeatedParameter(params);
  if (repeated !== undefined) throw invalidLogout(`The parameter "${repeated}" is repeated.`);
  return params;
}

/** The verified hint, or null when none was sent. */
async function hintOf(c: Context<AppEnv>, token: string | null): Promise<IdTokenPayload | null> {
  if (token === null) return null;
  try {
    return await verifyIdTokenHint(c.get("signingKeys"), c.get("config").issuer, token);
  } catch (error) {
    // Only jose's verdict is about the hint; a store outage (503) or a bug (500) is not.
    if (!isVerificationFailure(error)) throw error;
    throw invalidLogout("The sign-out link carries an ID token that Fedgate did not issue or cannot read.");
  }
}

/** The client the request names, from `client_id` and the hint's audience, which must agree. */
async function clientOf(c: Context<AppEnv>, clientId: string | null, hint: IdTokenPayload | null): Promise<Client | null> {
  const audience = hint ? (Array.isArray(hint.aud) ? hint.aud : [hint.aud]) : [];
  if (hint && clientId !== null && !audience.includes(clientId)) throw invalidLogout("The client_id does not match the ID token's audience.");
  const id = clientId ?? (audience.length === 1 ? audience[0]! : typeof hint?.azp === "string" ? hint.azp : null);
  if (id === null) return null;
  const client = await findClient(c.get("store"), id);
  if (!client) throw invalidLogout("The application asking to sign you out is not known to Fedgate.");
  return client;
}

async function logout(c: Context<AppEnv>): Promise<Response> {
  const params = await logoutParameters(c);
  const hint = await hintOf(c, params.get("id_token_hint"));
  const client = await clientOf(c, params.get("client_id"), hint);

  if (hint && client) {
    if (hint.sid) await new Grants(c.get("store"), c.get("config").encryptionKey).revoke(hint.sid, "revocation");
    auditLater(c, { projectId: client.projectId, actor: { kind: "user", userId: hint.sub }, action: "session.logout", target: { type: "client", id: client.id }, after: { refreshFamilyRevoked: Boolean(hint.sid) } });
  }

  const uri = params.get("post_logout_redirect_uri");
  // Exact string match against the registered list (AS-2's rule, applied to logout).
  if (client && uri !== null && client.postLogoutRedirectUris.includes(uri)) {
    const target = new URL(uri);
    const state = params.get("state");
    if (state !== null) target.searchParams.append("state", state);
    return c.body(null, 303, { Location: target.href, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" });
  }
  const project = client ? await findProject(c.get("store"), client.projectId) : null;
  return signedOutPage(c, project ? { projectName: project.name } : {});
}

export const logoutEndpoint = new Hono<AppEnv>()
  // People reach this endpoint in a browser: every error is a page, never JSON, never a redirect;
  // an API client's sign-out (Bearer) is the exception, its errors are RFC 6750 JSON (sign-out.ts).
  .use(async (c, next) => {
    if (!isApiSignOut(c)) c.set("defaultErrorPage", { title: TITLE, message: "Fedgate could not sign you out just now. Please try again shortly." });
    await next();
  })
  .use(credentialedCors.getAndPost)
  .get("/", logout)
  .post("/", (c) => (isApiSignOut(c) ? apiSignOut(c) : logout(c)));
