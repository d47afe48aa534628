#!/usr/bin/env node
// `npm run deploy:check`: builds exactly what `wrangler deploy` would upload (`wrangler deploy --dry-run`
// with wrangler.toml) and checks that the bundle and the config declare what the code needs: the
// store's Durable Object and its migration, the audit and logout queues with dead-letter queues, every
// rate-limit tier, the cron trigger, the assets, a compatibility date the bundled workerd runs, no
// secret in [vars]. Prints a pass/fail list and the settings a deployment must provide (README
// "Deploying"); exits 1 on a failure, 0 with warnings. Offline: nothing here reaches the network.
//
//   node scripts/deploy-check.mjs [--config wrangler.toml] [--env <name>]
//   node scripts/deploy-check.mjs --self-test   # also proves each check fails on a broken copy (CI;
//                                               # DEPLOY_CHECK_DEBUG=1 prints what each copy failed)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { unstable_readConfig } from "wrangler";
import { ensureAssets } from "./copy-assets.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const KIB = 1024;
/** The bundle size the project aims for (README "Benchmarks" says why it is over). */
const TARGET_GZIP = 150 * KIB;
/** Cloudflare's Worker size limit after compression on the free plan (paid: 10 MiB); Fedgate fits both. */
const LIMIT_GZIP = 3 * KIB * KIB;
/** Values that must be Worker secrets (`wrangler secret put`), never [vars]: [vars] are in the repo and the dashboard. */
const SECRETS = ["FEDGATE_ENCRYPTION_KEY", "ADMIN_BOOTSTRAP_TOKEN", "UPSTASH_REDIS_REST_TOKEN"];
/** For the config check's parse of [vars]: well-formed stand-ins for settings wrangler.toml need not carry. */
const STAND_INS = { ISSUER: "https://id.example.com", FEDGATE_ENCRYPTION_KEY: "A".repeat(43), ADMIN_BOOTSTRAP_TOKEN: "x".repeat(32) };
/** wrangler needs Node 22.12+: prefer the pinned Node (package.json's `node`) even when run with an older `node`. */
const NODE = existsSync(join(ROOT, "node_modules/.bin/node")) ? join(ROOT, "node_modules/.bin/node") : process.execPath;
/** wrangler, offline and quiet (TOOLCHAIN.md "Running offline"). */
const WRANGLER_ENV = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

