/** Types for copy-assets.mjs (imported by the e2e setup). */
/** Absolute path of the static assets folder served by wrangler.toml's [assets]. */
export const ASSETS_DIR: string;
/** Path of Swagger UI's bundle inside ASSETS_DIR. */
export const SWAGGER_BUNDLE: string;
/** Rebuilds ASSETS_DIR from node_modules. */
export function copyAssets(): void;
/** Runs copyAssets() unless the files are already there. */
export function ensureAssets(): void;
