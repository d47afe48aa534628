// Vitest config of `npm run screenshots` (scripts/screenshots.mjs): the e2e project's settings and
// global setup (the IdP emulators), running only screenshots.shots.ts, which `npm test` never runs.
import { defineConfig } from "vitest/config";
import e2e from "./vitest.config";

export default defineConfig({ ...e2e, test: { ...e2e.test, name: "screenshots", include: ["test/e2e/screenshots.shots.ts"] } });
