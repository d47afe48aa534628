// Bindings the test pool adds to the Worker's env (vitest.config.ts).
import type { StoreObject } from "../src/store/durable-object";

declare global {
  namespace Cloudflare {
    interface Env {
      STORE: DurableObjectNamespace<StoreObject>;
      ISSUER: string;
      FEDGATE_ENCRYPTION_KEY: string;
      ADMIN_BOOTSTRAP_TOKEN: string;
      TEST_UPSTASH_URL: string;
      TEST_UPSTASH_TOKEN: string;
      TEST_EMULATOR_ORIGIN: string;
      /** The emulators' DNS-over-HTTPS resolver (idp-fixtures/src/dns.ts). */
      DOH_RESOLVER_URL: string;
      /** node-oidc-provider's issuer (test/helpers/node/oidc-provider.ts). */
      TEST_OIDC_PROVIDER_ISSUER: string;
      /** Requests the malformed-input fuzz sends; empty for its default. */
      FUZZ_RUNS: string;
    }
    /** Types `exports` from "cloudflare:workers": the Worker's own entry points. */
    interface GlobalProps {
      mainModule: typeof import("../src/index");
      durableNamespaces: "StoreObject";
    }
  }
}
export {};
