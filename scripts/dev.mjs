#!/usr/bin/env node
// `npm run dev`: writes .dev.vars with fresh secrets on first run, then starts the broker with
// wrangler dev on 127.0.0.1:8787 (embedded Durable Object store, no account, no network).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";

const DEV_VARS = ".dev.vars";
const ISSUER = "http://127.0.0.1:8787";

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

const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};
const children = [
  spawn("wrangler", ["dev", "-c", "wrangler.toml", "--ip", "127.0.0.1", "--port", "8787", "--show-interactive-dev-session=false"], {
    stdio: "inherit",
    env,
  }),
];

console.log(`Fedgate: ${ISSUER}/.well-known/openid-configuration`);
const stop = () => children.forEach((child) => child.kill("SIGTERM"));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
for (const child of children) child.on("exit", (code) => { stop(); process.exitCode = code ?? 0; });