/** What the code says it needs, read from the code itself (src/ bundled with esbuild, then imported). */
export async function readCode() {
  const entry = `export { parseConfig } from "./src/config";
export { TIER_LIMITS, TIER_PERIOD_S, tierBinding } from "./src/security/rate-tiers";
export { LOGOUT_QUEUE_NAME, MAX_ATTEMPTS } from "./src/sessions/backchannel-logout";`;
  const out = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: "ts" }, bundle: true, write: false, format: "esm", platform: "neutral",
    conditions: ["workerd", "worker", "browser"], mainFields: ["module", "main"], external: ["cloudflare:*"], logLevel: "silent",
  });
  const code = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
  let problems = [];
  try {
    code.parseConfig({});
  } catch (error) {
    problems = error.problems ?? [];
  }
  const configSource = readFileSync(join(ROOT, "src/config.ts"), "utf8");
  const variablesBlock = configSource.slice(configSource.indexOf("const variables = {"), configSource.indexOf("} as const;"));
  // workerd's package version is 1.<date>.<n>: the newest compatibility date it runs. wrangler and the
  // test pool (top-level workerd) may carry different ones; the config must suit both.
  const workerdDates = ["node_modules/workerd", "node_modules/wrangler/node_modules/workerd"]
    .filter((dir) => existsSync(join(ROOT, dir, "package.json")))
    .map((dir) => JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")).version.split(".")[1])
    .map((d) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`);
  return {
    parseConfig: code.parseConfig,
    /** Settings the Worker refuses to run without: what parseConfig of an empty env reports missing. */
    required: problems.map((p) => /^([A-Z0-9_]+) is missing/.exec(p)?.[1]).filter(Boolean),
    variables: [...variablesBlock.matchAll(/^ {2}([A-Z][A-Z0-9_]*): /gm)].map((m) => m[1]),
    tierLimits: code.TIER_LIMITS, tierPeriodS: code.TIER_PERIOD_S, tierBinding: code.tierBinding,
    logoutQueue: code.LOGOUT_QUEUE_NAME, logoutAttempts: code.MAX_ATTEMPTS,
    indexExportsStore: /^export \{ StoreObject \} from /m.test(readFileSync(join(ROOT, "src/index.ts"), "utf8")),
    newestCompatibilityDate: workerdDates.sort()[0],
  };
}

/** wrangler's own reading of the config (its parser and validation), or the error it gave. */
export function readDeployConfig(configPath, env) {
  try {
    return { config: unstable_readConfig({ config: configPath, env }, { hideWarnings: true }) };
  } catch (error) {
    return { error: String(error?.message ?? error).split("\n").slice(0, 6).join(" ") };
  }
}

/** `wrangler deploy --dry-run --outdir <tmp>`: the upload, its modules' sizes and the main module's text. */
export function buildUpload(configPath, env) {
  const outdir = mkdtempSync(join(tmpdir(), "fedgate-deploy-check-"));
  try {
    const args = [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", outdir, "-c", configPath, ...(env ? ["--env", env] : [])];
    const run = spawnSync(NODE, args, { cwd: ROOT, env: WRANGLER_ENV, encoding: "utf8" });
    const output = `${run.stdout}\n${run.stderr}`;
    if (run.status !== 0) return { error: `wrangler deploy --dry-run exited ${run.status}: ${output.trim().split("\n").slice(-8).join(" | ")}` };
    const modules = readdirSync(outdir).filter((f) => /\.(m?js|cjs|wasm)$/.test(f)).map((name) => {
      const bytes = readFileSync(join(outdir, name));
      return { name, rawBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, text: name.endsWith("wasm") ? "" : bytes.toString("utf8") };
    });
    return { modules, wranglerLine: /Total Upload: [^\n]*/.exec(output)?.[0] };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const kib = (bytes) => `${(bytes / KIB).toFixed(1)} KiB`;

/** Every check: `{ id, status: "ok" | "warn" | "fail", message }`. */
export function checkDeployment({ config, configError, configPath, upload, code, readme }) {
  const results = [];
  const report = (id, ok, message, status = ok ? "ok" : "fail") => results.push({ id, status, message });
  if (configError) return [{ id: "config", status: "fail", message: `wrangler cannot read ${configPath}: ${configError}` }];

  // What `wrangler deploy` would upload.
  if (upload.error || upload.modules.length === 0) report("bundle", false, upload.error ?? "wrangler wrote no module");
  else {
    const raw = upload.modules.reduce((sum, m) => sum + m.rawBytes, 0);
    const gzip = upload.modules.reduce((sum, m) => sum + m.gzipBytes, 0);
    report("bundle", true, `${upload.modules.map((m) => m.name).join(", ")}: ${kib(raw)}, ${kib(gzip)} gzip (wrangler: ${upload.wranglerLine ?? "no size line"})`);
    if (gzip > LIMIT_GZIP) report("size", false, `${kib(gzip)} gzip is over Cloudflare's 3 MiB limit of the free plan (10 MiB paid)`);
    else if (gzip > TARGET_GZIP) report("size", true, `${kib(gzip)} gzip: over the 150 KiB target (README "Benchmarks": the console's pages), well under the free plan's 3 MiB limit`, "warn");
    else report("size", true, `${kib(gzip)} gzip, within the 150 KiB target and the free plan's 3 MiB limit`);
    const exported = upload.modules.some((m) => /export\s*\{[^}]*\bStoreObject\b/.test(m.text));
    report("class-export", exported && code.indexExportsStore,
      exported && code.indexExportsStore ? "StoreObject is exported by src/index.ts and by the bundle" : `StoreObject is not exported by ${code.indexExportsStore ? "the bundle" : "src/index.ts"}: the STORE binding needs its class exported`);
  }

  // The store: the Durable Object binding, and the migration that creates its SQLite-backed class.
  const store = config.durable_objects?.bindings?.find((b) => b.name === "STORE");
  report("store-binding", store?.class_name === "StoreObject" && !store.script_name,
    store ? `STORE binds class ${store.class_name}${store.script_name ? ` of Worker ${store.script_name}` : ""} (expected StoreObject of this Worker)` : "no [[durable_objects.bindings]] named STORE");
  const migrations = config.migrations ?? [];
  const created = migrations.findIndex((m) => m.new_sqlite_classes?.includes("StoreObject"));
  const removedAfter = migrations.slice(created + 1).some((m) => m.deleted_classes?.includes("StoreObject") || m.renamed_classes?.some((r) => r.from === "StoreObject"));
  report("migration", created >= 0 && !removedAfter,
    created < 0 ? `no [[migrations]] entry with new_sqlite_classes = ["StoreObject"]${migrations.some((m) => m.new_classes?.includes("StoreObject")) ? " (new_classes makes a key-value object: the store needs SQLite)" : ""}`
      : removedAfter ? "a later [[migrations]] entry deletes or renames StoreObject" : `[[migrations]] ${migrations[created].tag} creates StoreObject with SQLite storage`);

  // The queues: index.ts sends the logout queue's batches to the logout consumer and every other batch to the audit one.
  const producers = config.queues?.producers ?? [];
  const consumers = config.queues?.consumers ?? [];
  const auditQueue = producers.find((p) => p.binding === "AUDIT_QUEUE")?.queue;
  for (const [id, binding, queue, expected] of [["audit-queue", "AUDIT_QUEUE", auditQueue, undefined], ["logout-queue", "LOGOUT_QUEUE", producers.find((p) => p.binding === "LOGOUT_QUEUE")?.queue, code.logoutQueue]]) {
    const consumer = consumers.find((c) => c.queue === queue);
    const problems = [];
    if (!queue) problems.push(`no [[queues.producers]] binding ${binding}`);
    else if (expected && queue !== expected) problems.push(`${binding} sends to "${queue}" but the code consumes "${expected}" (LOGOUT_QUEUE_NAME)`);
    if (queue && !consumer) problems.push(`no [[queues.consumers]] for "${queue}"`);
    if (consumer && (!consumer.dead_letter_queue || consumer.dead_letter_queue === queue)) problems.push(`the consumer of "${queue}" has no dead_letter_queue`);
    if (id === "logout-queue" && consumer && consumer.max_retries !== code.logoutAttempts - 1) problems.push(`max_retries of "${queue}" is ${consumer.max_retries}, the code delivers ${code.logoutAttempts} attempts (keep it ${code.logoutAttempts - 1})`);
    report(id, problems.length === 0, problems.join("; ") || `${binding} → "${queue}", consumed, dead letters to "${consumer.dead_letter_queue}"`);
  }
  const strays = consumers.filter((c) => c.queue !== auditQueue && c.queue !== code.logoutQueue).map((c) => c.queue);
  report("queue-consumers", strays.length === 0, strays.length ? `consumers of ${strays.join(", ")}: the queue handler would write their messages as audit events` : "no other queue is consumed");

  // The request limits' tiers: exactly the code's ladder (src/security/rate-tiers.ts).
  const declared = new Map((config.ratelimits ?? []).map((r) => [r.name, r]));
  const tierProblems = [];
  const missing = code.tierLimits.map(code.tierBinding).filter((name) => !declared.has(name));
  if (missing.length) tierProblems.push(`${missing.length} of ${code.tierLimits.length} tiers missing (${missing.length > 3 ? `${missing.slice(0, 3).join(", ")}, …` : missing.join(", ")})`);
  for (const limit of code.tierLimits) {
    const tier = declared.get(code.tierBinding(limit));
    if (tier && (tier.simple?.limit !== limit || tier.simple?.period !== code.tierPeriodS)) tierProblems.push(`${tier.name} is ${tier.simple?.limit}/${tier.simple?.period} s, expected ${limit}/${code.tierPeriodS} s`);
  }
  const known = new Set(code.tierLimits.map(code.tierBinding));
  for (const name of declared.keys()) if (name.startsWith("RATE_LIMITER_") && !known.has(name)) tierProblems.push(`${name} is not a tier the code uses`);
  const ids = [...declared.values()].map((r) => r.namespace_id);
  if (new Set(ids).size !== ids.length) tierProblems.push("two tiers share a namespace_id (and so their counters)");
  report("rate-tiers", tierProblems.length === 0, tierProblems.join("; ") || `${code.tierLimits.length} [[ratelimits]] tiers, ${code.tierLimits[0]} … ${code.tierLimits.at(-1)} per ${code.tierPeriodS} s, namespace ids ${ids[0]} … ${ids.at(-1)} (per deployment: README "Deploying")`);

  // The rest of the Worker's settings.
  const crons = config.triggers?.crons ?? [];
  report("cron", crons.length > 0, crons.length ? `cron ${crons.map((c) => `"${c}"`).join(", ")}: signing-key rotation check and DNS re-check` : "no [triggers] crons: signing keys would never rotate and DNS proofs never be re-checked");
  const assets = config.assets?.directory ? resolve(dirname(configPath), config.assets.directory) : undefined;
  report("assets", Boolean(assets && existsSync(assets) && statSync(assets).isDirectory()),
    assets ? `[assets] directory ${config.assets.directory}${existsSync(assets) ? "" : " does not exist (npm install runs scripts/copy-assets.mjs)"}` : "no [assets] directory: /admin/v1/docs would have no Swagger UI");
  const date = config.compatibility_date;
  const today = new Date().toISOString().slice(0, 10);
  report("compatibility-date", Boolean(date) && date <= code.newestCompatibilityDate && date <= today,
    !date ? "no compatibility_date" : date > code.newestCompatibilityDate ? `compatibility_date ${date} is newer than the bundled workerd runs (${code.newestCompatibilityDate})` : date > today ? `compatibility_date ${date} is in the future` : `compatibility_date ${date} (the bundled workerd runs up to ${code.newestCompatibilityDate})`);
  report("keep-names", config.keep_names === false, config.keep_names === false ? "keep_names = false" : "keep_names must be false (wrangler.toml says why: ~4% of a token request's CPU)");
  report("minify", config.minify === true, config.minify === true ? "minify = true" : "minify is off: a larger upload, slower cold starts", config.minify === true ? "ok" : "warn");
  report("observability", config.observability?.enabled === true, config.observability?.enabled ? "[observability] enabled: the JSON log lines are kept and searchable" : "[observability] is off: only `wrangler tail` shows the logs", config.observability?.enabled ? "ok" : "warn");

  // [vars]: no secret, only settings the code knows, each well-formed.
  const vars = config.vars ?? {};
  const leaked = SECRETS.filter((name) => name in vars);
  const stale = SECRETS.filter((name) => !code.variables.includes(name));
  report("secrets", leaked.length === 0 && stale.length === 0,
    leaked.length ? `${leaked.join(", ")} in [vars]: set with \`wrangler secret put\`, never in wrangler.toml` : stale.length ? `deploy-check's secret ${stale.join(", ")} is not a setting of src/config.ts` : `no secret in [vars] (${SECRETS.join(", ")} are secrets)`);
  const unknown = Object.keys(vars).filter((name) => !code.variables.includes(name));
  let malformed = [];
  try {
    code.parseConfig({ ...STAND_INS, ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)])) });
  } catch (error) {
    malformed = (error.problems ?? [String(error)]).filter((p) => Object.keys(vars).some((name) => p.includes(name)));
  }
  report("vars", malformed.length === 0, malformed.join("; ") || `[vars] ${Object.keys(vars).join(", ") || "(none)"} well-formed`);
  if (unknown.length) report("vars-unknown", false, `[vars] ${unknown.join(", ")}: not a setting src/config.ts reads`, "warn");
  const domains = (config.routes ?? []).filter((r) => typeof r === "object" && r.custom_domain).map((r) => r.pattern);
  if (vars.ISSUER !== undefined && domains.length > 0) {
    report("issuer", domains.some((d) => vars.ISSUER === `https://${d}`), `ISSUER ${vars.ISSUER} ${domains.some((d) => vars.ISSUER === `https://${d}`) ? "is" : "is not"} https:// + the custom domain (${domains.join(", ")})`);
  }

  // The README's "Deploying" section says what this script checks.
  const section = /^## Deploying\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? "";
  const queueNames = [...new Set([...producers.map((p) => p.queue), ...consumers.flatMap((c) => [c.queue, c.dead_letter_queue])].filter(Boolean))];
  const undocumented = [...code.required, ...SECRETS, ...queueNames.map((q) => `wrangler queues create ${q}`)].filter((name) => !section.includes(name));
  report("readme", section !== "" && undocumented.length === 0, section === "" ? 'README.md has no "Deploying" section' : undocumented.length ? `README "Deploying" does not mention ${undocumented.join(", ")}` : 'README "Deploying" names every required setting, secret and queue', section && undocumented.length === 0 ? "ok" : "warn");
  return results;
}

