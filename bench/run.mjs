// `npm run bench`: for each suite, bundle its Worker, serve it with `workerd serve`, load each row with autocannon.
// Suites run one after the other, each in its own workerd process: "main" (the Worker, ROUTES) and
// "resolution" (bench/workers/domain-resolution.ts: domain resolution at 10 and 100,000 mappings).
// Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (20), BENCH_SEQ (2000 sequential requests for CPU/req),
// BENCH_ROUNDS (1; >1 alternates a suite's rows and reports medians), BENCH_SUITES (main,resolution),
// BENCH_CONFIG or --config <wrangler.toml> (the main suite's config).
// Never benchmark through `wrangler dev` (its proxy costs ~16x throughput): see /work/shared/PERF.md.
import autocannon from "autocannon";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { join, resolve } from "node:path";
import { bundle, CLK_TCK, cpuTicks, freePort, OUT, ROOT, serve, storeRoundTrips, waitHealthy, workerdVersion } from "./workerd.mjs";

// One row per benchmarked request. Optional per row: method, headers, body, `expect` (allowed status codes;
// default any 2xx) and `async setup(ctx)`, run once before warm-up with ctx = { base, vars, fetch, note } — it can
// create clients, users, ... and returns fields that override the row's (method, path, headers, body, or an
// autocannon `requests` array for per-request bodies); note(text) adds a line under the suite's title.
const ROUTES = [
  { name: "GET /healthz (runtime ceiling)", path: "/healthz" },
  { name: "GET /.well-known/openid-configuration", path: "/.well-known/openid-configuration" },
  { name: "GET /.well-known/jwks.json", path: "/.well-known/jwks.json" },
];

