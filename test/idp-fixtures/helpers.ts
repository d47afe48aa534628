/** Drives the emulators like a relying party: openid-client for the flows, jose for signature checks. */
import * as client from "openid-client";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from "jose";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startEmulators, type Emulators, type ProviderId } from "../../idp-fixtures/start.mjs";

export type { Emulators, ProviderId };
/**
 * The emulators for a file's tests: started before them (handed to `started`), reset before each
 * test, stopped after the file.
 */
export function useEmulators(started: (emulators: Emulators) => void): void {
  let emulators: Emulators | undefined;
  beforeAll(async () => {
    emulators = await startEmulators();
    started(emulators);
  });
  afterAll(async () => {
    await emulators?.stop();
  });
  beforeEach(async () => {
    await emulators!.reset();
  });
}

export const PROVIDERS: ProviderId[] = ["auth0", "okta", "okta-org", "google", "cognito"];

/** The seeded test clients (clients.json) that accept any loopback redirect_uri. */
export const TEST_CLIENTS: Record<ProviderId, { id: string; secret: string }> = {
  auth0: { id: "FedgateTestAuth0Client0000000002", secret: "auth0-test-secret" },
  okta: { id: "0oafedgatetest000002", secret: "okta-test-secret" },
  "okta-org": { id: "0oafedgatetest000002", secret: "okta-test-secret" },
  google: { id: "100000000002-fedgatetest.apps.googleusercontent.com", secret: "GOCSPX-google-test-secret" },
  cognito: { id: "fedgatetestcognito00000002", secret: "cognito-test-secret" },
};

/** A seeded user per provider (users.json). */
export const USERS: Record<ProviderId, { email: string; password: string }> = {
  auth0: { email: "alice@auth0.example", password: "alice-password" },
  okta: { email: "olivia@okta.example", password: "olivia-password" },
  "okta-org": { email: "olivia@okta.example", password: "olivia-password" },
  google: { email: "gina@workspace.example", password: "gina-password" },
  cognito: { email: "carl@cognito.example", password: "carl-password" },
};

/** Scopes that ask each provider for a refresh token as well. */
export const SCOPES: Record<ProviderId, string> = {
  auth0: "openid profile email offline_access",
  okta: "openid profile email groups offline_access",
  "okta-org": "openid profile email groups offline_access",
  google: "openid email profile",
  cognito: "openid email profile",
};

/** Never contacted: the test reads the code from the 302 Location. */
export const REDIRECT_URI = "http://127.0.0.1:9/callback";

export async function discover(
  emu: Emulators,
  provider: ProviderId,
  opts: { clientId?: string; secret?: string | null; basic?: boolean } = {},
): Promise<client.Configuration> {
  const id = opts.clientId ?? TEST_CLIENTS[provider].id;
  const secret = opts.secret === null ? undefined : (opts.secret ?? TEST_CLIENTS[provider].secret);
  const auth = secret === undefined ? client.None() : opts.basic ? client.ClientSecretBasic(secret) : client.ClientSecretPost(secret);
  return client.discovery(new URL(emu.issuers[provider]), id, secret, auth, { execute: [client.allowInsecureRequests] });
}

export interface SignInOptions {
  email?: string;
  password?: string;
  scope?: string;
  pkce?: "S256" | "plain" | "none";
  extra?: Record<string, string>;
  config?: client.Configuration;
}

export interface Authorization {
  config: client.Configuration;
  callback: URL;
  state: string;
  nonce: string;
  verifier: string;
}

/** Authorization request through the non-interactive test path; returns the redirect back to us. */
export async function authorize(emu: Emulators, provider: ProviderId, o: SignInOptions = {}): Promise<Authorization> {
  const config = o.config ?? (await discover(emu, provider));
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const pkce = o.pkce ?? "S256";
  const params: Record<string, string> = {
    redirect_uri: REDIRECT_URI,
    scope: o.scope ?? SCOPES[provider],
    state,
    nonce,
    login_hint: o.email ?? USERS[provider].email,
    test_password: o.password ?? USERS[provider].password,
    ...(provider === "google" ? { access_type: "offline" } : {}),
    ...o.extra,
  };
  if (pkce !== "none") {
    params["code_challenge"] = pkce === "S256" ? await client.calculatePKCECodeChallenge(verifier) : verifier;
    params["code_challenge_method"] = pkce;
  }
  const url = client.buildAuthorizationUrl(config, params);
  const res = await fetch(url, { redirect: "manual" });
  const location = res.headers.get("location");
  if (res.status !== 302 || !location) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  return { config, callback: new URL(location), state, nonce, verifier };
}

/** A full code flow with PKCE, state and nonce checked by openid-client. */
export async function signIn(emu: Emulators, provider: ProviderId, o: SignInOptions = {}) {
  const a = await authorize(emu, provider, o);
  const tokens = await client.authorizationCodeGrant(a.config, a.callback, {
    pkceCodeVerifier: o.pkce === "none" ? undefined : a.verifier,
    expectedState: a.state,
    expectedNonce: a.nonce,
    idTokenExpected: true,
  });
  return { ...a, tokens };
}

/** Authorization code only, redeemed by hand so tests can see raw token responses. */
export async function rawTokens(emu: Emulators, provider: ProviderId, o: SignInOptions = {}) {
  const a = await authorize(emu, provider, o);
  const code = a.callback.searchParams.get("code");
  if (!code) throw new Error(`no code: ${a.callback.href}`);
  const res = await tokenRequest(a.config, provider, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: a.verifier });
  const body = (await res.json()) as Record<string, string>;
  return { ...a, status: res.status, body };
}

export function tokenRequest(config: client.Configuration, provider: ProviderId, params: Record<string, string>): Promise<Response> {
  const endpoint = config.serverMetadata().token_endpoint;
  if (!endpoint) throw new Error("no token endpoint");
  return fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: TEST_CLIENTS[provider].id, client_secret: TEST_CLIENTS[provider].secret, ...params }),
  });
}

/** Verifies a JWT against the provider's published JWKS (fresh set each call: no cache between tests). */
export async function verifyWithJwks(config: client.Configuration, jwt: string, options: { audience?: string } = {}): Promise<JWTPayload> {
  const meta = config.serverMetadata();
  if (!meta.jwks_uri) throw new Error("no jwks_uri");
  const jwks = createRemoteJWKSet(new URL(meta.jwks_uri));
  const { payload } = await jwtVerify(jwt, jwks, { issuer: meta.issuer, ...(options.audience ? { audience: options.audience } : {}) });
  return payload;
}

export { decodeJwt, decodeProtectedHeader };

/** What openid-client (oauth4webapi) objected to: the claim or attribute named in the error's cause. */
export async function rejectedClaim(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    // openid-client wraps oauth4webapi's error, whose own cause names the claim.
    for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
      const named = e as { claim?: unknown; attribute?: unknown };
      if (typeof named.claim === "string") return named.claim;
      if (typeof named.attribute === "string") return named.attribute;
    }
    return (err as Error).message;
  }
  throw new Error("expected a rejection");
}
