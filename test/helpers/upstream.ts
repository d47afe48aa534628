/**
 * Real upstream tokens from the IdP emulators (idp-fixtures/README.md), for tests of everything that
 * consumes them: ID-token verification, callbacks, token exchange.
 *
 *   const client = await registerUpstreamClient("okta");           // a private client: its own switches
 *   await emulatorSwitch("okta", { clientId: client.clientId, nonce: "wrong" });
 *   const tokens = await upstreamTokens("okta", { clientId: client.clientId, nonce: "n-1" });
 *   await verifyIdToken(tokens.id_token!, { ...upstream("okta"), clientId: client.clientId, nonce: "n-1" });
 *
 * The sign-in is the emulators' non-interactive path: an authorization request with PKCE (S256),
 * `state`, `login_hint` and `test_password` redirects at once with a code, which is redeemed at the
 * token endpoint with `client_secret_basic`. Endpoints are fixed paths, not read from discovery, so a
 * discovery switch set by another test file cannot break the sign-in.
 *
 * Isolation: all broker test files share one emulator. Client-scoped switches on a client of your
 * own (`registerUpstreamClient`) touch no other file; global switches (`jwks`, `discovery`,
 * `rotateKey`, `delay`/`fail` without a client) touch every file using that provider. Never reset the
 * whole emulator (`POST /__control/reset` with `{}`): it drops every file's registered clients.
 */
import { env } from "cloudflare:workers";
import { base64url } from "jose";
import type { UpstreamName, UpstreamTokenResponse } from "../../scripts/upstream-token.mjs";

export type { UpstreamTokenResponse };
export type UpstreamId = UpstreamName;

interface Paths {
  issuer: string;
  authorize: string;
  token: string;
  userinfo: string;
  jwks: string;
}

const PATHS: Record<UpstreamId, Paths> = {
  auth0: { issuer: "/auth0/", authorize: "/auth0/authorize", token: "/auth0/oauth/token", userinfo: "/auth0/userinfo", jwks: "/auth0/.well-known/jwks.json" },
  okta: {
    issuer: "/okta/oauth2/default", authorize: "/okta/oauth2/default/v1/authorize", token: "/okta/oauth2/default/v1/token",
    userinfo: "/okta/oauth2/default/v1/userinfo", jwks: "/okta/oauth2/default/v1/keys",
  },
  "okta-org": { issuer: "/okta", authorize: "/okta/oauth2/v1/authorize", token: "/okta/oauth2/v1/token", userinfo: "/okta/oauth2/v1/userinfo", jwks: "/okta/oauth2/v1/keys" },
  google: { issuer: "/google", authorize: "/google/o/oauth2/v2/auth", token: "/google/token", userinfo: "/google/v1/userinfo", jwks: "/google/oauth2/v3/certs" },
  cognito: {
    issuer: "/cognito/us-east-1_fedgate", authorize: "/cognito-domain/oauth2/authorize", token: "/cognito-domain/oauth2/token",
    userinfo: "/cognito-domain/oauth2/userInfo", jwks: "/cognito/us-east-1_fedgate/.well-known/jwks.json",
  },
};

/** The seeded test client of each provider (idp-fixtures/clients.json) and a verified seeded user. */
const SEEDED: Record<UpstreamId, { clientId: string; clientSecret: string; login: string; password: string }> = {
  auth0: { clientId: "FedgateTestAuth0Client0000000002", clientSecret: "auth0-test-secret", login: "alice@auth0.example", password: "alice-password" },
  okta: { clientId: "0oafedgatetest000002", clientSecret: "okta-test-secret", login: "olivia@okta.example", password: "olivia-password" },
  "okta-org": { clientId: "0oafedgatetest000002", clientSecret: "okta-test-secret", login: "olivia@okta.example", password: "olivia-password" },
  google: {
    clientId: "100000000002-fedgatetest.apps.googleusercontent.com", clientSecret: "GOCSPX-google-test-secret",
    login: "gina@workspace.example", password: "gina-password",
  },
  cognito: { clientId: "fedgatetestcognito00000002", clientSecret: "cognito-test-secret", login: "carl@cognito.example", password: "carl-password" },
};

/** Secrets of the clients this test file registered. */
const registered = new Map<string, string>();

/** A provider's issuer and endpoints in the running emulator: spread it into `verifyIdToken`'s expectations. */
export function upstream(provider: UpstreamId): { issuer: string; jwksUri: string; tokenEndpoint: string; userinfoEndpoint: string; authorizationEndpoint: string } {
  const origin = env.TEST_EMULATOR_ORIGIN;
  const p = PATHS[provider];
  return {
    issuer: origin + p.issuer, jwksUri: origin + p.jwks, tokenEndpoint: origin + p.token,
    userinfoEndpoint: origin + p.userinfo, authorizationEndpoint: origin + p.authorize,
  };
}

