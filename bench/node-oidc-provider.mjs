// The comparison row of the token suite (PERF.md: client_credentials ≥ 1.3× node-oidc-provider's, same machine,
// same run): node-oidc-provider 9 in Node, one confidential client with the client_credentials grant, and ES256
// JWT access tokens (RFC 9068 `at+jwt`) for one resource server. v9 issues JWT access tokens only for a resource
// server (features.resourceIndicators: defaultResource + getResourceServerInfo with accessTokenFormat "jwt"); a
// request without `resource` gets the default one, so the same form body works against Fedgate and here.
//
// Run as a script (by startNodeOidcProvider below): env PORT, CLIENT_ID, CLIENT_SECRET, SCOPES (space-separated),
// AUDIENCE; prints `ready <issuer>` once listening. Nothing is stored per token (JWT format: no adapter write).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(import.meta.dirname, "..");
const NODE = existsSync(join(ROOT, "node_modules/.bin/node")) ? join(ROOT, "node_modules/.bin/node") : process.execPath;

/**
 * Starts this file in its own process group (its CPU is read with cpuTicks(pid), like workerd's) and resolves
 * once it listens: { base, pid, stop, version }.
 */
export function startNodeOidcProvider({ port, clientId, clientSecret, scopes, audience }) {
  const child = spawn(NODE, [fileURLToPath(import.meta.url)], {
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), CLIENT_ID: clientId, CLIENT_SECRET: clientSecret, SCOPES: scopes.join(" "), AUDIENCE: audience },
  });
  let exited = null;
  child.on("exit", (code, sig) => { exited = sig ?? code; });
  const stop = () => {
    if (exited === null) try { process.kill(-child.pid, "SIGKILL"); } catch {}
  };
  return new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => { stop(); fail(new Error(`node-oidc-provider did not start in 20 s: ${out}`)); }, 20_000);
    child.once("exit", (code) => { clearTimeout(timer); fail(new Error(`node-oidc-provider exited ${code}: ${out}`)); });
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /^ready (\S+) (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.removeAllListeners("data");
        child.stdout.resume(); // keep draining, never stall the child on a full pipe
        ok({ base: m[1], version: m[2], pid: child.pid, stop });
      }
    });
  });
}

async function main() {
  const { default: Provider } = await import("oidc-provider");
  const { exportJWK, generateKeyPair, calculateJwkThumbprint } = await import("jose");
  const { readFileSync } = await import("node:fs");
  const version = JSON.parse(readFileSync(join(ROOT, "node_modules/oidc-provider/package.json"), "utf8")).version;
  const { PORT, CLIENT_ID, CLIENT_SECRET, SCOPES, AUDIENCE } = process.env;
  const issuer = `http://127.0.0.1:${PORT}`;
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  const signingKey = { ...jwk, alg: "ES256", use: "sig", kid: await calculateJwkThumbprint(jwk) };
  const scopes = SCOPES.split(" ");

  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_basic",
      scope: SCOPES,
    }],
    clientDefaults: { id_token_signed_response_alg: "ES256" },
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomUUID()] },
    scopes,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => AUDIENCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          if (resourceIndicator !== AUDIENCE) throw new Provider.errors.InvalidTarget();
          return { scope: SCOPES, audience: AUDIENCE, accessTokenTTL: 3600, accessTokenFormat: "jwt", jwt: { sign: { alg: "ES256" } } };
        },
      },
    },
  });
  provider.listen(Number(PORT), "127.0.0.1", () => console.log(`ready ${issuer} ${version}`));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => { console.error(error?.stack ?? error); process.exit(1); });
}
