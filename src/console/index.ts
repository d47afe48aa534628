/**
 * The admin console at /console: server-rendered pages over the admin API (README "Admin console").
 * It signs people in through Fedgate itself (sign-in.ts), keeps a session (session.ts), checks CSRF on
 * every form (csrf.ts), and reads and writes only through the admin API, in process
 * (admin-client.ts), so it adds no second way to change data. Mount with
 * `app.route("/console", consoleApp({ fetchApp }))`.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { formText } from "../form";
import { Problem } from "../errors";
import { checkCsrf } from "./csrf";
import { revokeToken, type FetchApp } from "./in-process";
import { consolePages, type ConsolePages } from "./page";
import { clientPages } from "./pages/clients";
import { domainPages } from "./pages/domains";
import { projectPages } from "./pages/projects";
import { providerPages } from "./pages/providers";
import { providerTestPages } from "./pages/provider-test";
import { auditPages } from "./pages/audit";
import { migrationReportPages } from "./pages/migration-report";
import { signingKeyPages } from "./pages/signing-keys";
import { userPages } from "./pages/users";
import { setupLinkPages } from "./pages/setup-links";
import { notConfiguredPage, signedOutPage } from "./pages/session-pages";
import { endBrokerSessionOf, endSession, openTokens, readSession } from "./session";
import { finishLogin, startLogin } from "./sign-in";

/** The page groups, each adding its routes (and, for a project section, its layout.tsx entry). */
const PAGE_GROUPS: readonly ((pages: ConsolePages) => void)[] = [projectPages, clientPages, providerPages, providerTestPages, domainPages, userPages, auditPages, migrationReportPages, signingKeyPages, setupLinkPages];

export function consoleApp(options: { fetchApp: FetchApp }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    // Errors that say nothing of their presentation become a page, not JSON: people read these.
    c.set("defaultErrorPage", { title: "Something went wrong", message: "The console could not show this page. Try again in a moment." });
    if (!c.get("config").console) return notConfiguredPage();
    await next();
  });
  app.get("/", (c) => c.redirect("/console/projects", 303));
  app.get("/login", startLogin);
  app.get("/callback", (c) => finishLogin(c, options.fetchApp));
  app.get("/signed-out", () => signedOutPage());
  app.post("/logout", async (c) => {
    const session = await readSession(c);
    if (session) {
      await checkCsrf(c, session, new URLSearchParams(await formText(c.req.raw)));
      // The tokens end with the session: the refresh family is revoked, the access token deny-listed;
      // and so does the Fedgate broker session the console signed in with (single logout).
      const tokens = await openTokens(c, session);
      await Promise.all([tokens.refreshToken, tokens.accessToken].flatMap((token) => (token ? [revokeToken(c, options.fetchApp, token)] : [])));
      await endBrokerSessionOf(c, tokens.accessToken);
    }
    await endSession(c, session);
    return c.redirect("/console/signed-out", 303);
  });
  const pages = consolePages(app, options.fetchApp);
  for (const group of PAGE_GROUPS) group(pages);
  app.all("*", () => {
    throw new Problem(404, "Not found", { description: "There is no such console page.", present: { as: "page", title: "Page not found" } });
  });
  return app;
}
