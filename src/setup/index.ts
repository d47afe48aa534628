/**
 * The self-service SSO setup pages at /setup/<token> (README "Self-service SSO setup"): a customer's
 * IT admin, without an account, adds their identity provider, tests it and proves their domains, in
 * six steps (frame.tsx). The pages act only through the admin API, in process, with the link as the
 * credential (link-api.ts), so they add no second way to change data. Mount with
 * `app.route("/setup", setupApp({ fetchApp }))`.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { Problem } from "../errors";
import type { FetchApp } from "../console/in-process";
import { runStep, type StepHandler } from "./request";
import { complete, doneStep } from "./steps/done";
import { addDomain, checkDomain, domainsStep } from "./steps/domains";
import { credentialsStep, kindStep, registerStep, saveCredentials } from "./steps/provider";
import { startTest, testReturn, testStep } from "./steps/test";

/** The steps' routes under `/setup/:token`: GET shows, POST changes through the API. */
const ROUTES: readonly { method: "get" | "post"; path: string; handler: StepHandler }[] = [
  { method: "get", path: "/provider", handler: kindStep },
  { method: "get", path: "/register", handler: registerStep },
  { method: "get", path: "/credentials", handler: credentialsStep },
  { method: "post", path: "/credentials", handler: saveCredentials },
  { method: "get", path: "/test", handler: testStep },
  { method: "post", path: "/test", handler: startTest },
  { method: "get", path: "/domains", handler: domainsStep },
  { method: "post", path: "/domains", handler: addDomain },
  { method: "post", path: "/domains/check", handler: checkDomain },
  { method: "get", path: "/done", handler: doneStep },
  { method: "post", path: "/done", handler: complete },
];

export function setupApp(options: { fetchApp: FetchApp }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    // Errors that say nothing of their presentation become a page: people read these.
    c.set("defaultErrorPage", { title: "Something went wrong", message: "This setup page could not be shown. Try again in a moment." });
    await next();
  });
  app.get("/return/:linkId", (c) => testReturn(c));
  // The link itself: where the setup stands decides the step it opens at.
  app.get("/:token", (c) =>
    runStep(c, options.fetchApp, async (r) => c.redirect(`/setup/${r.token}/${r.setup.providerCreated ? (r.setup.domains.length > 0 ? "domains" : "test") : "provider"}`, 303)),
  );
  for (const route of ROUTES) app[route.method](`/:token${route.path}`, (c) => runStep(c, options.fetchApp, route.handler));
  app.all("*", () => {
    throw new Problem(404, "Not found", { description: "There is no such setup page.", present: { as: "page", title: "Page not found" } });
  });
  return app;
}
