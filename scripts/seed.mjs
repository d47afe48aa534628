#!/usr/bin/env node
// Seeds the local broker with a demo project (idempotently): one identity provider per IdP
// emulator, their email domains, and a demo client. Run by `npm run dev` once both servers answer;
// by hand: `node scripts/seed.mjs`. Remembers what it made in .dev-seed.json (git-ignored).
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const BROKER = process.env.FEDGATE_URL ?? "http://127.0.0.1:8787";
const EMULATORS = process.env.EMULATOR_ORIGIN ?? "http://127.0.0.1:8788";
const SEED_FILE = ".dev-seed.json";

// The emulators' demo clients (idp-fixtures/clients.json); their redirect URIs name these ids.
const clients = JSON.parse(readFileSync(new URL("../idp-fixtures/clients.json", import.meta.url), "utf8"));
// Token exchange: each provider accepts the tokens of the emulators' second client, the "migrating
// app" (scripts/upstream-token.mjs signs in as it), and Auth0 access tokens for the API below.
const migratingApp = (kind) => clients[kind][1].clientId;
const DEMO_API = "https://api.example.com";
const PROVIDERS = [
  {
    id: "auth0", kind: "auth0", issuer: `${EMULATORS}/auth0/`, domains: ["auth0.example"],
    exchange: { audiences: [DEMO_API], clientIds: [migratingApp("auth0")], acceptOpaqueTokens: true },
  },
  {
    id: "okta", kind: "okta", issuer: `${EMULATORS}/okta/oauth2/default`, domains: ["okta.example"],
    exchange: { audiences: ["api://default"], clientIds: [migratingApp("okta")], acceptOpaqueTokens: false },
  },
  {
    id: "google", kind: "google", issuer: `${EMULATORS}/google`, domains: ["workspace.example"],
    exchange: { audiences: [], clientIds: [migratingApp("google")], acceptOpaqueTokens: true },
  },
  {
    id: "cognito", kind: "cognito", issuer: `${EMULATORS}/cognito/us-east-1_fedgate`, domains: ["cognito.example"],
    exchange: { audiences: [], clientIds: [migratingApp("cognito")], acceptOpaqueTokens: false },
  },
];
const DEMO_REDIRECT = "http://127.0.0.1:8789/callback";

const token = readFileSync(".dev.vars", "utf8").match(/^ADMIN_BOOTSTRAP_TOKEN=(.+)$/m)?.[1];
if (!token) throw new Error("ADMIN_BOOTSTRAP_TOKEN is missing from .dev.vars");

