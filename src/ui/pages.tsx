/**
 * The pages people see during sign-in. `render…` are pure functions from values to a complete
 * `Response` (HTML, status, security headers from ./headers.ts); `signInPage(c, …)`, `errorPage(c, …)`
 * and `signedOutPage(c, …)` are the same for route handlers, taking the request id from the context.
 * Every value is escaped by JSX; nothing runs script, and every form works without JavaScript.
 */
import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import { pageHeaders } from "./headers";
import { Layout } from "./layout";

/** An upstream provider the person may pick by hand (`POST /auth/signin` with `provider=<id>`). */
interface ProviderChoice {
  id: string;
  name: string;
}

export interface SignInPageOptions {
  /** Shown as the brand and in the heading "Sign in to …". */
  projectName: string;
  /** The pending authorization request's handle; posted back as the hidden field `request`. */
  requestId: string;
  /**
   * Where the forms' 303 may send the browser: the authorization endpoints (or just the origins) of
   * the project's providers. Chromium checks CSP `form-action` on every redirect after a submission,
   * so with `'self'` alone the redirect to the provider is blocked. Pass `[]` only if every provider
   * is on Fedgate's own origin.
   */
  upstreamOrigins: readonly string[];
  /** Pre-fills the email field (e.g. after an error). */
  email?: string;
  /** Shown above the field with `role="alert"`, e.g. "No sign-in is set up for example.com. Ask your administrator." */
  error?: string;
  /** When given and not empty, one button per provider under "Or continue with". */
  providers?: readonly ProviderChoice[];
  /** 200 unless told (e.g. 400 with an error). */
  status?: number;
}

export interface ErrorPageOptions {
  /** Short and plain: "This sign-in link is not valid". */
  title: string;
  /** What happened and what the person can do; never internal detail. */
  message: string;
  /** The response's request id (`X-Request-Id`), shown for support. */
  requestId: string;
  /** 4xx for the person's or the client's mistakes, 5xx for Fedgate's or the provider's. */
  status: number;
  /** The project's name when known; otherwise the brand is "Fedgate". */
  projectName?: string;
}

export interface SignedOutPageOptions {
  projectName?: string;
}

const SIGNIN_PATH = "/auth/signin";

/** The page as a `Response`. Pages render synchronously: no async components. */
function respond(page: JSX.Element, status: number, headers: Record<string, string>): Response {
  const html = (page as unknown as { toString(): string | Promise<string> }).toString();
  if (typeof html !== "string") throw new TypeError("UI pages must render synchronously");
  return new Response(`<!doctype html>\n${html}`, { status, headers });
}

/**
 * Fedgate's sign-in page (home realm discovery): an email field that posts `request` and `email` to
 * `POST /auth/signin`, and optionally one button per provider that posts `request` and `provider`.
 */
export function renderSignInPage(options: SignInPageOptions): Response {
  const { projectName, requestId, email, error, providers = [] } = options;
  const page = (
    <Layout title={`Sign in to ${projectName}`} brand={projectName}>
      <h1>Sign in to {projectName}</h1>
      <p class="lede">Enter your work email. We will take you to your organisation's sign-in page.</p>
      {error ? (
        <p role="alert" id="signin-error">
          {error}
        </p>
      ) : null}
      <form method="post" action={SIGNIN_PATH}>
        <input type="hidden" name="request" value={requestId} />
        <label for="email">Email address</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          inputmode="email"
          spellcheck={false}
          autocapitalize="none"
          required
          autofocus
          maxlength={320}
          value={email ?? ""}
          {...(error ? { "aria-invalid": "true", "aria-describedby": "signin-error" } : {})}
        />
        <button type="submit">Continue</button>
      </form>
      {providers.length > 0 ? (
        <section aria-labelledby="providers-heading">
          <h2 id="providers-heading" class="divider">
            Or continue with
          </h2>
          <form method="post" action={SIGNIN_PATH}>
            <input type="hidden" name="request" value={requestId} />
            {providers.map((provider) => (
              <button type="submit" class="secondary" name="provider" value={provider.id}>
                {provider.name}
              </button>
            ))}
          </form>
        </section>
      ) : null}
    </Layout>
  );
  return respond(page, options.status ?? 200, pageHeaders({ forms: true, formActions: options.upstreamOrigins }));
}

/** A calm error page that shows the request id for support; for errors that must not redirect (AS-2). */
export function renderErrorPage(options: ErrorPageOptions): Response {
  const { title, message, requestId, status, projectName } = options;
  const page = (
    <Layout title={title} brand={projectName ?? "Fedgate"}>
      <h1>{title}</h1>
      <p role="alert">{message}</p>
      <p class="reference">
        If you contact support, quote this reference: <code>{requestId}</code>
      </p>
    </Layout>
  );
  return respond(page, status, pageHeaders({ forms: false }));
}

/** Shown after RP-initiated logout when no `post_logout_redirect_uri` applies. */
export function renderSignedOutPage(options: SignedOutPageOptions = {}): Response {
  const brand = options.projectName ?? "Fedgate";
  const page = (
    <Layout title="You are signed out" brand={brand}>
      <h1>You are signed out</h1>
      <p class="lede">
        You have signed out{options.projectName ? ` of ${options.projectName}` : ""}. You can close this window.
      </p>
    </Layout>
  );
  return respond(page, 200, pageHeaders({ forms: false }));
}

export interface ConfirmSignOutPageOptions {
  projectName: string;
  /** Posted back to `/oauth2/logout` with `confirm=yes`. */
  fields: Record<string, string>;
  /** Where the browser may be sent after the submission (a registered post-logout redirect URI). */
  formActions: readonly string[];
}

/**
 * Asked when a logout request names no session (no `id_token_hint`) but this browser has one: a
 * link alone must not sign anyone out (a logout CSRF), so the person confirms with a form.
 */
export function renderConfirmSignOutPage(options: ConfirmSignOutPageOptions): Response {
  const { projectName, fields } = options;
  const page = (
    <Layout title={`Sign out of ${projectName}?`} brand={projectName}>
      <h1>Sign out of {projectName}?</h1>
      <p class="lede">You will be signed out of every application of {projectName} you signed in to in this browser.</p>
      <form method="post" action="/oauth2/logout">
        {Object.entries(fields).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit">Sign out</button>
      </form>
    </Layout>
  );
  return respond(page, 200, pageHeaders({ forms: true, formActions: options.formActions }));
}

/** `renderSignInPage` for a route handler; `status` defaults to 200 (400 fits a rejected email). */
export function signInPage(_c: Context, options: Omit<SignInPageOptions, "status">, status = 200): Response {
  return renderSignInPage({ ...options, status });
}

/** `renderErrorPage` for a route handler, with the request id of `c` (the `X-Request-Id` header). */
export function errorPage(c: Context, options: Omit<ErrorPageOptions, "requestId">): Response {
  return renderErrorPage({ ...options, requestId: c.get("requestId") ?? "" });
}

/** `renderSignedOutPage` for a route handler (RP-initiated logout without a redirect). */
export function signedOutPage(_c: Context, options: SignedOutPageOptions = {}): Response {
  return renderSignedOutPage(options);
}
