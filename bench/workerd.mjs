// Helpers for bench/run.mjs: bundle with wrangler, serve the bundle with `workerd serve`, read CPU time.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { basename, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import workerdPkg from "workerd";
import { ensureAssets } from "../scripts/copy-assets.mjs";

export const ROOT = resolve(import.meta.dirname, "..");
export const OUT = join(ROOT, ".bench");
// The `workerd` package's main export is the path of the platform binary (node_modules/@cloudflare/workerd-*).
export const WORKERD = workerdPkg.default;
// npm scripts put node_modules/.bin first, but prefer the pinned Node 24 even when run as `node bench/run.mjs`.
const NODE = existsSync(join(ROOT, "node_modules/.bin/node")) ? join(ROOT, "node_modules/.bin/node") : process.execPath;

/**
 * Bundle offline with `wrangler deploy --dry-run`; returns sizes and the compatibility settings to serve with.
 * `minify: false` (for a profile, BENCH_PROFILE) overrides the config's `minify`.
 */
export function bundle(configPath, { minify } = {}) {
  const dist = join(OUT, "dist");
  rmSync(dist, { recursive: true, force: true }); // no stale modules from an earlier bundle
  ensureAssets(); // wrangler refuses a missing [assets] directory; workerd serve below ignores assets
  const env = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
  const r = spawnSync(NODE, [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", dist, "-c", configPath, ...(minify === false ? ["--no-minify"] : [])],
    { cwd: ROOT, env, encoding: "utf8" });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed (exit ${r.status}):\n${out}`);
  const toml = readFileSync(configPath, "utf8");
  // wrangler names the bundle after `main`: index.js for src/index.ts, domain-resolution.js for bench/workers/….
  const mainModule = `${basename(toml.match(/^main\s*=\s*"([^"]+)"/m)?.[1] ?? "index.ts").replace(/\.[cm]?[jt]sx?$/, "")}.js`;
  const code = readFileSync(join(dist, mainModule));
  return {
    dist,
    mainModule,
    rawBytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    wrangler: out.match(/Total Upload: [^\n]*/)?.[0] ?? null,
    compatibilityDate: toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m)?.[1] ?? "2026-11-01",
    compatibilityFlags: [...(toml.match(/^compatibility_flags\s*=\s*\[([^\]]*)\]/m)?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]),
  };
}

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer().once("error", fail).listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

/**
 * Writes .bench/config.capnp for the bundle in `dist` and starts workerd on 127.0.0.1:port; with
 * `inspectorPort`, its inspector listens there (bench/profile.mjs).
 */
export function serve({ dist, mainModule = "index.js", compatibilityDate, compatibilityFlags }, port, vars, { inspectorPort } = {}) {
  const doDir = mkdtempSync(join(OUT, "do-"));
  // The main module must come first; wrangler may emit more (chunks, wasm).
  const files = readdirSync(dist).filter((f) => /\.(m?js|wasm)$/.test(f)).sort((a, b) => (b === mainModule) - (a === mainModule));
  const modules = files.map((f) => `(name = ${JSON.stringify(f)}, ${f.endsWith(".wasm") ? "wasm" : "esModule"} = embed ${JSON.stringify(`dist/${f}`)})`);
  const texts = Object.entries(vars).map(([k, v]) => `(name = ${JSON.stringify(k)}, text = ${JSON.stringify(v)})`);
  const capnp = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .fedgate),
    (name = "do-disk", disk = (path = ${JSON.stringify(doDir)}, writable = true)),
    # "local" lets the worker fetch 127.0.0.1 (IdP fixtures); the default internet service allows only public addresses.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const fedgate :Workerd.Worker = (
  modules = [${modules.join(", ")}],
  compatibilityDate = ${JSON.stringify(compatibilityDate)},
  compatibilityFlags = ${JSON.stringify(compatibilityFlags)},
  bindings = [${[...texts, `(name = "STORE", durableObjectNamespace = "StoreObject")`].join(",\n    ")}],
  durableObjectNamespaces = [(className = "StoreObject", uniqueKey = "fedgate-store", enableSql = true)],
  durableObjectStorage = (localDisk = "do-disk"),
  globalOutbound = "internet",
);
`;
  const configPath = join(OUT, "config.capnp");
  writeFileSync(configPath, capnp);
  const logPath = join(OUT, "workerd.log");
  const log = openSync(logPath, "w"); // a file, not a pipe: a full pipe would stall workerd
  // detached: own process group, so we can kill workerd and anything it starts with one signal.
  const child = spawn(WORKERD, ["serve", configPath, ...(inspectorPort ? [`--inspector-addr=127.0.0.1:${inspectorPort}`] : [])], { cwd: OUT, detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  let exited = null;
  child.on("exit", (code, sig) => { exited = sig ?? code; });
  const stop = () => {
    if (exited === null) try { process.kill(-child.pid, "SIGKILL"); } catch {}
    rmSync(doDir, { recursive: true, force: true });
  };
  return { pid: child.pid, stop, logPath, exited: () => exited };
}

export async function waitHealthy(base, server, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exited() !== null) break;
    try { if ((await fetch(`${base}/healthz`)).ok) return; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workerd did not answer GET /healthz (exit: ${server.exited()}). Log:\n${readFileSync(server.logPath, "utf8").slice(-3000)}`);
}

/** CPU clock ticks (utime+stime) of every process in workerd's process group, plus its reaped children. */
export function cpuTicks(pgid) {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let stat;
    try { stat = readFileSync(`/proc/${pid}/stat`, "utf8"); } catch { continue; } // process just exited
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state); comm may contain spaces
    if (Number(f[2]) !== pgid) continue;
    ticks += Number(f[11]) + Number(f[12]) + (Number(pid) === pgid ? Number(f[13]) + Number(f[14]) : 0);
  }
  return ticks;
}

export const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

export const workerdVersion = () => spawnSync(WORKERD, ["--version"], { encoding: "utf8" }).stdout.trim();

/** N from `Server-Timing: store;dur=<ms>;desc="<N> round trips"`; 0 when absent. */
export function storeRoundTrips(header) {
  const store = (header ?? "").split(",").map((m) => m.trim()).find((m) => /^store(;|$)/.test(m));
  return Number(store?.match(/desc="?(\d+) round trips?/)?.[1] ?? 0);
}
