/**
 * The console's frame: a skip link, a top bar (who is signed in, sign out), navigation (the projects
 * page, and the current project's sections), one `main` landmark. Rendered as a complete `Response`
 * under the pages' strict CSP (ui/headers.ts: no script at all; forms post only to Fedgate).
 */
import type { Child } from "hono/jsx";
import type { JSX } from "hono/jsx/jsx-runtime";
import { HtmlDocument, pageHeaders } from "../ui";
import { CSRF_FIELD } from "./csrf";

/**
 * A project's sections, in navigation order: `path` under `/console/projects/<id>/`. A new page group
 * adds its entry here and its routes in its own file (see pages/clients.tsx).
 */
export const PROJECT_SECTIONS: readonly { path: string; label: string }[] = [
  { path: "clients", label: "Client applications" },
  { path: "providers", label: "Identity providers" },
  { path: "domains", label: "Domain mappings" },
  { path: "users", label: "Users" },
  { path: "setup-links", label: "Setup links" },
  { path: "audit", label: "Audit log" },
  { path: "migration-report", label: "Legacy tokens" },
];

/** The operator's platform pages, under `/console/`, listed after the projects. */
export const OPERATOR_SECTIONS: readonly { path: string; label: string }[] = [
  { path: "audit", label: "Platform audit log" },
  { path: "signing-keys", label: "Signing keys" },
];

export interface Viewer {
  email: string | null;
  name: string | null;
  csrf: string;
  /** The projects a project admin administers, for the navigation; null for the operator (all: the projects page). */
  projects?: { id: string; name: string }[] | null;
}

export interface ConsolePageProps {
  /** The document title's first part; " · Fedgate console" follows. */
  title: string;
  viewer: Viewer | null;
  /** The project the page belongs to, for its navigation. */
  project?: { id: string; name: string };
  /** The current navigation entry: "projects", or a section's path. */
  current?: string;
  children?: Child;
}

/** The hidden CSRF field every form carries. */
export const CsrfField = ({ token }: { token: string }) => <input type="hidden" name={CSRF_FIELD} value={token} />;

function Navigation({ project, current, viewer }: Pick<ConsolePageProps, "project" | "current"> & { viewer: Viewer }) {
  const here = (key: string) => (current === key ? { "aria-current": "page" as const } : {});
  // A project admin's few projects are listed; the operator's may be thousands: the projects page pages them.
  const others = (viewer.projects ?? []).filter((mine) => mine.id !== project?.id);
  return (
    <nav aria-label="Console">
      <ul>
        <li>
          <a href="/console/projects" {...here("projects")}>
            {viewer.projects ? "Your projects" : "All projects"}
          </a>
        </li>
        {others.map((mine) => (
          <li>
            <a href={`/console/projects/${mine.id}/clients`}>{mine.name}</a>
          </li>
        ))}
        {viewer.projects === null
          ? OPERATOR_SECTIONS.map((section) => (
              <li>
                <a href={`/console/${section.path}`} {...here(project ? "" : section.path)}>
                  {section.label}
                </a>
              </li>
            ))
          : null}
      </ul>
      {project ? (
        <>
          <p class="nav-project" id="nav-project">
            {project.name}
          </p>
          <ul aria-labelledby="nav-project">
            <li>
              <a href={`/console/projects/${project.id}`} {...here("project")}>
                Settings
              </a>
            </li>
            {PROJECT_SECTIONS.map((section) => (
              <li>
                <a href={`/console/projects/${project.id}/${section.path}`} {...here(section.path)}>
                  {section.label}
                </a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </nav>
  );
}

export function ConsolePage({ title, viewer, project, current, children }: ConsolePageProps) {
  return (
    <HtmlDocument title={`${title} · Fedgate console`} bodyClass="console" skipLink>
      <header class="topbar">
        <span class="brand">
          <span>Fedgate console</span>
        </span>
        {viewer ? (
          <form method="post" action="/console/logout">
            <span>Signed in as {viewer.email ?? viewer.name ?? "you"}</span>
            <CsrfField token={viewer.csrf} />
            <button type="submit" class="secondary">
              Sign out
            </button>
          </form>
        ) : null}
      </header>
      <div class="frame">
        {viewer ? <Navigation project={project} current={current} viewer={viewer} /> : null}
        <main id="main" tabindex={-1}>
          {children}
        </main>
      </div>
    </HtmlDocument>
  );
}

/** A console page as a complete response: HTML, status, the pages' security headers. */
export function respond(page: JSX.Element, status = 200): Response {
  const html = (page as unknown as { toString(): string | Promise<string> }).toString();
  if (typeof html !== "string") throw new TypeError("console pages must render synchronously");
  return new Response(`<!doctype html>\n${html}`, { status, headers: pageHeaders({ forms: true }) });
}