// The domain-resolution suite: its own bench Worker reads mappings through the real DurableObjectStore
// (one SQLite Durable Object per project). setup() seeds the project once per workerd process (the rows
// of one size share it) and returns an autocannon `requests` array that picks a domain per request.
const HOT_DOMAINS = 500;
const seeding = new Map(); // `${base} ${project}` → promise of the seeding
function seedProject(base, count, note) {
  const project = `bench-${count}`;
  const key = `${base} ${project}`;
  if (!seeding.has(key)) seeding.set(key, (async () => {
    const t0 = performance.now();
    const res = await fetch(`${base}/seed?project=${project}&count=${count}`, { method: "POST" });
    if (!res.ok) throw new Error(`seeding ${project} answered ${res.status}: ${await res.text()}`);
    const { written } = await res.json();
    note(`seeded ${count.toLocaleString("en-US")} mappings (${written.toLocaleString("en-US")} written) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return project;
  })());
  return seeding.get(key);
}
const resolveRow = (count, cache) => ({
  // cache=off: a uniformly random domain of all seeded ones per request, so reads spread over the whole table.
  // cache=on: random among a fixed hot set of HOT_DOMAINS, pre-loaded into the isolate cache — that cache
  // keeps at most 50,000 entries for 30 s, so random over all 100,000 would mostly measure misses.
  name: `GET /resolve cache=${cache}, ${count.toLocaleString("en-US")} mappings (${cache === "off" ? "random of all" : `random of ${Math.min(count, HOT_DOMAINS)} hot`})`,
  async setup({ base, note }) {
    const project = await seedProject(base, count, note);
    const pathOf = (i) => `/resolve?project=${project}&domain=d${i}.example&cache=${cache}`;
    const hot = Array.from({ length: Math.min(count, HOT_DOMAINS) }, (_, i) => (count <= HOT_DOMAINS ? i : Math.floor(Math.random() * count)));
    if (cache === "on") for (const i of hot) await (await fetch(base + pathOf(i))).arrayBuffer();
    const pick = cache === "off" ? () => Math.floor(Math.random() * count) : () => hot[Math.floor(Math.random() * hot.length)];
    return { path: pathOf(pick()), requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: pathOf(pick()) }) }] };
  },
});
const RESOLUTION_ROUTES = [resolveRow(10, "off"), resolveRow(100_000, "off"), resolveRow(10, "on"), resolveRow(100_000, "on")];

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const SEQ = Number(process.env.BENCH_SEQ ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const WARMUP = 20;
const argConfig = process.argv.indexOf("--config");
const CONFIG = resolve(argConfig > 0 ? process.argv[argConfig + 1] : process.env.BENCH_CONFIG ?? join(ROOT, "wrangler.toml"));
const SUITES = [
  { name: "main", config: CONFIG, routes: ROUTES, vars: (base) => ({
    ISSUER: base, FEDGATE_ENCRYPTION_KEY: b64url(32), ADMIN_BOOTSTRAP_TOKEN: b64url(33).slice(0, 43),
    SIGNING_ALG: "ES256", SERVER_TIMING: "on", LOG_LEVEL: "warn",
  }) },
  { name: "resolution", title: "Domain resolution: readDomainMapping (cache=off) / resolveDomain (cache=on) over DurableObjectStore, bench/workers/domain-resolution.ts",
    config: join(ROOT, "bench/workers/domain-resolution.toml"), routes: RESOLUTION_ROUTES, vars: () => ({}) },
].filter((s) => (process.env.BENCH_SUITES ?? "main,resolution").split(",").map((x) => x.trim()).includes(s.name));

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2; };
const b64url = (n) => randomBytes(n).toString("base64url");

let server;
const cleanup = () => server?.stop();
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { cleanup(); process.exit(130); });

/** Runs autocannon and reads workerd's CPU ticks around it. */
async function load(pid, row, opts) {
  const t0 = cpuTicks(pid);
  const { base, path, method = "GET", headers, body, requests } = row;
  const run = autocannon({ url: base + path, method, headers, body, requests, ...opts });
  // autocannon's own histogram has 1 ms resolution; keep the exact latencies for sub-ms percentiles.
  const lat = [];
  run.on("response", (_client, _status, _bytes, ms) => lat.push(ms));
  const r = await run;
  const ticks = cpuTicks(pid) - t0;
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN;
  const ok = (code) => (row.expect ? row.expect.includes(Number(code)) : code >= 200 && code < 300);
  const bad = Object.entries(r.statusCodeStats).reduce((n, [code, s]) => n + (ok(code) ? 0 : s.count), 0);
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats).map(([c, s]) => [c, s.count]));
  return { r, ticks, total: r.requests.total, bad, p50: pct(50), p99: pct(99), statusCodes };
}

/** Bundles, serves and loads one suite; stops its workerd process before returning. */
async function runSuite(suite) {
  console.error(`\n== suite ${suite.name}: bundling ${suite.config} ...`);
  const b = bundle(suite.config);
  const bundleLine = `bundle: ${b.mainModule} ${b.rawBytes} bytes raw, ${(b.gzipBytes / 1024).toFixed(2)} KiB gzip (zlib level 9)` +
    (b.wrangler ? `; wrangler: ${b.wrangler}` : "");

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const vars = suite.vars(base);
  const notes = [];
  const note = (text) => { console.error(text); notes.push(text); };
  server = serve(b, port, vars);
  await waitHealthy(base, server);
  console.error(`workerd pid ${server.pid} on ${base} (log: ${server.logPath})`);

  // Setup, warm-up (the first JWKS request creates the signing keys) and one Server-Timing probe per row.
  const rows = [];
  for (const route of suite.routes) {
    const row = { ...route, base, ...(await route.setup?.({ base, vars, fetch, note })) };
    let res;
    for (let i = 0; i < WARMUP; i++) {
      res = await fetch(base + row.path, { method: row.method ?? "GET", headers: row.headers, body: row.body });
      await res.arrayBuffer();
    }
    if (!(row.expect ? row.expect.includes(res.status) : res.ok)) console.error(`!!! ${row.name}: warm-up answered ${res.status}`);
    const serverTiming = res.headers.get("server-timing");
    rows.push({ row, serverTiming, storeRT: storeRoundTrips(serverTiming), runs: [], seq: null });
  }

  // Rows alternate within each round, all in the same workerd process, so they share its warm state.
  for (let round = 0; round < ROUNDS; round++) {
    for (const x of rows) {
      console.error(`round ${round + 1}/${ROUNDS}: ${x.row.name} (${SECONDS} s x ${CONNECTIONS} connections)`);
      x.runs.push(await load(server.pid, x.row, { connections: CONNECTIONS, duration: SECONDS }));
    }
  }
  // Second CPU figure: one connection, sequential — the per-request cost without the batching a busy event loop gets.
  if (SEQ > 0) for (const x of rows) x.seq = await load(server.pid, x.row, { connections: 1, amount: SEQ });

  const sum = (xs, fn) => xs.reduce((n, x) => n + fn(x), 0);
  const cpuMs = (runs) => (sum(runs, (x) => x.ticks) * 1000) / CLK_TCK / sum(runs, (x) => x.total);
  const results = rows.map(({ row, serverTiming, storeRT, runs, seq }) => ({
    suite: suite.name,
    route: row.name,
    method: row.method ?? "GET",
    path: row.path,
    reqPerSec: median(runs.map((x) => x.r.requests.average)),
    p50Ms: median(runs.map((x) => x.p50)),
    p99Ms: median(runs.map((x) => x.p99)),
    cpuMsPerReq: cpuMs(runs),
    cpuMsPerReqSequential: seq ? cpuMs([seq]) : null,
    storeRoundTrips: storeRT,
    serverTiming,
    requests: sum(runs, (x) => x.total),
    non2xx: sum([...runs, ...(seq ? [seq] : [])], (x) => x.bad),
    errors: sum([...runs, ...(seq ? [seq] : [])], (x) => x.r.errors + x.r.timeouts),
    statusCodes: [...runs, ...(seq ? [seq] : [])].map((x) => x.statusCodes),
  }));

  server.stop();
  server = undefined;
  return { suite, b, bundleLine, notes, results };
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  if (SUITES.length === 0) throw new Error(`BENCH_SUITES=${process.env.BENCH_SUITES} names no suite (main, resolution)`);
  const done = [];
  for (const suite of SUITES) done.push(await runSuite(suite));
  const results = done.flatMap((x) => x.results);

  const machine = { nproc: availableParallelism(), cpu: cpus()[0]?.model, node: process.version, workerd: workerdVersion() };
  const f = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");
  console.log(`\n${new Date().toISOString()} · ${machine.nproc} CPUs (${machine.cpu}) · Node ${machine.node} · ${machine.workerd} · ` +
    `${CONNECTIONS} connections × ${SECONDS} s × ${ROUNDS} round(s) · CPU/req: concurrent run / ${SEQ} sequential requests (clock tick ${1000 / CLK_TCK} ms)`);
  for (const suite of done) {
    // The main suite prints as before (bundle line, table); other suites print a title and notes, no bundle line.
    if (suite.suite.name === "main") console.log(`${suite.bundleLine}\n`);
    else console.log(`\n${suite.suite.title}${suite.notes.map((n) => `\n- ${n}`).join("")}\n`);
    console.log("| route | req/s | p50 ms | p99 ms | CPU ms/req (conc. / seq.) | store RT/req | non-2xx |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const x of suite.results) {
      const bad = x.non2xx || x.errors ? `**${x.non2xx} !!!${x.errors ? ` +${x.errors} errors` : ""}**` : "0";
      const cpu = `${f(x.cpuMsPerReq, 3)} / ${f(x.cpuMsPerReqSequential, 3)}`;
      console.log(`| ${x.route} | ${f(x.reqPerSec, 0)} | ${f(x.p50Ms)} | ${f(x.p99Ms)} | ${cpu} | ${x.storeRoundTrips} | ${bad} |`);
    }
  }
  const suites = done.map(({ suite, b, notes }) => ({
    name: suite.name, config: suite.config, notes, bundle: { rawBytes: b.rawBytes, gzipBytes: b.gzipBytes, gzipLevel: 9, wrangler: b.wrangler },
  }));
  writeFileSync(join(OUT, "results.json"), JSON.stringify({
    date: new Date().toISOString(), machine, connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, sequentialRequests: SEQ, clkTck: CLK_TCK,
    // config and bundle: the first suite's (the main Worker's unless BENCH_SUITES leaves it out); each row names its suite.
    config: suites[0]?.config, bundle: suites[0]?.bundle, suites, results,
  }, null, 2));

  const failed = results.filter((x) => x.non2xx || x.errors);
  for (const x of failed) console.error(`\n!!! ${x.route}: ${x.non2xx} unexpected statuses, ${x.errors} errors/timeouts — status codes ${JSON.stringify(x.statusCodes)}`);
  console.error(`\nresults: ${join(OUT, "results.json")}`);
  return failed.length ? 1 : 0;
}

main().then((code) => { cleanup(); process.exit(code); }, (err) => { console.error(err?.stack ?? err); cleanup(); process.exit(1); });
