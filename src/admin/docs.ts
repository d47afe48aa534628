/**
 * The admin API's interactive reference: Swagger UI over `/admin/v1/openapi.json`, same origin.
 * Swagger UI's own files are Workers Static Assets under /admin/v1/docs/swagger-ui/ (copied from
 * swagger-ui-dist by scripts/copy-assets.mjs); this route serves only the page and its start-up
 * script, so the page runs under a CSP without inline code. "Try it out" sends the Bearer token
 * typed into Authorize; it is kept in memory only (persistAuthorization off).
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";

const BASE = "/admin/v1/docs";
const SPEC_URL = "/admin/v1/openapi.json";
const ASSETS = `${BASE}/swagger-ui`;

/** Nothing from elsewhere, nothing inline; data: images are the icons inside swagger-ui.css. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const HEADERS = {
  "Content-Security-Policy": CSP,
  "Cache-Control": "public, max-age=300",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fedgate admin API</title>
<link rel="icon" type="image/png" href="${ASSETS}/favicon-32x32.png">
<link rel="stylesheet" href="${ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSETS}/swagger-ui-bundle.js"></script>
<script src="${BASE}/init.js"></script>
</body>
</html>
`;

// validatorUrl: null stops the badge that calls validator.swagger.io; queryConfigEnabled: false
// ignores ?url=… so nobody can point the page (and a typed token) at another document.
const INIT = `"use strict";
window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(SPEC_URL)},
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  deepLinking: true,
  queryConfigEnabled: false,
  validatorUrl: null,
  persistAuthorization: false,
  displayRequestDuration: true,
  filter: true,
});
`;

/** `GET /admin/v1/docs` (the page) and `GET /admin/v1/docs/init.js`; public, like the document. */
export const docs = new Hono<AppEnv>();

docs.get("/", (c) => c.html(PAGE, 200, HEADERS));
docs.get("/init.js", (c) => c.body(INIT, 200, { ...HEADERS, "Content-Type": "text/javascript; charset=utf-8" }));
