#!/usr/bin/env node
// Copies the admin API reference's browser files from node_modules into .assets/, the git-ignored
// folder that wrangler.toml serves as Workers Static Assets. Runs on `npm install` (postinstall);
// `npm run dev`, `npm run bench` and the e2e setup call ensureAssets() in case it has not. Plain
// Node 20 code: npm runs postinstall with the system Node.
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ASSETS_DIR = join(ROOT, ".assets");
// The URL path the page (src/admin/docs.ts) loads them from.
const SWAGGER_PATH = "admin/v1/docs/swagger-ui";
const SWAGGER_FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE", "NOTICE"];
/** The main script's path inside ASSETS_DIR: present means the copy has run. */
export const SWAGGER_BUNDLE = `${SWAGGER_PATH}/swagger-ui-bundle.js`;

// Static assets are served before the Worker runs, so their headers come from _headers.
const HEADERS = `/${SWAGGER_PATH}/*
  X-Content-Type-Options: nosniff
  Cache-Control: public, max-age=300, must-revalidate
`;

/** Rebuilds .assets/ (always creates it: wrangler refuses a missing assets directory). */
export function copyAssets() {
  rmSync(ASSETS_DIR, { recursive: true, force: true });
  mkdirSync(join(ASSETS_DIR, SWAGGER_PATH), { recursive: true });
  writeFileSync(join(ASSETS_DIR, "_headers"), HEADERS);
  let source;
  try {
    source = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  } catch {
    // e.g. `npm install --omit=dev`: the Worker still runs, only /admin/v1/docs lacks its scripts.
    console.warn("copy-assets: swagger-ui-dist is not installed; /admin/v1/docs will not render");
    return;
  }
  for (const file of SWAGGER_FILES) copyFileSync(join(source, file), join(ASSETS_DIR, SWAGGER_PATH, file));
}

/** Copies only when the folder is missing or incomplete (a clone whose postinstall has not run). */
export function ensureAssets() {
  if (!existsSync(join(ASSETS_DIR, SWAGGER_BUNDLE))) copyAssets();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) copyAssets();
