// A broker with the admin console configured, for the console's browser tests. The console's settings
// (CONSOLE_PROJECT_ID, CONSOLE_CLIENT_ID) name records that exist only once seeded, so the broker runs
// twice on one port over one persisted store, as `npm run dev` does on its first run: once to seed
// through the admin API (the operator project, its Auth0-emulator provider, the console client, Alice
// the operator, and a tenant project), then with the settings.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { unstable_startWorker } from "wrangler";
import { inject } from "vitest";
import clients from "../../idp-fixtures/clients.json" with { type: "json" };
import users from "../../idp-fixtures/users.json" with { type: "json" };
import { testVars } from "../../vitest.config";
import { ensureAssets } from "../../scripts/copy-assets.mjs";
import { freePort } from "./broker";

const ROOT = join(import.meta.dirname, "../..");
/** The operator: the emulated Auth0's Alice. */
export const alice = users.auth0.find((user) => user.email === "alice@auth0.example")!;
const upstream = clients.auth0.find((client) => client.allowLoopbackRedirects && client.clientSecret)!;

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

export interface ConsoleBroker {
  url: string;
  operatorProjectId: string;
  tenantId: string;
  /** An admin API call with the bootstrap token; throws on a non-2xx answer. */
  admin(method: string, path: string, body?: unknown): Promise<Record<string, any>>;
  /** Opens `path` in `page`, signs in at the emulator as Alice, and waits to be back on `path`. */
  signIn(page: Page, path: string): Promise<void>;
  dispose(): Promise<void>;
}

/** `vars`: more of the broker's settings (both runs), e.g. DOH_RESOLVER_URL. */
export async function startConsoleBroker(options: { vars?: Record<string, string> } = {}): Promise<ConsoleBroker> {
  process.env.WRANGLER_LOG ??= "warn";
  process.env.WRANGLER_SEND_METRICS ??= "false";
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  ensureAssets();
  const emulatorOrigin = inject("emulatorOrigin");
  const state = mkdtempSync(join(tmpdir(), "fedgate-console-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const start = async (vars: Record<string, string>): Promise<Worker> => {
    const bindings = Object.fromEntries(Object.entries({ ...testVars, ISSUER: url, ...options.vars, ...vars }).map(([name, value]) => [name, { type: "plain_text" as const, value }]));
    const started = await unstable_startWorker({
      config: join(ROOT, "wrangler.toml"),
      envFiles: [join(ROOT, ".wrangler/e2e-no-env-file")],
      bindings,
      dev: { server: { hostname: "127.0.0.1", port }, inspector: false, persist: state, watch: false } as never,
    });
    await started.ready;
    return started;
  };
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}/admin/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${testVars.ADMIN_BOOTSTRAP_TOKEN}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await response.json()) as Record<string, any>;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };

  let worker: Worker | undefined = await start({});
  try {
    const operatorProjectId = (await admin("POST", "/projects", { name: "Operators" })).project.id as string;
    await admin("POST", `/projects/${operatorProjectId}/providers`, {
      id: "auth0", name: "Auth0", kind: "auth0", issuer: inject("emulatorIssuers").auth0, clientId: upstream.clientId, clientSecret: upstream.clientSecret,
      linkBy: "subject", createUsers: false,
    });
    const consoleClient = await admin("POST", `/projects/${operatorProjectId}/clients`, {
      name: "Fedgate console", kind: "public", redirectUris: [`${url}/console/callback`], providerId: "auth0",
      grantTypes: ["authorization_code", "refresh_token"], scopes: ["openid", "email", "profile", "offline_access"],
    });
    await admin("POST", `/projects/${operatorProjectId}/users`, { email: alice.email, externalIds: [{ providerId: "auth0", subject: alice.id }], roles: ["operator"] });
    const tenantId = (await admin("POST", "/projects", { name: "Tenant" })).project.id as string;
    await worker.dispose();
    worker = undefined;
    worker = await start({ CONSOLE_PROJECT_ID: operatorProjectId, CONSOLE_CLIENT_ID: consoleClient.client.id });

    return {
      url, operatorProjectId, tenantId, admin,
      async signIn(page, path) {
        await page.goto(`${url}${path}`);
        await page.waitForURL((at) => at.origin === emulatorOrigin);
        await page.locator("#email").fill(alice.email);
        await page.locator("#password").fill(alice.password);
        await Promise.all([page.waitForURL(`${url}${path}`), page.locator('button[type="submit"]').click()]);
      },
      async dispose() {
        await worker?.dispose();
        rmSync(state, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await worker?.dispose();
    rmSync(state, { recursive: true, force: true });
    throw error;
  }
}
