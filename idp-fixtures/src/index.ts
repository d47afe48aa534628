/**
 * Fedgate's IdP emulators: Auth0, Okta (custom and org AS), Google and Cognito on one origin, a
 * DNS-over-HTTPS resolver (dns.ts), test relying parties' back-channel logout endpoints (rp.ts),
 * plus the control endpoint. State is in this isolate's memory (see store.ts); the origin comes from
 * BASE_URL, never from the Host header.
 */
import { Hono } from "hono";
import { control } from "./control";
import { dnsControl, dnsQuery } from "./dns";
import { issuerOf, type AppEnv } from "./http";
import { PROVIDERS } from "./providers/index";
import { rpControl, rpEndpoint } from "./rp";
import { mountProvider } from "./routes";
import { PROVIDER_IDS } from "./types";

const app = new Hono<AppEnv>();

// Before the providers' control routes, whose `/:provider` would take `dns`.
app.route("/__control/dns", dnsControl);
app.route("/__control/rp", rpControl);
app.route("/__control", control);
app.route("/dns", dnsQuery);
app.route("/rp", rpEndpoint);
for (const id of PROVIDER_IDS) mountProvider(app, PROVIDERS[id]);

// Okta answers an unknown authorization server with its E0000007 error.
app.all("/okta/oauth2/:server/*", (c) =>
  c.json(
    {
      errorCode: "E0000007",
      errorSummary: `Not found: Resource not found: ${c.req.param("server")} (AuthorizationServer)`,
      errorLink: "E0000007",
      errorId: "oaefedgateemulator0001",
      errorCauses: [],
    },
    404,
  ),
);

app.get("/", (c) =>
  c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fedgate IdP emulators</title></head><body><main><h1>Fedgate IdP emulators</h1><ul>${PROVIDER_IDS.map(
      (id) => `<li>${id}: <code>${issuerOf(c, PROVIDERS[id])}</code></li>`,
    ).join("")}</ul><p>See idp-fixtures/README.md.</p></main></body></html>`,
  ),
);

app.onError((err, c) => {
  console.error("idp-fixtures:", err);
  return c.json({ error: "server_error", error_description: "emulator failure" }, 500);
});

export default app;
