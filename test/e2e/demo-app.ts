// Runs the demo app (demo/wrangler.toml) in workerd on a free port, the way `npm run dev` does with
// `wrangler dev`, pointed at the e2e broker.
import { join } from "node:path";
import { unstable_startWorker } from "wrangler";
import { freePort } from "./broker";

const CONFIG = join(import.meta.dirname, "../../demo/wrangler.toml");

export interface DemoApp {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the demo app as a client of `issuer`; `clientId` must list `<url>/callback` and `<url>/`.
 * `host` names it in its URL (it listens on 127.0.0.1 either way): browsers keep cookies per host,
 * not per port, so a second app beside another needs another name (`localhost`) to keep its own.
 */
export async function startDemoApp(options: { issuer: string; port: number; clientId: string; host?: "127.0.0.1" | "localhost" }): Promise<DemoApp> {
  const url = `http://${options.host ?? "127.0.0.1"}:${options.port}`;
  const vars = { ISSUER: options.issuer, APP_URL: url, CLIENT_ID: options.clientId };
  const worker = await unstable_startWorker({
    config: CONFIG,
    envFiles: [join(import.meta.dirname, "../../.wrangler/e2e-no-env-file")],
    bindings: Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, { type: "plain_text" as const, value }])),
    dev: { server: { hostname: "127.0.0.1", port: options.port }, inspector: false, persist: false, watch: false },
  });
  try {
    await worker.ready;
  } catch (error) {
    await worker.dispose().catch(() => {});
    throw error;
  }
  return { url, stop: () => worker.dispose() };
}

export { freePort };
