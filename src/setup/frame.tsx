/**
 * The setup pages' shared step layout: a top bar naming the organisation and the project, the
 * progress list of the six steps (the current one marked `aria-current="step"`), one `main`
 * landmark; and the page a link that no longer works gets. Rendered under the pages' strict CSP
 * (ui/headers.ts: no script; forms post only to Fedgate), with the console's stylesheet rules.
 */
import type { Child } from "hono/jsx";
import type { JSX } from "hono/jsx/jsx-runtime";
import { HtmlDocument, pageHeaders } from "../ui";

/** The steps, in order: `path` under `/setup/<token>/`. */
export const STEPS = [
  { path: "provider", label: "Choose your identity provider" },
  { path: "register", label: "Register Fedgate there" },
  { path: "credentials", label: "Enter the issuer and client" },
  { path: "test", label: "Test a sign-in" },
  { path: "domains", label: "Prove your domains" },
  { path: "done", label: "Finish" },
] as const;

export type StepPath = (typeof STEPS)[number]["path"];

/** The hidden field every form carries: the CSRF secret of the link's cookie (cookie.ts). */
export const CSRF_FIELD = "csrf";
export const CsrfField = ({ token }: { token: string }) => <input type="hidden" name={CSRF_FIELD} value={token} />;

const Document = ({ title, children }: { title: string; children?: Child }) => (
  <HtmlDocument title={`${title} · Fedgate SSO setup`} bodyClass="console" skipLink>
    {children}
  </HtmlDocument>
);

export interface StepFrameProps {
  title: string;
  /** The link's token (it is the pages' address). */
  token: string;
  organization: string;
  projectName: string;
  current: StepPath;
  children?: Child;
}

/** A step's page: the top bar, the progress list and the step's content. */
export function StepFrame({ title, token, organization, projectName, current, children }: StepFrameProps) {
  const index = STEPS.findIndex((step) => step.path === current);
  return (
    <Document title={title}>
      <header class="topbar">
        <span class="brand">
          <span>
            Single sign-on setup for {organization}, at {projectName}
          </span>
        </span>
      </header>
      <div class="frame">
        <nav aria-label="Setup steps">
          <ol>
            {STEPS.map((step, i) => (
              <li>
                <a href={`/setup/${token}/${step.path}`} {...(i === index ? { "aria-current": "step" as const } : {})}>
                  {step.label}
                  {i < index ? <span class="visually-hidden"> (done)</span> : null}
                </a>
              </li>
            ))}
          </ol>
        </nav>
        <main id="main" tabindex={-1}>
          <p class="hint">
            Step {index + 1} of {STEPS.length}
          </p>
          {children}
        </main>
      </div>
    </Document>
  );
}

const CLOSED: Record<string, { title: string; text: string; status: number }> = {
  completed: { title: "This setup is complete", text: "Single sign-on was set up through this link, which no longer works. To change anything, ask the administrators who sent it.", status: 410 },
  expired: { title: "This setup link has expired", text: "Setup links work for a few days only. Ask the administrators who sent it for a new one; what you already set up is kept.", status: 410 },
  revoked: { title: "This setup link was withdrawn", text: "The administrators who sent it withdrew it. Ask them for a new one if you still need it; what you already set up is kept.", status: 410 },
  unknown: { title: "This setup link is not valid", text: "Check that you copied the whole link. Ask the administrators who sent it for a new one if it still does not work.", status: 404 },
};

/** The page of a link that does not work (any more): says why, never a 500. */
export function closedPage(state: string): Response {
  const closed = CLOSED[state] ?? CLOSED.unknown!;
  return respond(
    <Document title={closed.title}>
      <div class="frame">
        <main id="main" tabindex={-1}>
          <h1>{closed.title}</h1>
          <p>{closed.text}</p>
        </main>
      </div>
    </Document>,
    closed.status,
  );
}

/** A setup page as a complete response: HTML, status, the pages' security headers. */
export function respond(page: JSX.Element, status = 200, headers: Record<string, string> = {}): Response {
  const html = (page as unknown as { toString(): string | Promise<string> }).toString();
  if (typeof html !== "string") throw new TypeError("setup pages must render synchronously");
  return new Response(`<!doctype html>\n${html}`, { status, headers: { ...pageHeaders({ forms: true }), ...headers } });
}
