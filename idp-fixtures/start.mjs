// Starts the IdP emulators in workerd (Miniflare) from Node, for tests and test globalSetup.
// Typed by start.d.mts. The Worker is bundled in memory with esbuild once per process (Miniflare
// does not transform TypeScript), then served on 127.0.0.1 with BASE_URL matching the chosen port.
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";

const ENTRY = fileURLToPath(new URL("./src/index.ts", import.meta.url));
const COMPATIBILITY_DATE = "2026-11-01"; // keep equal to idp-fixtures/wrangler.toml

/** The provider ids and their issuer paths (the same strings the Worker builds from BASE_URL). */
export const ISSUER_PATHS = {
  auth0: "/auth0/",
  okta: "/okta/oauth2/default",
  "okta-org": "/okta",
  google: "/google",
  cognito: "/cognito/us-east-1_fedgate",
};

let bundle;
function bundleWorker() {
  bundle ??= build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    logLevel: "silent",
  }).then((r) => r.outputFiles[0].text);
  return bundle;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function launch(script, port) {
  const origin = `http://127.0.0.1:${port}`;
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      name: "fedgate-idp-fixtures",
      modules: true,
      script,
      compatibilityDate: COMPATIBILITY_DATE,
      bindings: { BASE_URL: origin },
      host: "127.0.0.1",
      port,
    }),
  );
  try {
    await mf.ready;
  } catch (err) {
    await mf.dispose().catch(() => {});
    throw err;
  }
  return { mf, origin };
}

async function call(origin, path, body) {
  const res = await fetch(origin + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  if (!res.ok) {
    let reason = text;
    try {
      reason = JSON.parse(text).error ?? text;
    } catch {}
    throw new Error(`idp-fixtures control ${path}: ${res.status} ${reason}`);
  }
  return text ? JSON.parse(text) : undefined;
}

async function getJson(origin, path, init) {
  const res = await fetch(origin + path, init);
  const body = await res.json();
  if (!res.ok) throw new Error(`idp-fixtures control ${path}: ${res.status} ${body.error ?? ""}`);
  return body;
}

const RP_NAME = /^[a-z0-9-]{1,64}$/;

/** A test relying party's back-channel logout endpoint and its control calls. */
function testRp(origin, name) {
  if (!RP_NAME.test(name)) throw new Error(`RP name must be 1-64 of [a-z0-9-]: ${name}`);
  const path = `/__control/rp/${name}`;
  return {
    backchannelLogoutUri: `${origin}/rp/${name}/backchannel-logout`,
    state: () => getJson(origin, path),
    arm: (options) => call(origin, path, options).then(() => undefined),
    forget: () => getJson(origin, path, { method: "DELETE" }).then(() => undefined),
  };
}

/** Starts one emulator instance; see idp-fixtures/README.md. */
export async function startEmulators(options = {}) {
  const script = await bundleWorker();
  let started;
  for (let attempt = 0; !started; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      started = await launch(script, port);
    } catch (err) {
      // A random port can be taken between probing and binding: try another.
      if (options.port !== undefined || attempt >= 2) throw err;
    }
  }
  const { mf, origin } = started;
  let stopped = false;
  return {
    origin,
    issuers: Object.fromEntries(Object.entries(ISSUER_PATHS).map(([id, path]) => [id, origin + (path === "/" ? "" : path)])),
    control: (provider, switches) => call(origin, `/__control/${provider}`, switches).then(() => undefined),
    state: async (provider) => (await fetch(`${origin}/__control/${provider}`)).json(),
    registerClient: (provider, client) => call(origin, "/__control/clients", { provider, ...client }).then(() => undefined),
    reset: (scope) => call(origin, "/__control/reset", scope ?? {}).then(() => undefined),
    requests: async (provider, clientId) =>
      (await getJson(origin, `/__control/requests?${new URLSearchParams({ provider, clientId })}`)).requests,
    rp: (name) => testRp(origin, name),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await mf.dispose();
    },
  };
}
