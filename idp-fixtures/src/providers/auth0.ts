/** Auth0: trailing-slash issuer, `auth0|…` subjects, JWT access tokens only with `audience`, 403 invalid_grant. */
import { randomId } from "../store";
import type { AuthOutcome, Endpoint, ErrorRendering, Provider, TokenContext } from "../types";
import { compact, has, jweLooking, oauthError, type ErrorTable } from "./shared";

const ROLES_CLAIM = "https://fedgate.dev/roles"; // Auth0 allows custom claims only under a namespace URL
/** The one acr Auth0 knows: the OpenID PAPE multi-factor policy, the step-up its docs describe. */
const MULTI_FACTOR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";

/**
 * As a tenant whose Action runs MFA when `acr_values` asks for the PAPE policy (Auth0's step-up
 * guide); other values are ignored. Without an Action (`mfa: "never"`) the request is ignored, not
 * refused: the tokens simply lack `amr`/`acr`. With MFA the ID token says `amr: ["mfa"]` and `acr`
 * the PAPE URI, as in Auth0's "ID token with MFA" sample; without, neither claim.
 */
function assurance(acrValues: string[], mfa: "always" | "never" | undefined): AuthOutcome {
  const done = mfa === "always" || (mfa !== "never" && acrValues.includes(MULTI_FACTOR));
  return done ? { mfa: true, acr: MULTI_FACTOR, amr: ["mfa"] } : { mfa: false };
}

function profile(ctx: { user: TokenContext["user"]; grant: TokenContext["grant"] }) {
  const { user, grant } = ctx;
  return compact({
    ...(has(grant.scope, "profile")
      ? { nickname: user.nickname ?? user.email.split("@")[0], name: user.name, picture: `https://s.gravatar.com/avatar/${encodeURIComponent(user.id)}.png`, updated_at: "2026-01-01T00:00:00.000Z" }
      : {}),
    ...(has(grant.scope, "email") ? { email: user.email, email_verified: user.emailVerified } : {}),
  });
}

const unauthorized = oauthError(401, "access_denied", "Unauthorized");
const TOKEN_ERRORS: ErrorTable = {
  invalid_request: oauthError(400, "invalid_request", "Missing required parameter"),
  client_auth_missing: unauthorized,
  client_auth_failed: unauthorized,
  unsupported_grant_type: oauthError(403, "unauthorized_client", "Grant type not allowed for the client."),
  code_invalid: oauthError(403, "invalid_grant", "Invalid authorization code"),
  code_reused: oauthError(403, "invalid_grant", "Invalid authorization code"),
  redirect_mismatch: oauthError(403, "invalid_grant", "Invalid redirect_uri"),
  verifier_missing: oauthError(403, "invalid_grant", "Failed to verify code verifier"),
  verifier_invalid: oauthError(403, "invalid_grant", "Failed to verify code verifier"),
  refresh_invalid: oauthError(403, "invalid_grant", "Unknown or invalid refresh token."),
  token_invalid: oauthError(400, "invalid_request", "Invalid token"),
  unsupported_token_type: oauthError(400, "unsupported_token_type", "Unsupported token type"),
};

const RATE_LIMIT = { "x-ratelimit-limit": "10", "x-ratelimit-remaining": "9", "x-ratelimit-reset": "1767225600" };

export const auth0: Provider = {
  id: "auth0",
  tenant: "auth0",
  issuerPath: "/auth0/",
  paths: {
    discovery: "/auth0/.well-known/openid-configuration",
    jwks: "/auth0/.well-known/jwks.json",
    authorize: "/auth0/authorize",
    token: "/auth0/oauth/token",
    userinfo: "/auth0/userinfo",
    revoke: "/auth0/oauth/revoke",
    logout: "/auth0/oidc/logout",
  },
  pkceMethods: ["S256", "plain"],
  authMethods: ["client_secret_basic", "client_secret_post"],
  codeTtl: 600,
  accessTtl: 86400,
  atHash: false,
  jwtTyp: "JWT",
  revocation: { clientAuth: true, refreshOnly: false, unknownIsError: false },
  logout: { redirectParam: "post_logout_redirect_uri", passState: true },
  userinfoHeaders: RATE_LIMIT,
  offline: (_params, scope) => scope.includes("offline_access"),
  refreshToken: (random) => `v1.${random}`,
  discovery: (issuer, url: (e: Endpoint) => string | undefined) => ({
    issuer,
    authorization_endpoint: url("authorize"),
    token_endpoint: url("token"),
    userinfo_endpoint: url("userinfo"),
    jwks_uri: url("jwks"),
    revocation_endpoint: url("revoke"),
    end_session_endpoint: url("logout"),
    scopes_supported: ["openid", "profile", "offline_access", "name", "given_name", "family_name", "nickname", "email", "email_verified", "picture", "created_at", "identities", "phone", "address"],
    response_types_supported: ["code"],
    code_challenge_methods_supported: ["S256", "plain"],
    response_modes_supported: ["query"],
    subject_types_supported: ["public"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    claims_supported: ["aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name", "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number", "picture", "sub"],
    request_uri_parameter_supported: false,
    request_parameter_supported: false,
    id_token_signing_alg_values_supported: ["HS256", "RS256", "PS256"],
  }),
  authorizationResponseExtras: () => ({}),
  assurance,
  idTokenClaims: (ctx) =>
    compact({
      ...profile(ctx),
      ...(ctx.user.groups.length > 0 ? { [ROLES_CLAIM]: ctx.user.groups } : {}),
      iss: ctx.issuer,
      aud: ctx.client.clientId,
      sub: ctx.user.id,
      iat: ctx.now,
      exp: ctx.now + 36000,
      // auth_time only when max_age was asked for (auth0-spa-js#719).
      auth_time: ctx.grant.maxAge !== undefined ? ctx.grant.authTime : undefined,
      // Refreshed ID tokens carry no amr (Auth0's step-up guide), nor acr.
      ...(ctx.refresh ? {} : { acr: ctx.grant.acr, amr: ctx.grant.amr }),
      sid: ctx.grant.sid,
      nonce: ctx.grant.nonce,
    }),
  accessToken: (ctx) => {
    // No audience: an opaque token (a JWE with alg dir on newer tenants), usable only at /userinfo.
    if (ctx.grant.audience === undefined) {
      return { kind: "opaque", value: jweLooking({ alg: "dir", enc: "A256GCM", iss: ctx.issuer }) };
    }
    const aud = has(ctx.grant.scope, "openid") ? [ctx.grant.audience, `${ctx.issuer}userinfo`] : ctx.grant.audience;
    return {
      kind: "jwt",
      key: "signing",
      claims: compact({
        ...(ctx.user.groups.length > 0 ? { [ROLES_CLAIM]: ctx.user.groups } : {}),
        iss: ctx.issuer,
        sub: ctx.user.id,
        aud,
        iat: ctx.now,
        exp: ctx.now + 86400,
        jti: randomId(16),
        scope: ctx.grant.scope.join(" "),
        azp: ctx.client.clientId,
      }),
    };
  },
  userinfo: (ctx) => ({ sub: ctx.user.id, ...profile(ctx) }),
  tokenResponse: (f, refresh) =>
    compact({
      access_token: f.access_token,
      ...(refresh ? {} : { refresh_token: f.refresh_token }),
      id_token: f.id_token,
      scope: f.scope,
      expires_in: 86400,
      token_type: "Bearer",
    }),
  renderError: (endpoint, code): ErrorRendering => {
    if (endpoint === "userinfo") return { status: 401, body: "Unauthorized", headers: RATE_LIMIT };
    return TOKEN_ERRORS[code];
  },
};
