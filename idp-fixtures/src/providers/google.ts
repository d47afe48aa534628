/**
 * Google: numeric subjects, `hd` only for Workspace users, opaque `ya29.` access tokens (judge them at
 * userinfo or tokeninfo), tokeninfo with string-typed values, no end-session endpoint.
 */
import { findUserById } from "../data";
import { randomId } from "../store";
import type { Endpoint, ErrorRendering, JWTPayload, Provider, TokenContext } from "../types";
import { compact, has, oauthError, type ErrorTable } from "./shared";

/** A Map: the requested scope names the key, and `scope=constructor` is just a scope (Fedgate AB-6). */
const SCOPE_URLS: ReadonlyMap<string, string> = new Map([
  ["email", "https://www.googleapis.com/auth/userinfo.email"],
  ["profile", "https://www.googleapis.com/auth/userinfo.profile"],
]);
/** Google answers with the long scope names, as its token endpoint does. */
const longScopes = (scope: string[]) => scope.map((s) => SCOPE_URLS.get(s) ?? s).join(" ");

function userClaims(ctx: { user: TokenContext["user"]; grant: TokenContext["grant"] }) {
  const { user, grant } = ctx;
  const [given, ...rest] = user.name.split(" ");
  return compact({
    hd: user.hd,
    ...(has(grant.scope, "email") ? { email: user.email, email_verified: user.emailVerified } : {}),
    ...(has(grant.scope, "profile")
      ? { name: user.name, picture: `https://lh3.googleusercontent.com/a/${user.id}=s96-c`, given_name: given, family_name: rest.join(" ") || undefined }
      : {}),
  });
}

const TOKEN_ERRORS: ErrorTable = {
  invalid_request: oauthError(400, "invalid_request", "Bad Request"),
  client_auth_missing: oauthError(401, "invalid_client", "Unauthorized"),
  client_auth_failed: oauthError(401, "invalid_client", "Unauthorized"),
  unsupported_grant_type: oauthError(400, "unsupported_grant_type", "Invalid grant_type"),
  code_invalid: oauthError(400, "invalid_grant", "Malformed auth code."),
  code_reused: oauthError(400, "invalid_grant", "Code was already redeemed."),
  redirect_mismatch: oauthError(400, "redirect_uri_mismatch", "Bad Request"),
  verifier_missing: oauthError(400, "invalid_grant", "Missing code verifier."),
  verifier_invalid: oauthError(400, "invalid_grant", "Invalid code verifier."),
  refresh_invalid: oauthError(400, "invalid_grant", "Token has been expired or revoked."),
  token_invalid: oauthError(400, "invalid_token", "Invalid Value"),
  unsupported_token_type: oauthError(400, "unsupported_token_type", "Bad Request"),
};

/** tokeninfo reports every value as a JSON string. */
function stringify(o: JWTPayload): JWTPayload {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "string" ? v : Array.isArray(v) ? v.join(" ") : String(v)]));
}

export const google: Provider = {
  id: "google",
  tenant: "google",
  issuerPath: "/google",
  paths: {
    discovery: "/google/.well-known/openid-configuration",
    jwks: "/google/oauth2/v3/certs",
    authorize: "/google/o/oauth2/v2/auth",
    token: "/google/token",
    userinfo: "/google/v1/userinfo",
    revoke: "/google/revoke",
    tokeninfo: "/google/tokeninfo",
  },
  pkceMethods: ["S256", "plain"],
  authMethods: ["client_secret_post", "client_secret_basic"],
  codeTtl: 600,
  accessTtl: 3599,
  atHash: true,
  jwtTyp: "JWT",
  revocation: { clientAuth: false, refreshOnly: false, unknownIsError: true },
  offline: (params) => params["access_type"] === "offline",
  refreshToken: (random) => `1//0${random}`,
  discovery: (issuer, url: (e: Endpoint) => string | undefined) => ({
    issuer,
    authorization_endpoint: url("authorize"),
    token_endpoint: url("token"),
    userinfo_endpoint: url("userinfo"),
    revocation_endpoint: url("revoke"),
    jwks_uri: url("jwks"),
    response_types_supported: ["code"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid", "email", "profile"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    claims_supported: ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub"],
    code_challenge_methods_supported: ["plain", "S256"],
    grant_types_supported: ["authorization_code", "refresh_token"],
  }),
  // Google's redirect carries iss (RFC 9207) though its discovery document does not announce it.
  authorizationResponseExtras: ({ issuer, grant }) => {
    const hd = findUserById("google", grant.userId)?.hd;
    return { iss: issuer, scope: longScopes(grant.scope), authuser: "0", ...(hd ? { hd } : {}), prompt: "consent" };
  },
  idTokenClaims: (ctx) =>
    compact({
      iss: ctx.issuer,
      azp: ctx.client.clientId,
      aud: ctx.client.clientId,
      sub: ctx.user.id,
      ...userClaims(ctx),
      nonce: ctx.grant.nonce,
      iat: ctx.now,
      exp: ctx.now + 3600,
    }),
  accessToken: () => ({ kind: "opaque", value: `ya29.a0${randomId(120)}` }),
  userinfo: (ctx) => ({ sub: ctx.user.id, ...userClaims(ctx) }),
  tokenResponse: (f, refresh) =>
    compact({
      access_token: f.access_token,
      expires_in: 3599,
      ...(refresh ? {} : { refresh_token: f.refresh_token }),
      scope: longScopes(f.scope.split(" ")),
      token_type: "Bearer",
      id_token: f.id_token,
    }),
  renderError: (endpoint, code): ErrorRendering => {
    if (endpoint === "userinfo") {
      return { status: 401, body: { error: "invalid_request", error_description: "Invalid Credentials" }, headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' } };
    }
    if (endpoint === "revoke" && code === "token_invalid") return oauthError(400, "invalid_token", "Token expired or revoked");
    return TOKEN_ERRORS[code];
  },
  tokeninfo: (ctx) => {
    if (ctx.idTokenClaims) return stringify({ ...ctx.idTokenClaims, ...(ctx.idTokenHeader ?? {}) });
    const email = has(ctx.grant.scope, "email") ? ctx.user : undefined;
    return compact({
      azp: ctx.grant.clientId,
      aud: ctx.grant.clientId,
      sub: ctx.grant.userId,
      scope: longScopes(ctx.grant.scope),
      exp: String(ctx.expiresAt),
      expires_in: String(Math.max(0, ctx.expiresAt - ctx.now)),
      email: email?.email,
      email_verified: email ? String(ctx.user.emailVerified) : undefined,
      access_type: ctx.grant.offline ? "offline" : "online",
    });
  },
};