async function admin(method, path, body, headers = {}) {
  const response = await fetch(`${BROKER}/admin/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, etag: response.headers.get("ETag"), body: text ? JSON.parse(text) : undefined };
}

async function ensure(what, read, create) {
  if ((await read()).status === 200) return false;
  const created = await create();
  if (created.status >= 300) throw new Error(`seeding ${what} failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created;
}

const seed = existsSync(SEED_FILE) ? JSON.parse(readFileSync(SEED_FILE, "utf8")) : {};
const made = [];

if (!seed.projectId || (await admin("GET", `/projects/${seed.projectId}`)).status !== 200) {
  const created = await admin("POST", "/projects", { name: "Fedgate demo" });
  if (created.status !== 201) throw new Error(`seeding the project failed: ${created.status} ${JSON.stringify(created.body)}`);
  Object.assign(seed, { projectId: created.body.project.id, apiKey: created.body.apiKey.token, clientId: undefined });
  made.push("project");
}
const project = `/projects/${seed.projectId}`;

for (const { id, kind, issuer, domains, exchange } of PROVIDERS) {
  const upstream = clients[kind][0];
  const provider = { id, name: `${kind} (emulated)`, kind, issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, exchange };
  if (await ensure(`provider ${id}`, () => admin("GET", `${project}/providers/${id}`), () => admin("POST", `${project}/providers`, provider))) made.push(`provider ${id}`);
  // A seed from before token exchange: give the provider its exchange settings.
  const current = await admin("GET", `${project}/providers/${id}`);
  if (JSON.stringify(current.body.exchange) !== JSON.stringify(exchange)) {
    const patched = await admin("PATCH", `${project}/providers/${id}`, { exchange }, { "If-Match": current.etag });
    if (patched.status !== 200) throw new Error(`seeding provider ${id}'s exchange settings failed: ${patched.status} ${JSON.stringify(patched.body)}`);
    made.push(`provider ${id} exchange settings`);
  }
  for (const domain of domains) {
    if (await ensure(`domain ${domain}`, () => admin("GET", `${project}/domains/${domain}`), () => admin("POST", `${project}/domains`, { domain, providerId: id }))) made.push(`domain ${domain}`);
  }
}

// The demo app hears of ended sessions at its back-channel logout endpoint (README "Back-channel logout").
const DEMO_BACKCHANNEL_LOGOUT = "http://127.0.0.1:8789/backchannel-logout";
const demoClient = { name: "Demo app", kind: "public", redirectUris: [DEMO_REDIRECT], postLogoutRedirectUris: ["http://127.0.0.1:8789/"], backchannelLogoutUri: DEMO_BACKCHANNEL_LOGOUT };
const client = await ensure("demo client", () => (seed.clientId ? admin("GET", `${project}/clients/${seed.clientId}`) : { status: 404 }), () => admin("POST", `${project}/clients`, demoClient));
if (client) {
  seed.clientId = client.body.client.id;
  made.push("demo client");
} else {
  // A seed from before back-channel logout: register the demo's endpoint.
  const current = await admin("GET", `${project}/clients/${seed.clientId}`);
  if (current.body.backchannelLogoutUri !== DEMO_BACKCHANNEL_LOGOUT) {
    const patched = await admin("PATCH", `${project}/clients/${seed.clientId}`, { backchannelLogoutUri: DEMO_BACKCHANNEL_LOGOUT }, { "If-Match": current.etag });
    if (patched.status !== 200) throw new Error(`seeding the demo client's back-channel logout URI failed: ${patched.status} ${JSON.stringify(patched.body)}`);
    made.push("demo client back-channel logout URI");
  }
}

// The admin console (/console): an operator project whose users sign in through the Auth0 emulator,
// linked by subject and never created on sign-in, its console client (public, PKCE, redirect URI
// Fedgate's own /console/callback), and the emulator's demo user Alice with the operator role.
// scripts/dev.mjs passes the ids to the broker as CONSOLE_PROJECT_ID and CONSOLE_CLIENT_ID.
if (!seed.operatorProjectId || (await admin("GET", `/projects/${seed.operatorProjectId}`)).status !== 200) {
  const created = await admin("POST", "/projects", { name: "Fedgate operators" });
  if (created.status !== 201) throw new Error(`seeding the operator project failed: ${created.status} ${JSON.stringify(created.body)}`);
  Object.assign(seed, { operatorProjectId: created.body.project.id, consoleClientId: undefined, operatorUserId: undefined });
  made.push("operator project");
}
const operators = `/projects/${seed.operatorProjectId}`;
const auth0Client = clients.auth0[0];
const operatorProvider = { id: "auth0", name: "auth0 (emulated)", kind: "auth0", issuer: `${EMULATORS}/auth0/`, clientId: auth0Client.clientId, clientSecret: auth0Client.clientSecret, linkBy: "subject", createUsers: false };
if (await ensure("operator provider", () => admin("GET", `${operators}/providers/auth0`), () => admin("POST", `${operators}/providers`, operatorProvider))) made.push("operator provider");
const consoleClient = {
  name: "Fedgate console", kind: "public", redirectUris: [`${BROKER}/console/callback`], providerId: "auth0",
  grantTypes: ["authorization_code", "refresh_token"], scopes: ["openid", "email", "profile", "offline_access"],
  // Two console tabs may refresh the same token at once: the loser finds the winner's tokens instead of revoking the family.
  refreshTokenReuseGraceSeconds: 5,
};
const consoleMade = await ensure("console client", () => (seed.consoleClientId ? admin("GET", `${operators}/clients/${seed.consoleClientId}`) : { status: 404 }), () => admin("POST", `${operators}/clients`, consoleClient));
if (consoleMade) {
  seed.consoleClientId = consoleMade.body.client.id;
  made.push("console client");
}
const alice = JSON.parse(readFileSync(new URL("../idp-fixtures/users.json", import.meta.url), "utf8")).auth0.find((user) => user.email === "alice@auth0.example");
const operatorUser = { email: alice.email, name: alice.name, externalIds: [{ providerId: "auth0", subject: alice.id }], roles: ["operator"] };
const userMade = await ensure("operator user", () => (seed.operatorUserId ? admin("GET", `${operators}/users/${seed.operatorUserId}`) : { status: 404 }), () => admin("POST", `${operators}/users`, operatorUser));
if (userMade) {
  seed.operatorUserId = userMade.body.id;
  made.push("operator user alice@auth0.example");
}

writeFileSync(SEED_FILE, `${JSON.stringify(seed, null, 2)}\n`, { mode: 0o600 });
console.log(`Seed: ${made.length ? `created ${made.join(", ")}` : "already in place"}. Project ${seed.projectId}, demo client ${seed.clientId}; API key in ${SEED_FILE}. Console: operator project ${seed.operatorProjectId}, client ${seed.consoleClientId}.`);
