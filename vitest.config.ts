import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Test-only settings; the secrets are fixed values that protect nothing outside the tests. */
export const testVars = {
  ISSUER: "https://id.fedgate.test",
  FEDGATE_ENCRYPTION_KEY: "mE7H_sYJYOPmR3ruMHZco8DBQPFlKJr5rviHPmKC6z4",
  ADMIN_BOOTSTRAP_TOKEN: "test-bootstrap-token-0123456789abcdef",
  LOG_LEVEL: "warn",
  SERVER_TIMING: "on",
  // Every test request comes from the "unknown" address bucket: the limits' own tests set tight ones.
  RATE_LIMIT_SIGN_IN: "100000/60s",
  RATE_LIMIT_TOKEN: "100000/60s",
  RATE_LIMIT_CLIENT_AUTH_FAILURES: "100000/60s",
  // Tests choose their store explicitly, whatever a developer's .dev.vars says.
  UPSTASH_REDIS_REST_URL: "",
  UPSTASH_REDIS_REST_TOKEN: "",
};

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ...testVars,
                // Where the Upstash contract suite reaches real Redis (test/global-setup.ts).
                TEST_UPSTASH_URL: inject("upstashUrl"),
                TEST_UPSTASH_TOKEN: inject("upstashToken"),
                TEST_EMULATOR_ORIGIN: inject("emulatorOrigin"),
                // Domain proofs resolve through the emulators' DNS-over-HTTPS resolver (idp-fixtures/src/dns.ts).
                DOH_RESOLVER_URL: `${inject("emulatorOrigin")}/dns/dns-query`,
                TEST_OIDC_PROVIDER_ISSUER: inject("oidcProviderIssuer"),
                // How many requests test/malformed-input.test.ts sends (empty: its default).
                FUZZ_RUNS: process.env.FUZZ_RUNS ?? "",
                // Back-channel logout retries at once instead of after 10 s, 30 s, … (src/sessions/backchannel-logout.ts).
                LOGOUT_RETRY_DELAY_S: "0",
              },
              // The audit queue delivers within ~50 ms instead of wrangler.toml's 2 s, so tests that read
              // the log soon after a request wait little (test/helpers/admin.ts waits for delivery).
              // The logout queue likewise, and its retries come at once (LOGOUT_RETRY_DELAY_S) with wrangler.toml's count.
              queueConsumers: {
                "fedgate-audit": { maxBatchSize: 100, maxBatchTimeout: 0.05, maxRetries: 3, retryDelay: 0 },
                "fedgate-logout": { maxBatchSize: 10, maxBatchTimeout: 0.05, maxRetries: 5, retryDelay: 0 },
              },
            },
          })),
        ],
        test: {
          name: "broker",
          include: ["test/**/*.test.ts"],
          exclude: ["test/idp-fixtures/**", "test/e2e/**"],
          globalSetup: ["test/global-setup.ts"],
        },
      },
      // The IdP emulators' own suite: Node-side clients against emulators running in workerd.
      "idp-fixtures/vitest.config.ts",
      // End to end: Node-side clients over real HTTP, and real Chromium, against the broker and emulators in workerd.
      "test/e2e/vitest.config.ts",
    ],
  },
});