/** The settings a deployment provides itself (README "Deploying" lists the same). */
export function requiredSettings(code, config) {
  const vars = config?.vars ?? {};
  return code.required.map((name) => `${name}${SECRETS.includes(name) ? " (secret: wrangler secret put)" : name in vars ? " (set in [vars])" : " (add it to [vars] in wrangler.toml: wrangler deploy replaces the dashboard's vars)"}`);
}

/** Reads, builds and checks one config; the results and the required settings. */
export async function run(configPath, env, code) {
  const { config, error } = readDeployConfig(configPath, env);
  const upload = config ? buildUpload(configPath, env) : { error: "not built" };
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  return { config, results: checkDeployment({ config, configError: error, configPath, upload, code, readme }), upload, readme };
}

function print(results, code, config) {
  const mark = { ok: "  ok  ", warn: "  warn", fail: "  FAIL" };
  for (const r of results) console.log(`${mark[r.status]}  ${r.id}: ${r.message}`);
  console.log("\nA deployment must provide (README \"Deploying\"):");
  for (const line of requiredSettings(code, config)) console.log(`  - ${line}`);
  console.log("  - optional: UPSTASH_REDIS_REST_URL with the secret UPSTASH_REDIS_REST_TOKEN (both, or neither for the Durable Object store)");
  const count = (status) => results.filter((r) => r.status === status).length;
  console.log(`\ndeploy:check: ${count("fail")} failed, ${count("warn")} warning(s), ${count("ok")} passed`);
}

