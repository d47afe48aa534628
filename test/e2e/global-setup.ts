// Global setup of the e2e project (test/e2e/vitest.config.ts). Runs once, in Node, before any e2e test:
//   1. the broker Worker in workerd (./broker.ts): root wrangler.toml, test vars from the root
//      vitest.config.ts with ISSUER = its own http://127.0.0.1:<port>, in-memory Durable Object store,
//      Workers Static Assets (.assets/, the admin API reference's files);
//   2. the IdP emulators in workerd (idp-fixtures/start.mjs) on another free port.
// Both are shared by every e2e test file. Tests read where they are with `inject(...)`:
//   brokerUrl        the broker's origin, also its ISSUER (pages and clients use real URLs)
//   adminToken       ADMIN_BOOTSTRAP_TOKEN, for `Authorization: Bearer …` on /admin/v1
//   emulatorOrigin   the emulators' origin (POST /__control/… switches, see idp-fixtures/README.md)
//   emulatorIssuers  issuer URL per provider id (auth0, okta, okta-org, google, cognito)
// The returned teardown disposes both; nothing keeps running after `vitest run`.
import type { TestProject } from "vitest/node";
import { startEmulators, type ProviderId } from "../../idp-fixtures/start.mjs";
import { testVars } from "../../vitest.config";
import { startBroker } from "./broker";

declare module "vitest" {
  export interface ProvidedContext {
    brokerUrl: string;
    adminToken: string;
    emulatorOrigin: string;
    emulatorIssuers: Record<ProviderId, string>;
  }
}

export default async function ({ provide }: TestProject) {
  const started = performance.now();
  const [broker, emulators] = await Promise.allSettled([startBroker(testVars), startEmulators()]);
  const stop = async () => {
    await Promise.all([
      broker.status === "fulfilled" && broker.value.stop(),
      emulators.status === "fulfilled" && emulators.value.stop(),
    ]);
  };
  if (broker.status === "rejected" || emulators.status === "rejected") {
    await stop();
    throw broker.status === "rejected" ? broker.reason : (emulators as PromiseRejectedResult).reason;
  }
  if (process.env.E2E_TIMING) console.log(`e2e: broker and emulators ready in ${Math.round(performance.now() - started)} ms`);

  provide("brokerUrl", broker.value.url);
  provide("adminToken", testVars.ADMIN_BOOTSTRAP_TOKEN);
  provide("emulatorOrigin", emulators.value.origin);
  provide("emulatorIssuers", emulators.value.issuers);
  return stop;
}
