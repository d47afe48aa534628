/**
 * Discovery: the OpenID Provider / OAuth 2.0 Authorization Server metadata and the JWKS. Both are
 * public, cacheable and CORS-enabled (SECURITY.md AS-14). The metadata lists only what exists.
 * Each document is serialised and hashed once (per config, per key set), not per request.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 * @see https://www.rfc-editor.org/rfc/rfc8414
 */
import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import type { Config } from "../config";
import { memoSettled } from "../cache";
import type { AppEnv } from "../context";
import { JWS_ALGORITHMS } from "../security/jws-algorithms";
import { JWKS_MAX_AGE_S } from "../tokens/keys";
import { supportedGrantTypes } from "./token";

const METADATA_MAX_AGE_S = 3600;

/** A JSON document ready to serve: its bytes and their strong ETag. */
export interface StaticDocument {
  body: string;
  etag: string;
}

/** Serialises `value` and computes its ETag (SHA-256, base64url, truncated: collisions are harmless). */
export async function staticDocument(value: unknown): Promise<StaticDocument> {
  const body = JSON.stringify(value);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
  const etag = `"${btoa(String.fromCharCode(...digest.subarray(0, 16))).replace(/=+$/, "")}"`;
  return { body, etag };
}

/** Serves a document with caching headers, or 304 when the client already has it. */
function serve(c: Context<AppEnv>, document: StaticDocument, contentType: string, cacheControl: string): Response {
  const headers = { ETag: document.etag, "Cache-Control": cacheControl };
  const known = c.req.header("If-None-Match")?.split(/\s*,\s*/);
  if (known?.includes(document.etag) || known?.includes("*")) return c.body(null, 304, headers);
  return c.body(document.body, 200, { ...headers, "Content-Type": contentType });
}

/** The metadata document; later endpoints add their entries here. */
export function providerMetadata(config: Config): Record<string, unknown> {
  return {
    issuer: config.issuer,
    jwks_uri: `${config.issuer}/.well-known/jwks.json`,
    authorization_endpoint: `${config.issuer}/oauth2/authorize`,
    token_endpoint: `${config.issuer}/oauth2/token`,
    userinfo_endpoint: `${config.issuer}/oauth2/userinfo`,
    revocation_endpoint: `${config.issuer}/oauth2/revoke`,
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
    introspection_endpoint: `${config.issuer}/oauth2/introspect`,
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    end_session_endpoint: `${config.issuer}/oauth2/logout`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    subject_types_supported: ["public"],
    code_challenge_methods_supported: ["S256"],
    authorization_response_iss_parameter_supported: true,
    grant_types_supported: supportedGrantTypes(),
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
    token_endpoint_auth_signing_alg_values_supported: [...JWS_ALGORITHMS],
    // RS256 is required by OpenID Connect Discovery §3; a client picks it with idTokenSignedResponseAlg.
    id_token_signing_alg_values_supported: ["ES256", "RS256"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "azp", "at_hash", "sid", "email", "email_verified", "name"],
  };
}

const metadataDocument = memoSettled((config: Config) => staticDocument(providerMetadata(config)));

const serveMetadata = async (c: Context<AppEnv>) =>
  serve(c, await metadataDocument(c.var.config), "application/json", `public, max-age=${METADATA_MAX_AGE_S}`);

export const discovery = new Hono<AppEnv>()
  .use(cors({ origin: "*", allowMethods: ["GET", "HEAD"], maxAge: 86_400 }))
  .get("/openid-configuration", serveMetadata)
  .get("/oauth-authorization-server", serveMetadata)
  .get("/jwks.json", async (c) =>
    // Next keys are published ahead of use, so a verifier's copy may be this old and still current.
    serve(c, await c.var.keys.jwksDocument(), "application/jwk-set+json", `public, max-age=${JWKS_MAX_AGE_S}, stale-while-revalidate=${JWKS_MAX_AGE_S}`),
  );
