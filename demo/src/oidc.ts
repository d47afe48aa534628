/**
 * The app's OpenID Connect client, as any app would set it up: discovery at Fedgate's issuer with
 * openid-client v6, a public client (no secret: PKCE instead), and jose for checking access tokens
 * the way an API would.
 */
import * as client from "openid-client";
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";

export interface DemoEnv {
  /** Fedgate's issuer, e.g. http://127.0.0.1:8787. */
  ISSUER: string;
  /** This app's origin, e.g. http://127.0.0.1:8789. */
  APP_URL: string;
  /** The demo client's id (scripts/dev.mjs passes it from .dev-seed.json). */
  CLIENT_ID?: string;
  /** Optional cookie key, 32 bytes base64url (src/session.ts). */
  SESSION_SECRET?: string;
  /** Where back-channel logout records the sessions Fedgate ended (src/logouts.ts; demo/wrangler.toml). */
  ENDED_SESSIONS: KVNamespace;
}

export const SCOPE = "openid email profile offline_access";
export const redirectUri = (env: DemoEnv) => `${env.APP_URL}/callback`;

let cached: { key: string; config: Promise<client.Configuration> } | undefined;

/** Fedgate's metadata and this client, discovered once per isolate (again after a failure). */
export function configuration(env: DemoEnv & { CLIENT_ID: string }): Promise<client.Configuration> {
  const key = `${env.ISSUER} ${env.CLIENT_ID}`;
  if (cached?.key !== key) {
    // openid-client refuses plain http unless told; only a local issuer should ever be http.
    const options = env.ISSUER.startsWith("http:") ? { execute: [client.allowInsecureRequests] } : undefined;
    const config = client.discovery(new URL(env.ISSUER), env.CLIENT_ID, undefined, client.None(), options);
    config.catch(() => {
      if (cached?.config === config) cached = undefined;
    });
    cached = { key, config };
  }
  return cached.config;
}

let jwks: { uri: string; set: ReturnType<typeof createRemoteJWKSet> } | undefined;

/** Fedgate's keys, from discovery's `jwks_uri`, fetched when a token names a key not yet seen. */
function keysOf(config: client.Configuration): ReturnType<typeof createRemoteJWKSet> {
  const { jwks_uri } = config.serverMetadata();
  if (!jwks_uri) throw new Error("Fedgate's discovery document lists no jwks_uri");
  if (jwks?.uri !== jwks_uri) jwks = { uri: jwks_uri, set: createRemoteJWKSet(new URL(jwks_uri)) };
  return jwks.set;
}

/**
 * What an API does with the access token: verify its signature against Fedgate's JWKS, its type
 * (`at+jwt`, RFC 9068), issuer, audience (this client) and expiry, then read its claims.
 */
export async function verifyAccessToken(config: client.Configuration, accessToken: string): Promise<JWTPayload> {
  const { issuer } = config.serverMetadata();
  const { payload } = await jwtVerify(accessToken, keysOf(config), { issuer, audience: config.clientMetadata().client_id, typ: "at+jwt" });
  return payload;
}

const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

/**
 * Validates a back-channel logout token (OpenID Connect Back-Channel Logout 1.0 §2.6): Fedgate's
 * signature (JWKS), `typ: logout+jwt`, issuer, audience (this client), `iat` and `exp`, the
 * back-channel logout event, a `sid` or `sub`, and no `nonce` (so an ID token cannot pass for one).
 * Returns what ended: the session (`sid`) and the user (`sub`).
 */
export async function verifyLogoutToken(config: client.Configuration, logoutToken: string): Promise<{ sid?: string; sub?: string; iat: number }> {
  const { issuer } = config.serverMetadata();
  const { payload } = await jwtVerify(logoutToken, keysOf(config), {
    issuer, audience: config.clientMetadata().client_id, typ: "logout+jwt", requiredClaims: ["iat", "exp"], maxTokenAge: "5 minutes", clockTolerance: 30,
  });
  const events = payload.events as Record<string, unknown> | undefined;
  const event = events?.[BACKCHANNEL_LOGOUT_EVENT];
  if (typeof event !== "object" || event === null || Array.isArray(event)) throw new Error("not a logout token: no back-channel logout event");
  if ("nonce" in payload) throw new Error("a logout token must not carry a nonce");
  const sid = typeof payload.sid === "string" ? payload.sid : undefined;
  const sub = typeof payload.sub === "string" ? payload.sub : undefined;
  if (!sid && !sub) throw new Error("a logout token names a session (sid) or a user (sub)");
  return { ...(sid ? { sid } : {}), ...(sub ? { sub } : {}), iat: payload.iat! };
}

export { client };