// The self-test: each broken copy of wrangler.toml must fail the check it names (a check that cannot fail proves nothing).
const BREAKAGES = [
  ["store-binding", 'class_name = "StoreObject"', 'class_name = "Store"'],
  ["migration", 'new_sqlite_classes = ["StoreObject"]', 'new_classes = ["StoreObject"]'],
  ["audit-queue", 'binding = "AUDIT_QUEUE"', 'binding = "AUDIT"'],
  ["audit-queue", 'dead_letter_queue = "fedgate-audit-dead"', ""],
  ["logout-queue", 'binding = "LOGOUT_QUEUE"\nqueue = "fedgate-logout"', 'binding = "LOGOUT_QUEUE"\nqueue = "fedgate-logouts"'],
  ["logout-queue", "max_retries = 5", "max_retries = 3"],
  ["logout-queue", 'dead_letter_queue = "fedgate-logout-dead"', ""],
  ["rate-tiers", "simple = { limit = 600, period = 60 }", "simple = { limit = 500, period = 60 }"],
  ["rate-tiers", '[[ratelimits]]\nname = "RATE_LIMITER_1000000"', '[[ratelimits]]\nname = "RATE_LIMITER_999"'],
  ["cron", 'crons = ["17 * * * *"]', "crons = []"],
  ["assets", /\[assets\]\ndirectory = "[^"]*"/, ""],
  ["compatibility-date", /compatibility_date = "[^"]*"/, 'compatibility_date = "2099-01-01"'],
  ["keep-names", "keep_names = false", "keep_names = true"],
  ["secrets", 'SIGNING_ALG = "ES256"', 'SIGNING_ALG = "ES256"\nADMIN_BOOTSTRAP_TOKEN = "committed-by-mistake-0123456789abcdef"'],
  ["secrets", 'SIGNING_ALG = "ES256"', 'SIGNING_ALG = "ES256"\nUPSTASH_REDIS_REST_TOKEN = "AXXXcommitted"'],
  ["vars", 'SIGNING_ALG = "ES256"', 'SIGNING_ALG = "HS256"'],
  ["issuer", 'SIGNING_ALG = "ES256"', 'SIGNING_ALG = "ES256"\nISSUER = "https://login.example.com"'],
];

