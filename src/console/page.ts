/**
 * What every signed-in console page gets, and the one place that gives it: `pages.get` / `pages.post`
 * register a handler that runs with the session read (timeouts applied), a form post's CSRF checked,
 * the admin API client bound to the session's token, and `me` (who the person is and what they may
 * administer, from the API's `GET /me`). No session: a GET is sent to sign in and back; a POST gets a
 * page saying so (a redirect after a form post would be held to the CSP's form-action). A page group
 * is a file under pages/ exporting `(pages: ConsolePages) => void`, listed in index.ts.
 */
import type { Context, Hono } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { AppEnv } from "../env";
import { formText } from "../form";
import { AdminApi, pageError, SignInAgain } from "./admin-client";
import { checkCsrf } from "./csrf";
import type { FetchApp } from "./in-process";
import { noRolePage, signInAgainPage } from "./pages/session-pages";
import { readSession, endSession, type OpenSession } from "./session";
import { CONSOLE_BASE } from "./sign-in";
import { respond, type Viewer } from "./layout";

/** The API's `GET /me`: who the person is and which projects they administer (null: all, the operator). */
export interface Me {
  actor: { kind: string; userId?: string; email?: string };
  operator: boolean;
  projects: { id: string; name: string }[] | null;
}

export interface ConsoleRequest {
  c: Context<AppEnv>;
  session: OpenSession;
  api: AdminApi;
  me: Me;
  viewer: Viewer;
  /** The posted form (CSRF checked); empty on a GET. */
  form: URLSearchParams;
  /** A path parameter of the route. */
  param(name: string): string;
  /** Renders a page element as the response. */
  render(page: JSX.Element, status?: number): Response;
}

export type PageHandler = (request: ConsoleRequest) => Promise<Response>;

export interface ConsolePages {
  get(path: string, handler: PageHandler): void;
  post(path: string, handler: PageHandler): void;
}

/** Where a GET without a session goes: sign in, then back here. */
const signInFor = (c: Context<AppEnv>) => `${CONSOLE_BASE}/login?return=${encodeURIComponent(new URL(c.req.url).pathname)}`;

async function run(c: Context<AppEnv>, fetchApp: FetchApp, handler: PageHandler): Promise<Response> {
  const session = await readSession(c);
  const again = async () => {
    await endSession(c, session);
    return c.req.method === "GET" ? c.redirect(signInFor(c), 303) : signInAgainPage(signInFor(c));
  };
  if (!session) return again();
  let form = new URLSearchParams();
  if (c.req.method === "POST") {
    form = new URLSearchParams(await formText(c.req.raw));
    await checkCsrf(c, session, form);
  }
  const viewer: Viewer = { email: session.record.email, name: session.record.name, csrf: session.record.csrf };
  const api = new AdminApi(c, fetchApp, session);
  try {
    const me = await api.call<Me>("GET", "/me");
    if (!me.ok) {
      if (me.status === 403) return noRolePage(viewer, me.problem.detail ?? "");
      throw pageError(me.problem);
    }
    viewer.projects = me.body.projects;
    return await handler({ c, session, api, me: me.body, viewer, form, param: (name) => c.req.param(name)!, render: respond });
  } catch (error) {
    if (error instanceof SignInAgain) return again();
    throw error;
  }
}

/** The registrar page groups use, over the console's Hono app. */
export function consolePages(app: Hono<AppEnv>, fetchApp: FetchApp): ConsolePages {
  return {
    get: (path, handler) => void app.get(path, (c) => run(c, fetchApp, handler)),
    post: (path, handler) => void app.post(path, (c) => run(c, fetchApp, handler)),
  };
}
