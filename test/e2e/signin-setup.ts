// What a sign-in needs, set up through the admin API of the e2e broker: a project, one provider per
// emulated IdP (the emulators' test clients, which accept loopback redirect URIs such as the e2e
// broker's <brokerUrl>/auth/callback/<id>), a domain mapping per provider, and a public client whose
// redirect URI is a small local catcher. Plus PKCE and the code redemption, as an app does them.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import clients from "../../idp-fixtures/clients.json" with { type: "json" };
import users from "../../idp-fixtures/users.json" with { type: "json" };

export type Kind = "auth0" | "okta" | "google" | "cognito";

/** Per provider: its emulator client (the test one, loopback redirects allowed) and a seeded, verified user. */
export const PROVIDERS: Record<Kind, { clientId: string; clientSecret: string; email: string; password: string; domain: string }> = {
  auth0: { ...testClient("auth0"), ...seeded("auth0", "alice@auth0.example") },
  okta: { ...testClient("okta"), ...seeded("okta", "olivia@okta.example") },
  google: { ...testClient("google"), ...seeded("google", "gina@workspace.example") },
  cognito: { ...testClient("cognito"), ...seeded("cognito", "carl@cognito.example") },
};

function testClient(kind: Kind): { clientId: string; clientSecret: string } {
  const registered: { clientId: string; clientSecret?: string; allowLoopbackRedirects?: boolean }[] = clients[kind];
  const client = registered.find((c) => c.allowLoopbackRedirects && c.clientSecret);
  if (!client?.clientSecret) throw new Error(`idp-fixtures/clients.json has no confidential loopback client for ${kind}`);
  return { clientId: client.clientId, clientSecret: client.clientSecret };
}

function seeded(kind: Kind, email: string) {
  const user = users[kind].find((u) => u.email === email);
  if (!user) throw new Error(`idp-fixtures/users.json has no ${email} at ${kind}`);
  return { email, password: user.password, domain: email.split("@")[1]! };
}

export interface SignInSetup {
  projectName: string;
  clientId: string;
  redirectUri: string;
  /** Registers another public client of the project; returns its id. */
  addClient(redirectUris: string[], postLogoutRedirectUris?: string[]): Promise<string>;
  /** The project's audit log, newest first: its actions. */
  auditActions(): Promise<string[]>;
  /** Closes the redirect catcher. */
  close(): Promise<void>;
}

/** A tiny app endpoint that answers every request with a page, so the browser has somewhere to land. */
async function catcher(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end('<!doctype html><html lang="en"><title>App</title><link rel="icon" href="data:,"><h1>Back at the app</h1></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** Creates the project, providers, domain mappings and client; `adminToken` is the operator token. */
export async function setUpSignIn(brokerUrl: string, adminToken: string, issuers: Record<Kind, string>): Promise<SignInSetup> {
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${brokerUrl}/admin/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  const projectName = "Northwind Traders";
  const created = await call(adminToken, "POST", "/projects", { name: projectName });
  const project = `/projects/${created.project.id}`;
  const key: string = created.apiKey.token;
  for (const [kind, provider] of Object.entries(PROVIDERS) as [Kind, (typeof PROVIDERS)[Kind]][]) {
    await call(key, "POST", `${project}/providers`, {
      id: kind, name: `${kind} (emulated)`, kind, issuer: issuers[kind], clientId: provider.clientId, clientSecret: provider.clientSecret,
    });
    // Verified by the operator, so the mapping stands even if another e2e file maps the same domain.
    await call(adminToken, "PUT", `${project}/domain-verifications/${provider.domain}`);
    await call(key, "POST", `${project}/domains`, { domain: provider.domain, providerId: kind });
  }
  const addClient = async (redirectUris: string[], postLogoutRedirectUris: string[] = []) =>
    (await call(key, "POST", `${project}/clients`, { name: "E2E app", kind: "public", redirectUris, postLogoutRedirectUris })).client.id as string;
  const server = await catcher();
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  return {
    projectName,
    clientId: await addClient([redirectUri]),
    redirectUri,
    addClient,
    auditActions: async () => ((await call(key, "GET", `${project}/audit?limit=50`)).items as { action: string }[]).map((e) => e.action),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const random = () => randomBytes(32).toString("base64url");

/** A fresh authorization request (PKCE S256, state, nonce) and its URL at the broker. */
export function authorizationRequest(brokerUrl: string, setup: SignInSetup, extra: Record<string, string> = {}) {
  const verifier = random();
  const state = random();
  const nonce = random();
  const url = new URL(`${brokerUrl}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: setup.clientId,
    redirect_uri: setup.redirectUri,
    scope: "openid email profile offline_access",
    state,
    nonce,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    ...extra,
  }).toString();
  return { url: url.href, verifier, state, nonce };
}

export interface TokenResponse {
  access_token: string;
  id_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

/** Redeems `code` at the token endpoint as the public client, with the PKCE verifier. */
export async function redeem(brokerUrl: string, setup: SignInSetup, code: string, verifier: string): Promise<TokenResponse> {
  const response = await fetch(`${brokerUrl}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: setup.redirectUri, client_id: setup.clientId, code_verifier: verifier }),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${body}`);
  return JSON.parse(body) as TokenResponse;
}
