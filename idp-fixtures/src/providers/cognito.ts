/**
 * AWS Cognito user pool: issuer on cognito-idp, OAuth endpoints on the hosted-UI domain (emulated
 * under /cognito-domain), `token_use`, `cognito:*` claims, access tokens with `client_id` and no `aud`
 * signed with a different kid, userinfo `email_verified` as a string, refresh-only revocation.
 */
import { randomId } from "../store";
import type { Endpoint, ErrorRendering, Provider, TokenContext } from "../types";
import { compact, has, oauthError, type ErrorTable } from "./shared";

const DOMAIN = "/cognito-domain";

const bare = (status: number, error: string): ErrorRendering => ({ status, body: { error } });
/** Cognito's token endpoint errors carry no description. */
const TOKEN_ERRORS: ErrorTable = {
  invalid_request: bare(400, "invalid_request"),
  client_auth_missing: bare(400, "invalid_client"),
  client_auth_failed: bare(400, "invalid_client"),
  unsupported_grant_type: bare(400, "unsupported_grant_type"),
  code_invalid: bare(400, "invalid_grant"),
  code_reused: bare(400, "invalid_grant"),
  redirect_mismatch: bare(400, "invalid_grant"),
  verifier_missing: bare(400, "invalid_grant"),
  verifier_invalid: bare(400, "invalid_grant"),
  refresh_invalid: bare(400, "invalid_grant"),
  token_invalid: bare(400, "invalid_token"),
  unsupported_token_type: bare(400, "unsupported_token_type"),
};

const groups = (ctx: { user: TokenContext["user"] }) => (ctx.user.groups.length > 0 ? { "cognito:groups": ctx.user.groups } : {});
const username = (ctx: { user: TokenContext["user"] }) => ctx.user.username ?? ctx.user.id;

export const cognito: Provider = {
  id: "cognito",
  tenant: "cognito",
  issuerPath: "/cognito/us-east-1_fedgate",
  paths: {
    discovery: "/cognito/us-east-1_fedgate/.well-known/openid-configuration",
    jwks: "/cognito/us-east-1_fedgate/.well-known/jwks.json",
    authorize: `${DOMAIN}/oauth2/authorize`,
    token: `${DOMAIN}/oauth2/token`,
    userinfo: `${DOMAIN}/oauth2/userInfo`,
    revoke: `${DOMAIN}/oauth2/revoke`,
    logout: `${DOMAIN}/logout`,
  },
  pkceMethods: ["S256"],
  authMethods: ["client_secret_basic", "client_secret_post"],
  codeTtl: 300,
  accessTtl: 3600,
  atHash: true,
  revocation: { clientAuth: true, refreshOnly: true, unknownIsError: false },
  logout: { redirectParam: "logout_uri", passState: false },
  offline: () => true,
  // Cognito refresh tokens are JWEs (RSA-OAEP); to the client they are opaque.
  refreshToken: (random) =>
    `eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.${random}.${randomId(12)}.${randomId(200)}.${randomId(16)}`,
  // As IDP-NOTES: no revocation, end-session or PKCE methods listed, though the endpoints exist.
  discovery: (issuer, url: (e: Endpoint) => string | undefined) => ({
    authorization_endpoint: url("authorize"),
    id_token_signing_alg_values_supported: ["RS256"],
    issuer,
    jwks_uri: url("jwks"),
    response_types_supported: ["code", "token"],
    scopes_supported: ["openid", "email", "phone", "profile"],
    subject_types_supported: ["public"],
    token_endpoint: url("token"),
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    userinfo_endpoint: url("userinfo"),
  }),
  authorizationResponseExtras: () => ({}),
  idTokenClaims: (ctx) =>
    compact({
      sub: ctx.user.id,
      ...groups(ctx),
      ...(has(ctx.grant.scope, "email") ? { email_verified: ctx.user.emailVerified } : {}),
      iss: ctx.issuer,
      "cognito:username": username(ctx),
      origin_jti: ctx.grant.sid,
      aud: ctx.client.clientId,
      event_id: crypto.randomUUID(),
      token_use: "id",
      auth_time: ctx.grant.authTime,
      ...(has(ctx.grant.scope, "profile") ? { name: ctx.user.name } : {}),
      nonce: ctx.grant.nonce,
      exp: ctx.now + 3600,
      iat: ctx.now,
      jti: crypto.randomUUID(),
      ...(has(ctx.grant.scope, "email") ? { email: ctx.user.email } : {}),
    }),
  accessToken: (ctx) => ({
    kind: "jwt",
    key: "access",
    claims: compact({
      sub: ctx.user.id,
      ...groups(ctx),
      iss: ctx.issuer,
      version: 2,
      client_id: ctx.client.clientId,
      origin_jti: ctx.grant.sid,
      event_id: crypto.randomUUID(),
      token_use: "access",
      scope: ctx.grant.scope.join(" "),
      auth_time: ctx.grant.authTime,
      exp: ctx.now + 3600,
      iat: ctx.now,
      jti: crypto.randomUUID(),
      username: username(ctx),
    }),
  }),
  // userInfo has answered email_verified as the string "true"; the broker must normalise.
  userinfo: (ctx) =>
    compact({
      sub: ctx.user.id,
      ...(has(ctx.grant.scope, "email") ? { email_verified: String(ctx.user.emailVerified), email: ctx.user.email } : {}),
      ...(has(ctx.grant.scope, "profile") ? { name: ctx.user.name } : {}),
      username: username(ctx),
    }),
  tokenResponse: (f, refresh) =>
    compact({
      id_token: f.id_token,
      access_token: f.access_token,
      ...(refresh ? {} : { refresh_token: f.refresh_token }),
      expires_in: 3600,
      token_type: "Bearer",
    }),
  renderError: (endpoint, code): ErrorRendering => {
    if (endpoint === "userinfo") {
      // No "Bearer" scheme in Cognito's challenge.
      return {
        status: 401,
        body: { error: "invalid_token", error_description: "Access token is expired, disabled, or deleted, or the user has globally signed out." },
        headers: { "www-authenticate": 'error="invalid_token", error_description="Access Token has been revoked"' },
      };
    }
    return TOKEN_ERRORS[code];
  },
};
