/** Shared shapes of the emulators: seeded data, grants, and the one interface every provider implements. */

/** The five emulated issuers (Okta has two authorization servers). */
export type ProviderId = "auth0" | "okta" | "okta-org" | "google" | "cognito";
/** A seeded user / client set; both Okta authorization servers share the `okta` tenant. */
export type Tenant = "auth0" | "okta" | "google" | "cognito";

export const PROVIDER_IDS: readonly ProviderId[] = ["auth0", "okta", "okta-org", "google", "cognito"];

/** Endpoint names, used for routing, fault switches and discovery. */
export type Endpoint =
  | "discovery"
  | "jwks"
  | "authorize"
  | "token"
  | "userinfo"
  | "revoke"
  | "logout"
  | "introspect"
  | "tokeninfo";

export interface User {
  id: string;
  email: string;
  password: string;
  emailVerified: boolean;
  name: string;
  nickname?: string;
  username?: string;
  groups: string[];
  hd?: string;
}

export interface Client {
  clientId: string;
  /** Absent for public clients, which must use PKCE. */
  clientSecret?: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  allowLoopbackRedirects?: boolean;
}

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "none";

/** What one successful sign-in granted: the source of every token minted for it. */
export interface Grant {
  id: string;
  provider: ProviderId;
  clientId: string;
  userId: string;
  scope: string[];
  nonce?: string;
  /** When the provider last authenticated the user (earlier than the sign-in under `authAge`). */
  authTime: number;
  /** Whether the sign-in did a second factor (`mfa` switch, or `acr_values` the provider honours). */
  mfa: boolean;
  /** The `acr_values` asked for, in order (empty when none). */
  acrValues: string[];
  /** The acr the provider reports as satisfied, and its `amr`; absent where it reports none. */
  acr?: string;
  amr?: string[];
  /** `max_age` from the authorization request, when it was a whole number. */
  maxAge?: number;
  /** Auth0's `audience` (API identifier); makes the access token a JWT. */
  audience?: string;
  sid: string;
  revoked: boolean;
  /** Whether the sign-in asked for a refresh token. */
  offline: boolean;
}

/** Everything a provider needs to shape one token. */
export interface TokenContext {
  issuer: string;
  grant: Grant;
  user: User;
  client: Client;
  now: number;
  /** Unique id for this issuance (jti / event ids). */
  jti: string;
  /** Minted for a refresh grant rather than a code. */
  refresh: boolean;
}

/** What a sign-in's authentication achieved, or the error a provider answers when it cannot meet the request. */
export type AuthOutcome =
  | { mfa: boolean; acr?: string; amr?: string[] }
  | { error: string; description: string };

export type JWTPayload = Record<string, unknown>;

/** How a provider mints its access token. */
export type AccessTokenPlan =
  | { kind: "opaque"; value: string }
  /** `key`: "signing" = the published ID-token key, "access" = a second published key (Cognito),
   *  "unpublished" = a key never put in the JWKS (Okta org AS). */
  | { kind: "jwt"; claims: JWTPayload; key: "signing" | "access" | "unpublished" };

/** Failure codes raised by the shared OAuth code; each provider renders them in its own format. */
export type ErrorCode =
  | "invalid_request"
  | "client_auth_missing"
  | "client_auth_failed"
  | "unsupported_grant_type"
  | "code_invalid"
  | "code_reused"
  | "redirect_mismatch"
  | "verifier_missing"
  | "verifier_invalid"
  | "refresh_invalid"
  | "token_invalid"
  | "unsupported_token_type";

export class EmuError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail = "",
  ) {
    super(`${code}${detail ? `: ${detail}` : ""}`);
  }
}

export interface ErrorRendering {
  status: number;
  body?: string | JWTPayload;
  headers?: Record<string, string>;
}

/**
 * One emulated provider: its paths, discovery document, claim shaping, client-auth methods and
 * error format. The OAuth mechanics (codes, PKCE, token storage, switches) live in shared code.
 */
export interface Provider {
  id: ProviderId;
  tenant: Tenant;
  /** Issuer path on the origin, exactly as the issuer string ends (e.g. "/auth0/"). */
  issuerPath: string;
  /** Absolute paths on the origin; a missing entry means the provider has no such endpoint. */
  paths: Partial<Record<Endpoint, string>>;
  pkceMethods: readonly ("S256" | "plain")[];
  authMethods: readonly ClientAuthMethod[];
  /** Authorization-code lifetime in seconds. */
  codeTtl: number;
  /** Seconds an access token lives. */
  accessTtl: number;
  discovery(issuer: string, url: (e: Endpoint) => string | undefined): JWTPayload;
  /** Whether ID tokens carry `at_hash`. */
  atHash: boolean;
  /** `typ` in JWT headers, for providers that set one. */
  jwtTyp?: string;
  revocation: { clientAuth: boolean; refreshOnly: boolean; unknownIsError: boolean };
  /** Absent: the provider has no end-session endpoint (Google). */
  logout?: { redirectParam: "post_logout_redirect_uri" | "logout_uri"; passState: boolean };
  /** Formats a refresh token around fresh randomness (each provider's refresh tokens look different). */
  refreshToken(random: string): string;
  /** Extra headers on a successful userinfo response (Auth0's rate-limit headers). */
  userinfoHeaders?: Record<string, string>;
  /** Whether a sign-in with these authorize parameters gets a refresh token. */
  offline(params: Record<string, string>, scope: string[]): boolean;
  /** Extra parameters on the authorization response (Google adds iss, scope, authuser). */
  authorizationResponseExtras(ctx: { issuer: string; grant: Grant }): Record<string, string>;
  /**
   * How the provider answers `acr_values` (space-split, in order) under the `mfa` switch. Absent:
   * it ignores `acr_values` and reports no acr/amr (Google, Cognito); MFA follows the switch alone.
   */
  assurance?(acrValues: string[], mfa: "always" | "never" | undefined): AuthOutcome;
  idTokenClaims(ctx: TokenContext): JWTPayload;
  accessToken(ctx: TokenContext): AccessTokenPlan;
  userinfo(ctx: { user: User; grant: Grant }): JWTPayload;
  /** Shape of the token endpoint's success body; `refresh` says whether it answers a refresh grant. */
  tokenResponse(
    fields: { access_token: string; id_token?: string; refresh_token?: string; scope: string },
    refresh: boolean,
  ): JWTPayload;
  renderError(endpoint: Endpoint, code: ErrorCode, detail: string): ErrorRendering;
  /** Okta's /introspect body for a live token. */
  introspection?(ctx: IntrospectionContext): JWTPayload;
  /** Google's /tokeninfo body for a live access token or ID token. */
  tokeninfo?(ctx: IntrospectionContext & { idTokenClaims?: JWTPayload; idTokenHeader?: JWTPayload }): JWTPayload;
}

export interface IntrospectionContext {
  issuer: string;
  token: string;
  kind: "access" | "refresh" | "id";
  grant: Grant;
  user: User;
  issuedAt: number;
  expiresAt: number;
  now: number;
}
