// BENCH_STORE=upstash (bench/run.mjs): the Worker's store is Redis through the Upstash REST protocol, served by the
// test bridge (test/helpers/upstash-bridge.ts) in its own Node process, backed by the local redis-server. The
// store's work then runs outside workerd, so workerd's CPU time is the Worker's own, as on Cloudflare, where the
// store is remote. Run as a script, this file is that bridge process: it prints { url, token, redisPid } as one
// JSON line on stdout and serves until killed.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(import.meta.dirname, "..");
const BRIDGE_TS = join(ROOT, "test/helpers/upstash-bridge.ts");
// As bench/workerd.mjs: the pinned Node 24 when installed.
const NODE = existsSync(join(ROOT, "node_modules/.bin/node")) ? join(ROOT, "node_modules/.bin/node") : process.execPath;
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
/** The bench's own Redis db, emptied when a suite starts: the tests use 7, a developer's data lives in 0. */
export const BENCH_DB = 9;

/** The bridge module: Node >= 22.18 strips its (erasable) types; older Node gets an esbuild bundle in .bench/. */
async function importBridge() {
  try {
    return await import(pathToFileURL(BRIDGE_TS).href);
  } catch (error) {
    if (error?.code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    const { build } = await import("esbuild"); // installed with wrangler
    const outfile = join(ROOT, ".bench/upstash-bridge.mjs");
    mkdirSync(join(ROOT, ".bench"), { recursive: true });
    await build({ entryPoints: [BRIDGE_TS], outfile, bundle: true, platform: "node", format: "esm", packages: "external", logLevel: "warning" });
    return import(`${pathToFileURL(outfile).href}?${Date.now()}`);
  }
}

/** A REST call to the bridge (plain strings: no Upstash-Encoding). */
async function command(bridge, ...args) {
  const res = await fetch(bridge.url, { method: "POST", headers: { authorization: `Bearer ${bridge.token}` }, body: JSON.stringify(args) });
  const body = await res.json();
  if (!res.ok || body.error) throw new Error(`upstash bridge: ${args[0]} answered ${res.status}: ${JSON.stringify(body)}`);
  return body.result;
}

async function serveBridge() {
  if (BENCH_DB === 0 || BENCH_DB === 7) throw new Error(`refusing to use Redis db ${BENCH_DB}`);
  const { startUpstashBridge } = await importBridge();
  const bridge = await startUpstashBridge({ redisUrl: REDIS_URL, db: BENCH_DB });
  // Fails fast if redis-server is down (the bridge answers 503), and starts every suite from an empty db.
  await command(bridge, "FLUSHDB");
  const redisPid = Number(/process_id:(\d+)/.exec(await command(bridge, "INFO", "server"))?.[1]);
  process.stdout.write(`${JSON.stringify({ url: bridge.url, token: bridge.token, redisPid, node: process.version })}\n`);
  const close = () => bridge.close().finally(() => process.exit(0));
  process.on("SIGTERM", close);
  process.on("SIGINT", close);
}

/**
 * Starts the bridge in its own process group (so its CPU is read apart from workerd's and from the load
 * generator's) and resolves { url, token, db, pid, redisPid, node, stop }.
 */
export function startBenchUpstash() {
  const child = spawn(NODE, [fileURLToPath(import.meta.url)], { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "inherit"] });
  const stop = () => { try { process.kill(-child.pid, "SIGKILL"); } catch {} };
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => { stop(); fail(new Error("the Upstash bridge did not start within 15 s")); }, 15_000);
    child.once("exit", (code, sig) => { clearTimeout(timer); fail(new Error(`the Upstash bridge exited (${sig ?? code}) before it was ready: is redis-server up at ${REDIS_URL}?`)); });
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      ok({ ...JSON.parse(line), db: BENCH_DB, pid: child.pid, stop });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  serveBridge().catch((error) => { console.error(error?.stack ?? error); process.exit(1); });
}
