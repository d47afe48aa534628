/**
 * Okta: a custom authorization server (`/oauth2/default`, JWT access tokens with cid/uid/scp) and the
 * org authorization server (bare org issuer, access tokens signed with a key outside its JWKS, so
 * only /introspect or /userinfo can judge them). Both share the `okta` users and clients.
 */
import { randomId } from "../store";
import type { AccessTokenPlan, AuthOutcome, Endpoint, ErrorRendering, Provider, ProviderId, TokenContext } from "../types";
import { compact, has, oauthError, type ErrorTable } from "./shared";

const TOKEN_ERRORS: ErrorTable = {
  invalid_request: oauthError(400, "invalid_request", "The request is missing a required parameter."),
  client_auth_missing: oauthError(401, "invalid_client", "No client credentials found."),
  client_auth_failed: oauthError(401, "invalid_client", "The client secret supplied for a confidential client is invalid."),
  unsupported_grant_type: oauthError(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server."),
  code_invalid: oauthError(400, "invalid_grant", "The authorization code is invalid or has expired."),
  code_reused: oauthError(400, "invalid_grant", "The authorization code is invalid or has expired."),
  redirect_mismatch: oauthError(400, "invalid_grant", "The 'redirect_uri' does not match the redirection URI used in the authorization request."),
  verifier_missing: oauthError(400, "invalid_request", "PKCE code verifier is required when the parameter code_challenge is included in the authorize request."),
  verifier_invalid: oauthError(400, "invalid_grant", "PKCE verification failed."),
  refresh_invalid: oauthError(400, "invalid_grant", "The refresh token is invalid or expired."),
  token_invalid: oauthError(400, "invalid_request", "The token is invalid."),
  unsupported_token_type: oauthError(400, "unsupported_token_type", "The token type is not supported."),
};

/**
 * Okta's predefined `acr_values` (developer.okta.com, "Step-up authentication using ACR values"),
 * both authorization servers; any other value is ignored. What each needs of the sign-in, and the
 * `amr` a sign-in that met it with two factors reports (Okta's AMR table: password `pwd`, Okta
 * Verify TOTP `otp`, WebAuthn `pop`, FastPass `okta_verify` + `phr`; `mfa` with two factors).
 */
const ACR: ReadonlyMap<string, { mfa: "no" | "required" | "ifpossible"; amr?: readonly string[] }> = new Map([
  ["urn:okta:loa:1fa:any", { mfa: "no" }],
  ["urn:okta:loa:1fa:pwd", { mfa: "no" }],
  ["urn:okta:loa:2fa:any", { mfa: "required" }],
  ["urn:okta:loa:2fa:any:ifpossible", { mfa: "ifpossible" }],
  ["phr", { mfa: "required", amr: ["pwd", "mfa", "pop"] }],
  ["phrh", { mfa: "required", amr: ["pwd", "mfa", "okta_verify", "phr"] }],
]);
/** Password, then an Okta Verify code. */
const MFA_AMR = ["pwd", "mfa", "otp"];

/**
 * The first supported value, in the client's order of preference, is the one Okta reports in `acr`.
 * `mfa: "never"` is a user with no second factor: `ifpossible` falls back to the password alone, a
 * value that needs two factors ends in `unmet_authentication_requirements` at the redirect URI.
 */
function assurance(acrValues: string[], mfa: "always" | "never" | undefined): AuthOutcome {
  const acr = acrValues.find((v) => ACR.has(v));
  const rule = acr === undefined ? undefined : ACR.get(acr);
  if (rule?.mfa === "required" && mfa === "never") {
    return { error: "unmet_authentication_requirements", description: "The user was unable to satisfy the requested authentication requirements." };
  }
  const done = mfa === "always" || (mfa !== "never" && rule !== undefined && rule.mfa !== "no");
  return { mfa: done, amr: done ? [...(rule?.amr ?? MFA_AMR)] : ["pwd"], ...(acr !== undefined ? { acr } : {}) };
}

/** The org's identity-provider id, as in Okta's `idp` claim for users of the Okta directory. */
const ORG_IDP = "00ofedgate0org000001";

function userClaims(ctx: { user: TokenContext["user"]; grant: TokenContext["grant"] }) {
  const { user, grant } = ctx;
  return compact({
    ...(has(grant.scope, "profile") ? { name: user.name, preferred_username: user.email } : {}),
    ...(has(grant.scope, "email") ? { email: user.email, email_verified: user.emailVerified } : {}),
    ...(has(grant.scope, "groups") ? { groups: user.groups } : {}),
  });
}

function okta(o: { id: ProviderId; issuerPath: string; base: string; accessKey: "signing" | "unpublished" }): Provider {
  const v1 = `${o.base}/v1`;
  const accessAud = (issuer: string) => (o.id === "okta" ? "api://default" : issuer);
  return {
    id: o.id,
    tenant: "okta",
    issuerPath: o.issuerPath,
    paths: {
      discovery: `${o.issuerPath}/.well-known/openid-configuration`,
      jwks: `${v1}/keys`,
      authorize: `${v1}/authorize`,
      token: `${v1}/token`,
      userinfo: `${v1}/userinfo`,
      revoke: `${v1}/revoke`,
      logout: `${v1}/logout`,
      introspect: `${v1}/introspect`,
    },
    pkceMethods: ["S256"],
    authMethods: ["client_secret_basic", "client_secret_post"],
    codeTtl: 300,
    accessTtl: 3600,
    atHash: true,
    revocation: { clientAuth: true, refreshOnly: false, unknownIsError: false },
    logout: { redirectParam: "post_logout_redirect_uri", passState: true },
    offline: (_params, scope) => scope.includes("offline_access"),
    refreshToken: (random) => random.slice(0, 43),
    discovery: (issuer, url: (e: Endpoint) => string | undefined) => ({
      issuer,
      authorization_endpoint: url("authorize"),
      token_endpoint: url("token"),
      userinfo_endpoint: url("userinfo"),
      jwks_uri: url("jwks"),
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid", "profile", "email", "address", "phone", "offline_access", "groups"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      claims_supported: ["iss", "ver", "sub", "aud", "iat", "exp", "jti", "auth_time", "amr", "idp", "nonce", "name", "preferred_username", "email", "email_verified", "groups", "at_hash"],
      acr_values_supported: [...ACR.keys()],
      code_challenge_methods_supported: ["S256"],
      introspection_endpoint: url("introspect"),
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      revocation_endpoint: url("revoke"),
      revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      end_session_endpoint: url("logout"),
      request_parameter_supported: false,
    }),
    authorizationResponseExtras: () => ({}),
    assurance,
    // Refreshed tokens keep the original sign-in's acr and auth_time (Okta's step-up guide).
    idTokenClaims: (ctx) =>
      compact({
        sub: ctx.user.id,
        ...userClaims(ctx),
        ver: 1,
        iss: ctx.issuer,
        aud: ctx.client.clientId,
        iat: ctx.now,
        exp: ctx.now + 3600,
        jti: `ID.${ctx.jti}`,
        amr: ctx.grant.amr ?? ["pwd"],
        acr: ctx.grant.acr,
        idp: ORG_IDP,
        nonce: ctx.grant.nonce,
        auth_time: ctx.grant.authTime,
      }),
    accessToken: (ctx): AccessTokenPlan => ({
      kind: "jwt",
      key: o.accessKey,
      claims: compact({
        ver: 1,
        jti: `AT.${randomId(24)}`,
        iss: ctx.issuer,
        aud: accessAud(ctx.issuer),
        iat: ctx.now,
        exp: ctx.now + 3600,
        acr: ctx.grant.acr,
        cid: ctx.client.clientId,
        uid: ctx.user.id,
        scp: ctx.grant.scope,
        auth_time: ctx.grant.authTime,
        sub: ctx.user.email,
        ...(has(ctx.grant.scope, "groups") ? { groups: ctx.user.groups } : {}),
      }),
    }),
    userinfo: (ctx) => ({ sub: ctx.user.id, ...userClaims(ctx), ...(has(ctx.grant.scope, "profile") ? { locale: "en-US", zoneinfo: "America/Los_Angeles", updated_at: 1767225600 } : {}) }),
    tokenResponse: (f) =>
      compact({ token_type: "Bearer", expires_in: 3600, access_token: f.access_token, scope: f.scope, refresh_token: f.refresh_token, id_token: f.id_token }),
    renderError: (endpoint, code): ErrorRendering => {
      if (endpoint === "userinfo") {
        // Okta: 401, empty body, the reason only in WWW-Authenticate.
        return { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token", error_description="The access token is invalid."' } };
      }
      return TOKEN_ERRORS[code];
    },
    introspection: (ctx) =>
      compact({
        active: true,
        scope: ctx.grant.scope.join(" "),
        username: ctx.user.email,
        exp: ctx.expiresAt,
        iat: ctx.issuedAt,
        sub: ctx.user.email,
        aud: ctx.kind === "id" ? ctx.grant.clientId : accessAud(ctx.issuer),
        iss: ctx.issuer,
        token_type: ctx.kind === "refresh" ? "refresh_token" : "Bearer",
        client_id: ctx.grant.clientId,
        uid: ctx.user.id,
      }),
  };
}

export const oktaCustom = okta({ id: "okta", issuerPath: "/okta/oauth2/default", base: "/okta/oauth2/default", accessKey: "signing" });
export const oktaOrg = okta({ id: "okta-org", issuerPath: "/okta", base: "/okta/oauth2", accessKey: "unpublished" });
