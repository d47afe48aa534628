// Vitest globalSetup: runs once in Node before any test (outside workerd), so it can
// open sockets. It starts the Upstash REST bridge and hands its URL/token to the tests
// via `inject("upstashUrl")` / `inject("upstashToken")`, the IdP emulators, and node-oidc-provider
// (the real generic upstream, test/helpers/node/oidc-provider.ts) at `inject("oidcProviderIssuer")`.
import IORedis from "ioredis";
import type { TestProject } from "vitest/node";
import { startEmulators } from "../idp-fixtures/start.mjs";
import { testVars } from "../vitest.config";
import { startOidcProvider } from "./helpers/node/oidc-provider";
import { startUpstashBridge } from "./helpers/upstash-bridge";

declare module "vitest" {
  export interface ProvidedContext {
    upstashUrl: string;
    upstashToken: string;
    /** The IdP emulators (idp-fixtures/), shared by the broker's test files. */
    emulatorOrigin: string;
    /** node-oidc-provider's issuer (http://127.0.0.1:<port>): a real OpenID Provider for the `oidc` kind. */
    oidcProviderIssuer: string;
  }
}

const REDIS_URL = "redis://127.0.0.1:6379";
// A dedicated db so test runs never read or clobber a developer's db 0 data.
const TEST_DB = 7;

async function assertRedisUp(): Promise<void> {
  // No retries: we want one quick, clear failure instead of tests timing out one by one.
  const probe = new IORedis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let cause: unknown; // the socket error (e.g. ECONNREFUSED) is more telling than connect()'s rejection
  probe.on("error", (err) => (cause ??= err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const reason = cause ?? err;
    const why = reason instanceof Error ? reason.message : String(reason);
    throw new Error(
      `Tests need a redis-server at 127.0.0.1:6379 but PING failed (${why}).\n` +
        `Start one with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
    );
  } finally {
    probe.disconnect();
  }
}

export default async function ({ provide }: TestProject) {
  await assertRedisUp();
  const bridge = await startUpstashBridge({ redisUrl: REDIS_URL, db: TEST_DB });
  provide("upstashUrl", bridge.url);
  provide("upstashToken", bridge.token);
  const emulators = await startEmulators();
  provide("emulatorOrigin", emulators.origin);
  const oidcProvider = await startOidcProvider({ redirectOrigins: [testVars.ISSUER] });
  provide("oidcProviderIssuer", oidcProvider.issuer);
  return async () => {
    await Promise.all([bridge.close(), emulators.stop(), oidcProvider.close()]);
  };
}
