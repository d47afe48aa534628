#!/usr/bin/env node
// `npm run screenshots`: the README's pictures of the console, taken in Debian's Chromium against a
// seeded broker and the IdP emulators, the way the e2e tests start them (test/e2e/screenshots.shots.ts,
// which lists the pages; add an entry there for a new picture). Writes PNGs (1280×800, each at most
// 150 KB) into docs/screenshots/, or the folder given as the first argument.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const dir = resolve(process.argv[2] ?? join(root, "docs/screenshots"));
const run = spawnSync("npx", ["vitest", "run", "--config", "test/e2e/screenshots.config.ts"], {
  cwd: root, stdio: "inherit", env: { VITE_CONFIG_NATIVE_IGNORE_WARNING: "true", ...process.env, SCREENSHOTS_DIR: dir },
});
if (run.status !== 0) process.exit(run.status ?? 1);
for (const name of readdirSync(dir).filter((file) => file.endsWith(".png")).sort()) {
  console.log(`${join(dir, name)}  ${Math.round(statSync(join(dir, name)).size / 1024)} KB`);
}
