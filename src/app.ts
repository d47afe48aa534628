/** Builds the Hono app from its parts (the composition root: the two faces meet here), with one error handler. */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { admin, API_BASE } from "./admin";
import { requestContext } from "./context";
import type { AppEnv } from "./env";
import { errorResponse, notFound } from "./error-response";
import { Problem } from "./errors";
import { discovery } from "./oauth/discovery";
import { forwardAuth } from "./oauth/forward-auth";
import { introspect } from "./oauth/introspect";
import { logoutEndpoint } from "./oauth/logout";
import { revoke } from "./oauth/revoke";
import { token } from "./oauth/token";
import { userinfoEndpoint } from "./oauth/userinfo";
import { authorize } from "./oauth/authorize";
import { completeAuthorization, findSignInRequest } from "./oauth/complete-authorization";
import { callbackRoutes, signInRoutes } from "./federation";
import { ASSETS_BASE, uiAssets } from "./ui";
import { consoleApp } from "./console";
import { setupApp } from "./setup";

/** Larger bodies are refused before they are read: nothing Fedgate accepts comes near it. */
const MAX_BODY_BYTES = 64 * 1024;

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestContext({ onError: errorResponse }));
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new Problem(413, "Content Too Large", { description: `Bodies are limited to ${MAX_BODY_BYTES} bytes.` });
      },
    }),
  );

  // The runtime's own ceiling in benchmarks: no store, no crypto.
  app.get("/healthz", (c) => c.json({ status: "ok" }, 200, { "Cache-Control": "no-store" }));
  app.route("/.well-known", discovery);
  app.route("/oauth2/token", token);
  app.route("/oauth2/userinfo", userinfoEndpoint);
  app.route("/oauth2/revoke", revoke);
  app.route("/oauth2/introspect", introspect);
  app.route("/oauth2/logout", logoutEndpoint);
  app.route("/oauth2/authorize", authorize);
  app.route(ASSETS_BASE, uiAssets);
  app.route("/auth/verify", forwardAuth);
  // The sign-in journey: federation/ signs the person in upstream, oauth/ completes the authorization.
  app.route("/auth", signInRoutes({ findRequest: findSignInRequest }));
  app.route("/auth", callbackRoutes({ onSignedIn: completeAuthorization }));
  app.route(API_BASE, admin);
  // The admin console calls the token endpoint and the admin API through this app, in process.
  app.route("/console", consoleApp({ fetchApp: (request, env, ctx) => app.fetch(request, env, ctx) }));
  // The self-service SSO setup pages: the admin API in process, with the link as credential.
  app.route("/setup", setupApp({ fetchApp: (request, env, ctx) => app.fetch(request, env, ctx) }));

  app.notFound(notFound);
  app.onError(errorResponse);
  return app;
}
