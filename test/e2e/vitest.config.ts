// Standalone Vitest project for end-to-end tests: they run in Node and talk over real HTTP (fetch,
// Chromium through playwright-core) to the broker and the IdP emulators, both running in workerd
// and started once by global-setup.ts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: new URL("../..", import.meta.url).pathname,
  test: {
    name: "e2e",
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/e2e/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
  },
});