/** A copy of `text` in a temp dir whose paths still point into the repo. */
function writeCopy(dir, text, name = "wrangler.toml") {
  const path = join(dir, name);
  writeFileSync(path, text.replace(/^main = "([^"]+)"/m, (_, p) => `main = ${JSON.stringify(resolve(ROOT, p))}`)
    .replace(/^directory = "([^"]+)"/m, (_, p) => `directory = ${JSON.stringify(resolve(ROOT, p))}`));
  return path;
}

async function selfTest(configPath, code, upload, readme) {
  const failures = [];
  const text = readFileSync(configPath, "utf8");
  const dir = mkdtempSync(join(tmpdir(), "fedgate-deploy-check-self-test-"));
  try {
    for (const [id, from, to] of BREAKAGES) {
      let broken = text.replace(from, to);
      // Top-level keys go before the first table.
      if (id === "issuer") broken = broken.replace("keep_names = false", 'keep_names = false\nroutes = [{ pattern = "id.example.com", custom_domain = true }]');
      if (broken === text) { failures.push(`${id}: the breakage ${String(from)} does not apply to ${configPath}`); continue; }
      const { config, error } = readDeployConfig(writeCopy(dir, broken), undefined);
      const results = checkDeployment({ config, configError: error, configPath: join(dir, "wrangler.toml"), upload, code, readme });
      if (process.env.DEPLOY_CHECK_DEBUG) console.log(id, results.filter((r) => r.status === "fail").map((r) => `${r.id}: ${r.message}`));
      if (!results.some((r) => r.id === id && r.status === "fail")) failures.push(`${id}: ${String(from)} → ${JSON.stringify(to)} did not fail it`);
    }
    // The bundle-side checks, on uploads that lack the class or are too big.
    const { config } = readDeployConfig(configPath, undefined);
    const stripped = { ...upload, modules: upload.modules.map((m) => ({ ...m, text: m.text.replace(/\bas StoreObject\b/, "as Other").replace(/export\s*\{\s*StoreObject\b/, "export{Other") })) };
    const huge = { ...upload, modules: upload.modules.map((m) => ({ ...m, gzipBytes: LIMIT_GZIP + 1 })) };
    for (const [id, u] of [["class-export", stripped], ["size", huge], ["bundle", { error: "no bundle" }]]) {
      if (!checkDeployment({ config, configPath, upload: u, code, readme }).some((r) => r.id === id && r.status === "fail")) failures.push(`${id}: a broken upload did not fail it`);
    }
    // End to end: the command itself exits 1 on a broken copy (one more dry-run).
    const broken = writeCopy(dir, text.replace('new_sqlite_classes = ["StoreObject"]', 'new_classes = ["StoreObject"]'), "broken.toml");
    const cli = spawnSync(NODE, [import.meta.filename, "--config", broken], { cwd: ROOT, encoding: "utf8" });
    if (cli.status !== 1 || !/FAIL {2}migration:/.test(cli.stdout)) failures.push(`the command on a broken copy exited ${cli.status} without a migration failure:\n${cli.stdout}${cli.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(failures.length ? `\nself-test FAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}` : `\nself-test: ${BREAKAGES.length + 3} broken copies and uploads each failed their check; the command exits 1 on one`);
  return failures.length === 0;
}

async function main() {
  const args = process.argv.slice(2);
  const option = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const configPath = resolve(option("--config") ?? join(ROOT, "wrangler.toml"));
  const env = option("--env");
  ensureAssets(); // wrangler refuses a missing [assets] directory; npm install normally made it
  const code = await readCode();
  console.log(`deploy:check: ${configPath}${env ? ` --env ${env}` : ""}, as \`wrangler deploy --dry-run\` builds it (nothing leaves this machine)\n`);
  const { config, results, upload, readme } = await run(configPath, env, code);
  print(results, code, config);
  let ok = !results.some((r) => r.status === "fail");
  if (args.includes("--self-test")) {
    // CI: the repo's own config must pass with its README in step, and every check must be able to fail.
    if (results.some((r) => r.id === "readme" && r.status !== "ok")) ok = false;
    if (upload.error || !(await selfTest(configPath, code, upload, readme))) ok = false;
  }
  process.exitCode = ok ? 0 : 1;
}

if (import.meta.filename === resolve(process.argv[1] ?? "")) await main();
