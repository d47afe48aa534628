#!/usr/bin/env node
// `npm run dev`: writes .dev.vars with fresh secrets on first run, then starts the broker with
// wrangler dev on 127.0.0.1:8787 (embedded Durable Object store, no account, no network) and the
// IdP emulators on 127.0.0.1:8788 (idp-fixtures/README.md); once both answer, seeds the demo project
// and starts the demo app (demo/) on 127.0.0.1:8789 with the seeded client's id. Separate processes,
// because one `wrangler dev` with several configs serves only the first Worker on a port.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { ensureAssets } from "./copy-assets.mjs";

const DEV_VARS = ".dev.vars";
const ISSUER = "http://127.0.0.1:8787";
const DEMO_APP = "http://127.0.0.1:8789";

if (!existsSync(DEV_VARS)) {
  const secret = () => randomBytes(32).toString("base64url");
  writeFileSync(
    DEV_VARS,
    [
      "# Local secrets for `npm run dev`, generated on first run. Never commit this file.",
      `ISSUER=${ISSUER}`,
      `FEDGATE_ENCRYPTION_KEY=${secret()}`,
      `ADMIN_BOOTSTRAP_TOKEN=${secret()}`,
      "LOG_LEVEL=info",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  console.log(`Wrote ${DEV_VARS} with fresh secrets (the admin token is ADMIN_BOOTSTRAP_TOKEN in it).`);
}

ensureAssets(); // .assets/ (wrangler.toml [assets]) normally comes from postinstall

const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};
// Distinct inspector ports: wrangler dev processes started together otherwise collide.
const wranglerDev = (config, port, inspectorPort, extra = []) =>
  spawn("wrangler", ["dev", "-c", config, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false", ...extra], {
    stdio: "inherit",
    env,
  });
// Domain proofs (DNS TXT) resolve through the emulators' DNS-over-HTTPS endpoint, whose records /__control/dns sets.
const DOH_RESOLVER = "http://127.0.0.1:8788/dns/dns-query";
/** The admin console's settings from the seed (.dev-seed.json), as wrangler vars; none before the first seed. */
function consoleVars() {
  const seed = existsSync(".dev-seed.json") ? JSON.parse(readFileSync(".dev-seed.json", "utf8")) : {};
  return seed.operatorProjectId && seed.consoleClientId ? ["--var", `CONSOLE_PROJECT_ID:${seed.operatorProjectId}`, "--var", `CONSOLE_CLIENT_ID:${seed.consoleClientId}`] : [];
}
const startBroker = (consoleSettings) => wranglerDev("wrangler.toml", 8787, 9229, ["--var", `DOH_RESOLVER_URL:${DOH_RESOLVER}`, ...consoleSettings]);
let brokerVars = consoleVars();
let broker = startBroker(brokerVars);
const children = [
  broker,
  wranglerDev("idp-fixtures/wrangler.toml", 8788, 9230),
];

/**
 * The console's ids exist only once the seed made them: when they differ from what the broker started
 * with (the first run), restart it with them. Its store persists in .wrangler/state, so nothing is lost.
 */
async function restartBrokerForConsole() {
  const vars = consoleVars();
  if (vars.join(" ") === brokerVars.join(" ")) return;
  broker.off("exit", exited);
  await new Promise((resolve) => {
    broker.once("exit", resolve);
    broker.kill("SIGTERM");
  });
  children.splice(children.indexOf(broker), 1);
  brokerVars = vars;
  broker = startBroker(vars);
  children.push(broker);
  broker.on("exit", exited);
  await answering(`${ISSUER}/healthz`, 60);
}

/** The demo app (demo/), a client of the seeded project: it needs the client id, so it starts after the seed. */
function startDemoApp() {
  const { clientId } = JSON.parse(readFileSync(".dev-seed.json", "utf8"));
  const child = wranglerDev("demo/wrangler.toml", 8789, 9231, ["--var", `CLIENT_ID:${clientId}`, "--var", `ISSUER:${ISSUER}`]);
  children.push(child);
  child.on("exit", exited);
  return answering(DEMO_APP, 60);
}

/** Resolves once `url` answers (any status), or rejects after `seconds`. */
async function answering(url, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

Promise.all([answering(`${ISSUER}/healthz`, 60), answering("http://127.0.0.1:8788/okta/oauth2/default/.well-known/openid-configuration", 60)])
  .then(() => new Promise((resolve, reject) => spawn("node", ["scripts/seed.mjs"], { stdio: "inherit" }).on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`seed exited ${code}`))))))
  .then(restartBrokerForConsole)
  .then(startDemoApp)
  .then(() => console.log(`\nFedgate is ready: ${ISSUER}/.well-known/openid-configuration · admin API reference ${ISSUER}/admin/v1/docs · IdP emulators http://127.0.0.1:8788\nDemo app: ${DEMO_APP} (sign in as alice@auth0.example / alice-password)\nAdmin console: ${ISSUER}/console (sign in as alice@auth0.example / alice-password: the operator)`))
  .catch((error) => console.error(`Starting failed: ${error.message}`));
const stop = () => children.forEach((child) => child.kill("SIGTERM"));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
function exited(code) {
  stop();
  process.exitCode = code ?? 0;
}
for (const child of children) child.on("exit", exited);
