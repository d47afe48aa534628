#!/usr/bin/env node
// `npm test`'s pretest step: what the suite needs from the machine besides npm packages.
//   - a Redis server on 127.0.0.1:6379 (the Upstash adapter's suites reach it through
//     test/helpers/upstash-bridge.ts; the bench's BENCH_STORE=upstash too);
//   - Debian's Chromium at /usr/bin/chromium (test/e2e drives it with playwright-core; never a
//     browser download).
// On a Debian machine as root it installs what is missing with apt-get and starts Redis, so
// `npm install && npm test` works on a fresh machine; elsewhere it prints the command to run and fails.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";

const CHROMIUM = "/usr/bin/chromium";
const REDIS = { host: "127.0.0.1", port: 6379 };

/** Whether a Redis server answers PING at 127.0.0.1:6379. */
function redisAnswers(timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect(REDIS);
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

const onPath = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;

let updated = false;
/** Installs Debian packages, or explains how and exits when this process cannot. */
function aptInstall(packages, why) {
  const command = `apt-get install -y ${packages.join(" ")}`;
  if (process.getuid?.() !== 0 || !onPath("apt-get")) {
    console.error(`test-deps: ${why}. Install it first: sudo ${command}`);
    process.exit(1);
  }
  console.log(`test-deps: ${why}; installing ${packages.join(", ")} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (!updated) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: ["ignore", "ignore", "inherit"], env });
    updated = true;
  }
  const result = spawnSync("apt-get", ["install", "-y", "-qq", ...packages], { stdio: ["ignore", "ignore", "inherit"], env });
  if (result.status !== 0) {
    console.error(`test-deps: "${command}" failed (exit ${result.status})`);
    process.exit(1);
  }
}

async function ensureRedis() {
  if (await redisAnswers()) return;
  if (!onPath("redis-server")) aptInstall(["redis-server"], "no redis-server on this machine");
  console.log("test-deps: starting redis-server on 127.0.0.1:6379 (no persistence)");
  const started = spawnSync("redis-server", ["--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"], { stdio: "inherit" });
  if (started.status !== 0) {
    console.error("test-deps: redis-server did not start");
    process.exit(1);
  }
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(200)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.error("test-deps: redis-server started but does not answer PING on 127.0.0.1:6379");
  process.exit(1);
}

function ensureChromium() {
  if (!existsSync(CHROMIUM)) aptInstall(["chromium"], `no Chromium at ${CHROMIUM} (the browser tests use Debian's)`);
}

ensureChromium();
await ensureRedis();
