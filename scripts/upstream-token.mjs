#!/usr/bin/env node
// Prints an upstream provider's tokens from the IdP emulators, as a migrating app would hold them
// before it exchanges them at Fedgate (README "Migrating an existing app"). It signs a seeded user in
// through the emulators' non-interactive path (login_hint + test_password, emulators only) as the
// provider's "migrating app" client (idp-fixtures/clients.json, the second client of each provider),
// with PKCE, and redeems the code.
//
//   node scripts/upstream-token.mjs okta                      # the whole token response (JSON)
//   node scripts/upstream-token.mjs okta access_token         # one field
//   node scripts/upstream-token.mjs auth0 access_token --audience https://api.example.com
//   node scripts/upstream-token.mjs google id_token --login pat.personal@gmail.com --password pat-password
//
// Providers: auth0, okta, okta-org, google, cognito. EMULATOR_ORIGIN overrides http://127.0.0.1:8788.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const clients = JSON.parse(readFileSync(new URL("../idp-fixtures/clients.json", import.meta.url), "utf8"));

export const UPSTREAMS = {
  auth0: { authorize: "/auth0/authorize", token: "/auth0/oauth/token", clients: "auth0", login: ["alice@auth0.example", "alice-password"] },
  okta: { authorize: "/okta/oauth2/default/v1/authorize", token: "/okta/oauth2/default/v1/token", clients: "okta", login: ["olivia@okta.example", "olivia-password"] },
  "okta-org": { authorize: "/okta/oauth2/v1/authorize", token: "/okta/oauth2/v1/token", clients: "okta", login: ["olivia@okta.example", "olivia-password"] },
  google: { authorize: "/google/o/oauth2/v2/auth", token: "/google/token", clients: "google", login: ["gina@workspace.example", "gina-password"] },
  cognito: { authorize: "/cognito-domain/oauth2/authorize", token: "/cognito-domain/oauth2/token", clients: "cognito", login: ["carl@cognito.example", "carl-password"] },
};

/** The provider's "migrating app" client: the emulators' second client of each provider (any loopback redirect). */
export const migratingAppClient = (provider) => clients[UPSTREAMS[provider].clients][1];

const base64url = (bytes) => Buffer.from(bytes).toString("base64url");

/** Signs a seeded user in at the emulated `provider` and returns its token response. */
export async function upstreamTokens(origin, provider, options = {}) {
  const upstream = UPSTREAMS[provider];
  if (!upstream) throw new Error(`unknown provider "${provider}": one of ${Object.keys(UPSTREAMS).join(", ")}`);
  const { clientId, clientSecret } = migratingAppClient(provider);
  const [login, password] = options.login ? [options.login, options.password] : upstream.login;
  const redirectUri = "http://127.0.0.1:9/callback"; // never followed: the code is read off the redirect
  const verifier = base64url(randomBytes(32));
  const url = new URL(origin + upstream.authorize);
  const params = {
    response_type: "code", client_id: clientId, redirect_uri: redirectUri, scope: options.scope ?? "openid email profile", state: base64url(randomBytes(12)),
    nonce: base64url(randomBytes(12)), code_challenge: base64url(createHash("sha256").update(verifier).digest()), code_challenge_method: "S256",
    login_hint: login, test_password: password, ...(options.audience ? { audience: options.audience } : {}),
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const answer = await fetch(url, { redirect: "manual" });
  const code = answer.headers.get("location") && new URL(answer.headers.get("location")).searchParams.get("code");
  if (!code) throw new Error(`${provider} sign-in failed: HTTP ${answer.status} ${answer.headers.get("location") ?? (await answer.text()).slice(0, 200)}`);
  const response = await fetch(origin + upstream.token, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}` },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${provider} token request failed: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { audience: { type: "string" }, login: { type: "string" }, password: { type: "string" }, scope: { type: "string" } } });
  const [provider, field] = positionals;
  try {
    const tokens = await upstreamTokens(process.env.EMULATOR_ORIGIN ?? "http://127.0.0.1:8788", provider, values);
    console.log(field ? tokens[field] : JSON.stringify(tokens, null, 2));
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
