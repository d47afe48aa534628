// Runs the broker Worker (root wrangler.toml, src/index.ts) in workerd from Node, on 127.0.0.1 at a
// free port, through wrangler's programmatic dev server (`unstable_startWorker`). That path is the
// same as `wrangler dev`: it bundles src/ with the project's esbuild settings and reads the real
// wrangler.toml (Durable Object migrations, [assets]), so the e2e tests see what `npm run dev`
// serves. Measured: ~0.4 s to ready once wrangler is imported, ~20 ms to dispose.
import { createServer } from "node:net";
import { join } from "node:path";
import { unstable_startWorker } from "wrangler";
import { ensureAssets } from "../../scripts/copy-assets.mjs";

const ROOT = join(import.meta.dirname, "../..");

export interface Broker {
  /** e.g. http://127.0.0.1:41234, also the broker's ISSUER */
  url: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function launch(vars: Record<string, string>, port: number): Promise<Broker> {
  const url = `http://127.0.0.1:${port}`;
  const bindings = Object.fromEntries(
    Object.entries({ ...vars, ISSUER: url }).map(([name, value]) => [name, { type: "plain_text" as const, value }]),
  );
  const worker = await unstable_startWorker({
    config: join(ROOT, "wrangler.toml"),
    // A non-empty envFiles list stops wrangler from reading the developer's .dev.vars; this file
    // never exists, so the Worker sees exactly wrangler.toml's [vars] plus `bindings`.
    envFiles: [join(ROOT, ".wrangler/e2e-no-env-file")],
    bindings,
    // persist: false keeps the Durable Object store (SQLite) in memory: every run starts empty.
    dev: { server: { hostname: "127.0.0.1", port }, inspector: false, persist: false, watch: false },
  });
  try {
    await worker.ready;
  } catch (error) {
    await worker.dispose().catch(() => {});
    throw error;
  }
  let stopped = false;
  return {
    url,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await worker.dispose();
    },
  };
}

/**
 * Starts the broker with `vars` (e.g. `testVars` from vitest.config.ts; ISSUER is set to the URL).
 * Set WRANGLER_LOG=info to see wrangler's per-request lines; the default here is warn.
 */
export async function startBroker(vars: Record<string, string>): Promise<Broker> {
  // wrangler reads these at call time: quiet, no telemetry, and no fetch of Request.cf from
  // workers.cloudflare.com (offline machines; it would only warn and fall back).
  process.env.WRANGLER_LOG ??= "warn";
  process.env.WRANGLER_SEND_METRICS ??= "false";
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  ensureAssets(); // wrangler refuses a missing assets directory
  for (let attempt = 0; ; attempt++) {
    try {
      return await launch(vars, await freePort());
    } catch (error) {
      // A free port can be taken between probing and binding: try another one.
      if (attempt >= 2 || !/EADDRINUSE|address already in use/i.test(String((error as Error)?.stack ?? error))) throw error;
    }
  }
}
