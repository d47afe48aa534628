/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at `GET` and `POST /oauth2/logout`.
 *
 * What signing out means here: the broker session (sessions/records.ts) the app's ID token names as
 * `sid` ends, with every app signed in with it: their grants are revoked (refresh tokens stop
 * working; access tokens already issued live until they expire, or revoke them at /oauth2/revoke) and
 * apps that registered a back-channel logout URI are told (sessions/backchannel-logout.ts). A hint
 * whose `sid` is a refresh family (issued before sessions) revokes that family. Without a hint, this
 * browser's session of the client's project ends only after the person confirms on Fedgate's page,
 * so a link alone cannot sign anyone out.
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
import { isVerificationFailure, verifyIdTokenHint, type IdTokenPayload } from "../tokens/verify";
import { clearSessionCookie, readSessionCookie } from "../sessions/cookie";
import { endSession } from "../sessions/end-session";
import { BrokerSessions } from "../sessions/records";
import { renderConfirmSignOutPage, signedOutPage } from "../ui";
import { credentialedCors } from "./cors";
import { isForm, repeatedParameter } from "./form";
import { apiSignOut, endBySid, isApiSignOut } from "./sign-out";

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

/** Whether a POST came from a page of Fedgate's own origin (the confirmation form), not from another site. */
const fromOwnPage = (c: Context<AppEnv>): boolean => c.req.method === "POST" && c.req.header("Origin") === new URL(c.get("config").issuer).origin;

/** This browser's session of the client's project, ended only when the person confirms on Fedgate's page. */
async function endConfirmed(c: Context<AppEnv>, client: Client, params: URLSearchParams): Promise<Response | "ended" | undefined> {
  const found = await new BrokerSessions(c.get("store")).fromCookie(client.projectId, readSessionCookie(c, client.projectId));
  if (!found) return undefined;
  if (params.get("confirm") !== "yes" || !fromOwnPage(c)) {
    const project = await findProject(c.get("store"), client.projectId);
    const fields = Object.fromEntries(["client_id", "post_logout_redirect_uri", "state", "ui_locales"].flatMap((name) => (params.has(name) ? [[name, params.get(name)!]] : [])));
    if (!params.has("client_id")) fields["client_id"] = client.id;
    return renderConfirmSignOutPage({ projectName: project?.name ?? "Fedgate", fields, formActions: client.postLogoutRedirectUris });
  }
  await endSession(c, found.session.value, "logout", { kind: "user", userId: found.session.value.userId });
  return "ended";
}

async function logout(c: Context<AppEnv>): Promise<Response> {
  const params = await logoutParameters(c);
  const hint = await hintOf(c, params.get("id_token_hint"));
  const client = await clientOf(c, params.get("client_id"), hint);

  if (hint && client) {
    const ended = hint.sid ? await endBySid(c, { projectId: client.projectId, userId: hint.sub, sid: hint.sid }, "logout", { kind: "user", userId: hint.sub }) : undefined;
    // The cookie goes when it names the session that ended (another person's session in this browser stays).
    if (ended === "session" && readSessionCookie(c, client.projectId)?.includes(`.${hint.sid}.`)) clearSessionCookie(c, client.projectId);
    auditLater(c, { projectId: client.projectId, actor: { kind: "user", userId: hint.sub }, action: "session.logout", target: { type: "client", id: client.id }, after: { ended: ended ?? "nothing" } });
  } else if (client) {
    const outcome = await endConfirmed(c, client, params);
    if (outcome instanceof Response) return outcome;
    if (outcome === "ended") {
      clearSessionCookie(c, client.projectId);
      auditLater(c, { projectId: client.projectId, actor: { kind: "anonymous" }, action: "session.logout", target: { type: "client", id: client.id }, after: { ended: "session", confirmed: true } });
    }
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
  return throughContext(c, signedOutPage(c, project ? { projectName: project.name } : {}));
}

/** A rendered page answered through the context, so the headers set on it (the cleared session cookie) go out too. */
const throughContext = async (c: Context<AppEnv>, page: Response): Promise<Response> =>
  c.body(await page.text(), page.status as 200, Object.fromEntries(page.headers));

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