/** The seeded confidential test client of `provider` (shared by every test file: prefer a registered one for switches). */
export const seededClientId = (provider: UpstreamId): string => SEEDED[provider].clientId;

/**
 * Registers a confidential client of your own at `provider` (any loopback redirect URI), so that
 * client-scoped switches on it touch no other test file. Okta's two authorization servers share clients.
 */
export async function registerUpstreamClient(provider: UpstreamId): Promise<{ clientId: string; clientSecret: string }> {
  const clientId = `fedgate-test-${crypto.randomUUID()}${provider === "google" ? ".apps.googleusercontent.com" : ""}`;
  const clientSecret = base64url.encode(crypto.getRandomValues(new Uint8Array(24)));
  const response = await fetch(`${env.TEST_EMULATOR_ORIGIN}/__control/clients`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ provider, clientId, clientSecret, redirectUris: [], allowLoopbackRedirects: true }),
  });
  if (response.status !== 201) throw new Error(`client registration failed: ${response.status} ${await response.text()}`);
  registered.set(clientId, clientSecret);
  return { clientId, clientSecret };
}

export interface UpstreamOptions {
  /** Sent in the authorization request; the emulator copies it into the ID token. */
  nonce?: string;
  /** Default `openid email profile`. */
  scope?: string;
  /** Auth0 only: an API identifier, which makes the access token a JWT. */
  audience?: string;
  /** A registered or seeded client; default the seeded test client. */
  clientId?: string;
  /** Default: a verified seeded user of the provider (alice, olivia, gina, carl). */
  login?: { email: string; password: string };
}


/**
 * Signs a user in and stops at the authorization code: `redeem()` fetches the tokens later, so a
 * test can change the emulator between the two (e.g. rotate keys just before the tokens are signed).
 */
export async function upstreamCode(provider: UpstreamId, options: UpstreamOptions = {}): Promise<{ code: string; redeem: () => Promise<UpstreamTokenResponse> }> {
  const seeded = SEEDED[provider];
  const clientId = options.clientId ?? seeded.clientId;
  const clientSecret = registered.get(clientId) ?? (clientId === seeded.clientId ? seeded.clientSecret : undefined);
  if (clientSecret === undefined) throw new Error(`unknown client ${clientId}: register it with registerUpstreamClient`);
  const endpoints = upstream(provider);
  const redirectUri = `http://127.0.0.1:8787/auth/callback/${provider}`;
  const verifier = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const state = crypto.randomUUID();
  const url = new URL(endpoints.authorizationEndpoint);
  const params: Record<string, string | undefined> = {
    response_type: "code", client_id: clientId, redirect_uri: redirectUri, scope: options.scope ?? "openid email profile", state,
    nonce: options.nonce, audience: options.audience, code_challenge: challenge, code_challenge_method: "S256",
    login_hint: options.login?.email ?? seeded.login, test_password: options.login?.password ?? seeded.password,
  };
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  const answer = await fetch(url, { redirect: "manual" });
  const location = answer.headers.get("location");
  await answer.body?.cancel();
  const back = location ? new URL(location) : undefined;
  const code = back?.searchParams.get("code");
  if (!back || !code || back.searchParams.get("state") !== state) {
    throw new Error(`${provider} authorization failed: ${answer.status} ${location ?? "(no redirect)"}`);
  }
  const redeem = async () => {
    const response = await fetch(endpoints.tokenEndpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: `Basic ${btoa(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`)}`,
      },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier }),
    });
    const body = await response.text();
    if (!response.ok) throw new Error(`${provider} token request failed: ${response.status} ${body}`);
    return JSON.parse(body) as UpstreamTokenResponse;
  };
  return { code, redeem };
}

/** Signs a user in at `provider` and returns the token response (see {@link upstreamCode}). */
export async function upstreamTokens(provider: UpstreamId, options: UpstreamOptions = {}): Promise<UpstreamTokenResponse> {
  return (await upstreamCode(provider, options)).redeem();
}

/** Calls the provider's userinfo endpoint with an access token; returns the parsed JSON body. */
export async function upstreamUserinfo(provider: UpstreamId, accessToken: string): Promise<unknown> {
  const response = await fetch(upstream(provider).userinfoEndpoint, { headers: { Authorization: `Bearer ${accessToken}` } });
  const body = await response.text();
  if (!response.ok) throw new Error(`${provider} userinfo failed: ${response.status} ${body}`);
  return JSON.parse(body);
}

/** Clears every switch scoped to `clientId` (on every provider); other clients' and global switches stay. */
export async function resetUpstreamClient(clientId: string): Promise<void> {
  const response = await fetch(`${env.TEST_EMULATOR_ORIGIN}/__control/reset`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ clientId }),
  });
  if (!response.ok) throw new Error(`emulator reset failed: ${response.status} ${await response.text()}`);
}
