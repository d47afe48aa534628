/**
 * The pages' two static files, served by the Worker under `/auth/assets/`: one small stylesheet and a
 * favicon. Their URLs carry a hash of their content, so they are cached for a year (`immutable`) and a
 * change is a new URL. Mount with `app.route(ASSETS_BASE, uiAssets)`.
 */
import { Hono } from "hono";
import { fnv1a } from "../encoding";
import { CONSOLE_STYLESHEET } from "./console-styles";
import { STYLESHEET as PAGES_STYLESHEET } from "./styles";

export const ASSETS_BASE = "/auth/assets";

/** A small mark: a rounded square with a door ajar, in the pages' accent colour. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2f5bd3"/><path d="M11 7h10v18H11z" fill="none" stroke="#fff" stroke-width="2.5" stroke-linejoin="round"/><circle cx="18" cy="16.5" r="1.6" fill="#fff"/></svg>`;

/** The sign-in pages' rules and the admin console's, one file (the console's are scoped to `body.console`). */
const STYLESHEET = PAGES_STYLESHEET + CONSOLE_STYLESHEET;

/** A cache-busting version for a URL. */
const version = (text: string): string => fnv1a(text).toString(36);

/** By file name; a Map because the path names the key (`/auth/assets/__proto__` is no file, AB-6). */
const files: ReadonlyMap<string, { body: string; type: string }> = new Map([
  [`ui-${version(STYLESHEET)}.css`, { body: STYLESHEET, type: "text/css; charset=utf-8" }],
  [`icon-${version(FAVICON)}.svg`, { body: FAVICON, type: "image/svg+xml" }],
]);
const [stylesheetName, faviconName] = [...files.keys()] as [string, string];

/** Absolute paths of the stylesheet and the favicon, for `<link>` elements. */
export const STYLESHEET_PATH = `${ASSETS_BASE}/${stylesheetName}`;
export const FAVICON_PATH = `${ASSETS_BASE}/${faviconName}`;

/** `GET /auth/assets/:file`: the files above, or a 404 from the app's not-found handler. */
export const uiAssets = new Hono();

uiAssets.get("/:file", (c, next) => {
  const file = files.get(c.req.param("file"));
  if (!file) return next();
  return c.body(file.body, 200, {
    "Content-Type": file.type,
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
  });
});
