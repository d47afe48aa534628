// BENCH_PROFILE=1: V8's sampling profiler over workerd's inspector (Chrome DevTools Protocol), one profile per
// row's concurrent load. Writes .bench/profile-<suite>-<n>.cpuprofile (open it in Chrome DevTools' Performance
// panel or speedscope) and prints where the samples fell: self time per function and per source module
// (the bundle is built unminified for a profile, so names and the bundle's `// src/...` markers survive).
import { readFileSync } from "node:fs";

/** Connects to workerd's inspector (`workerd serve --inspector-addr`); retries while workerd starts. */
export async function connectProfiler(port, { intervalUs = 100, timeoutMs = 15_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let targets;
  while (!targets) {
    try { targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json(); } catch (error) {
      if (Date.now() > deadline) throw new Error(`workerd's inspector on ${port} did not answer: ${error}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? { webSocketDebuggerUrl: `ws://127.0.0.1:${port}/main` };
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error(`inspector WebSocket ${target.webSocketDebuggerUrl} failed`)); });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.fail(new Error(`${msg.error.message} (${JSON.stringify(msg.error)})`));
    else p.ok(msg.result);
  };
  const send = (method, params = {}) => new Promise((ok, fail) => {
    pending.set(++id, { ok, fail });
    ws.send(JSON.stringify({ id, method, params }));
  });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: intervalUs });
  return {
    start: () => send("Profiler.start"),
    stop: async () => (await send("Profiler.stop")).profile,
    close: () => ws.close(),
  };
}

/** Source module of each line of the unminified bundle, from esbuild's `// src/...` comments. */
function moduleOfLine(bundlePath) {
  const starts = [];
  readFileSync(bundlePath, "utf8").split("\n").forEach((line, i) => {
    const m = line.match(/^\/\/ (?:\.\.\/)*((?:src|bench|node_modules)\/\S+|[\w.-]+\.ts)$/);
    if (m) starts.push([i, m[1].replace(/^node_modules\/(?:\.pnpm\/)?((?:@[^/]+\/)?[^/]+).*/, "$1")]);
  });
  return (line) => {
    let lo = 0, hi = starts.length - 1, found = "(bundle prelude)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid][0] <= line) { found = starts[mid][1]; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  };
}

/**
 * Self time per function, and per source module with the runtime's native work (crypto, SQLite, Response...)
 * charged to the module that called it: lines of text, heaviest first.
 */
export function summarize(profile, bundlePath, top = 25) {
  const moduleOf = moduleOfLine(bundlePath);
  const dt = new Map(); // node id → sampled µs
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const total = [...dt.values()].reduce((a, b) => a + b, 0) || 1;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const VM = ["(idle)", "(program)", "(garbage collector)", "(root)"];
  const bundleUrl = bundlePath.split("/").pop(); // workerd names the main module's frames by its module name
  const inBundle = (f) => f.url === bundleUrl && f.lineNumber >= 0;
  const byFunction = new Map();
  const byModule = new Map();
  const add = (m, k, us) => m.set(k, (m.get(k) ?? 0) + us);
  for (const node of profile.nodes) {
    const us = dt.get(node.id) ?? 0;
    if (!us) continue;
    const f = node.callFrame;
    const own = VM.includes(f.functionName) ? f.functionName : inBundle(f) ? moduleOf(f.lineNumber) : null;
    add(byFunction, `${f.functionName || "(anonymous)"} ${own ?? (f.url || "(native)")}${inBundle(f) ? `:${f.lineNumber + 1}` : ""}`, us);
    let caller = own;
    for (let id = parent.get(node.id); !caller && id !== undefined; id = parent.get(id)) {
      const p = nodes.get(id).callFrame;
      if (inBundle(p)) caller = moduleOf(p.lineNumber);
    }
    add(byModule, own ?? `${caller ?? "(no bundle caller)"} (native calls)`, us);
  }
  const list = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
  return [`self time by module (of ${(total / 1000).toFixed(0)} ms sampled):`, ...list(byModule), "self time by function:", ...list(byFunction)].join("\n");
}

// `node bench/profile.mjs <file.cpuprofile> [bundle.js]`: the summary of a saved profile (bundle: .bench/dist's).
if (import.meta.main) {
  const [file, bundlePath = new URL("../.bench/dist/token.js", import.meta.url).pathname] = process.argv.slice(2);
  console.log(summarize(JSON.parse(readFileSync(file, "utf8")), bundlePath, Number(process.env.TOP ?? 25)));
}
