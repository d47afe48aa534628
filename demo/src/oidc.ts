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

/**
 * What an API does with the access token: verify its signature against Fedgate's JWKS, its type
 * (`at+jwt`, RFC 9068), issuer, audience (this client) and expiry, then read its claims.
 */
export async function verifyAccessToken(config: client.Configuration, accessToken: string): Promise<JWTPayload> {
  const { issuer, jwks_uri } = config.serverMetadata();
  if (!jwks_uri) throw new Error("Fedgate's discovery document lists no jwks_uri");
  if (jwks?.uri !== jwks_uri) jwks = { uri: jwks_uri, set: createRemoteJWKSet(new URL(jwks_uri)) };
  const { payload } = await jwtVerify(accessToken, jwks.set, { issuer, audience: config.clientMetadata().client_id, typ: "at+jwt" });
  return payload;
}

export { client };
