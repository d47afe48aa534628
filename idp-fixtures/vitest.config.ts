// Standalone Vitest project for the IdP emulators: tests run in Node and drive the emulators, which
// run in workerd through startEmulators() (one instance per test file).
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: new URL("..", import.meta.url).pathname,
  test: {
    name: "idp-fixtures",
    include: ["test/idp-fixtures/**/*.test.ts"],
    environment: "node",
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
