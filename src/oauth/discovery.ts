/**
 * Discovery: the OpenID Provider / OAuth 2.0 Authorization Server metadata and the JWKS. Both are
 * public, cacheable and CORS-enabled (SECURITY.md AS-14). The metadata lists only what exists.
 * Each document is serialised and hashed once (per config, per key set), not per request
 * (cached-document.ts).
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 * @see https://www.rfc-editor.org/rfc/rfc8414
 */
import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import type { Config } from "../config";
import { memoSettled } from "../cache";
import { cachedDocument, serveDocument } from "../cached-document";
import type { AppEnv } from "../env";
import { JWS_ALGORITHMS } from "../security/jws-algorithms";
import { JWKS_MAX_AGE_S } from "../tokens/signing-keys";
import { MFA_ACR } from "../sessions/mfa";
import { PROMPT_VALUES } from "./authorization-request";
import { supportedGrantTypes } from "./grants";

const METADATA_MAX_AGE_S = 3600;

/** The metadata document; later endpoints add their entries here. */
function providerMetadata(config: Config): Record<string, unknown> {
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
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "sid", "email", "email_verified", "name", "roles"],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    // Broker sessions (oauth/sso.ts): none answers from the session or fails; login and select_account
    // authenticate upstream again; consent is implied by the app's registration in its project.
    prompt_values_supported: [...PROMPT_VALUES],
    // The multi-factor policy an app may ask for; trusted providers' own acr values pass through in ID tokens.
    acr_values_supported: [MFA_ACR],
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
  };
}

const metadataDocument = memoSettled((config: Config) => cachedDocument(providerMetadata(config)));

const serveMetadata = async (c: Context<AppEnv>) =>
  serveDocument(c, await metadataDocument(c.get("config")), "application/json", `public, max-age=${METADATA_MAX_AGE_S}`);

export const discovery = new Hono<AppEnv>()
  .use(cors({ origin: "*", allowMethods: ["GET", "HEAD"], maxAge: 86_400 }))
  .get("/openid-configuration", serveMetadata)
  .get("/oauth-authorization-server", serveMetadata)
  .get("/jwks.json", async (c) =>
    // Next keys are published ahead of use, so a verifier's copy may be this old and still current.
    serveDocument(c, await c.get("signingKeys").jwksDocument(), "application/jwk-set+json", `public, max-age=${JWKS_MAX_AGE_S}, stale-while-revalidate=${JWKS_MAX_AGE_S}`),
  );
