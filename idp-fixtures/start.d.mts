/** Types for start.mjs: run the IdP emulators in workerd from Node. */

export type ProviderId = "auth0" | "okta" | "okta-org" | "google" | "cognito";
export type Endpoint = "discovery" | "jwks" | "authorize" | "token" | "userinfo" | "revoke" | "logout" | "introspect" | "tokeninfo";

/** Every switch of POST /__control/<provider> (see idp-fixtures/README.md); `null` clears one. */
export interface Switches {
  /** Scope the client-scopable switches to this client_id. */
  clientId?: string;
  signing?: "unknown-key" | "wrong-key-same-kid" | "alg-none" | "hs256-public-key" | "es256" | null;
  omitKid?: boolean | null;
  iss?: string | null;
  aud?: string | string[] | null;
  extraAudiences?: string[] | null;
  expired?: boolean | null;
  futureIat?: number | null;
  nonce?: string | null;
  invalidAtHash?: boolean | null;
  omitClaims?: string[] | null;
  claims?: Record<string, unknown> | null;
  tokens?: ("id_token" | "access_token")[] | null;
  emailUnverified?: boolean | null;
  userinfoSub?: string | null;
  delay?: { ms: number; endpoints?: Endpoint[] } | null;
  fail?: { status: number; endpoints?: Endpoint[] } | null;
  /** Global only (no clientId). */
  jwks?: "single" | null;
  discovery?: "issuer-mismatch" | "invalid-json" | "missing-jwks-uri" | null;
  /** Actions. rotateKey is global only. */
  rotateKey?: boolean;
  revokeTokens?: boolean;
}

export interface ClientRegistration {
  clientId: string;
  clientSecret?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  allowLoopbackRedirects?: boolean;
}

export interface Emulators {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** Issuer per provider, e.g. issuers.auth0 === `${origin}/auth0/`. */
  issuers: Record<ProviderId, string>;
  /** POST /__control/<provider>; rejects on a 4xx (unknown switch, bad value). */
  control(provider: ProviderId, switches: Switches): Promise<void>;
  /** GET /__control/<provider>: switches in force and the current kids. */
  state(provider: ProviderId): Promise<{ provider: ProviderId; switches: unknown; signingKid: string; publishedKids: string[] }>;
  registerClient(provider: ProviderId, client: ClientRegistration): Promise<void>;
  /** No scope: reset everything (switches, key rotation, codes, tokens, registered clients).
   *  With clientId (and optionally provider): clear only that client's switches. */
  reset(scope?: { clientId?: string; provider?: ProviderId }): Promise<void>;
  stop(): Promise<void>;
}

export const ISSUER_PATHS: Record<ProviderId, string>;

/** Starts an emulator instance on 127.0.0.1 at `port` or a random free port. */
export function startEmulators(options?: { port?: number }): Promise<Emulators>;
