/** The console's pages about the session itself: not set up, signed out, session ended, no admin role. */
import { ConsolePage, respond, type Viewer } from "../layout";

/** 503 when CONSOLE_PROJECT_ID / CONSOLE_CLIENT_ID are not set: says so, never a 500. */
export function notConfiguredPage(): Response {
  return respond(
    <ConsolePage title="The console is not set up" viewer={null}>
      <h1>The admin console is not set up</h1>
      <p>
        This Fedgate has no console client configured. The operator sets <code>CONSOLE_PROJECT_ID</code> (the operator project) and{" "}
        <code>CONSOLE_CLIENT_ID</code> (its console client, redirect URI <code>&lt;ISSUER&gt;/console/callback</code>); the README's
        "Admin console" section says how. The admin API at <code>/admin/v1</code> works without it.
      </p>
    </ConsolePage>,
    503,
  );
}

export function signedOutPage(): Response {
  return respond(
    <ConsolePage title="Signed out" viewer={null}>
      <h1>You are signed out of the console</h1>
      <p>
        <a href="/console/login">Sign in again</a>
      </p>
    </ConsolePage>,
  );
}

/** A form posted after the session ended (timed out, or signed out elsewhere): nothing was done. */
export function signInAgainPage(signIn: string): Response {
  return respond(
    <ConsolePage title="Your session has ended" viewer={null}>
      <h1>Your session has ended</h1>
      <p role="alert">You were signed out (after a while without use, or after the longest a session may last), so nothing was changed.</p>
      <p>
        <a href={signIn}>Sign in again</a> and repeat the change.
      </p>
    </ConsolePage>,
    401,
  );
}

/** Signed in, but the user holds no admin role (or is disabled): what the API answered, and a way out. */
export function noRolePage(viewer: Viewer, reason: string): Response {
  return respond(
    <ConsolePage title="No access" viewer={viewer}>
      <h1>You have no access to the console</h1>
      <p role="alert">{reason || "Your user has no admin role."}</p>
      <p>The platform operator gives users of the operator project the role <code>operator</code> or <code>admin:&lt;projectId&gt;</code>.</p>
    </ConsolePage>,
    403,
  );
}
