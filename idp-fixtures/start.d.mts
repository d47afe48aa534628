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
  /** Sign-in: MFA on every sign-in, or never (even when acr_values asks). Absent: as acr_values asks. */
  mfa?: "always" | "never" | null;
  /** Sign-in: auth_time this many seconds before the sign-in (a reused upstream session). */
  authAge?: number | null;
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

/** One authorization request as the provider received it (test_password left out). */
export interface RecordedRequest {
  params: Record<string, string>;
  /** ISO 8601. */
  at: string;
}

/** One POST to a test RP's back-channel logout endpoint. */
export interface Delivery {
  at: string;
  contentType: string | null;
  /** The form's logout_token (null if not a form, or none). */
  logoutToken: string | null;
  body: string;
}

export interface TestRpState {
  name: string;
  /** Deliveries answered 200, oldest first. */
  received: Delivery[];
  /** Requests answered with an armed failure. */
  failedAttempts: number;
  failures: (Delivery & { status: number })[];
  armed: { failTimes: number; status: number; delayMs: number };
}

/** A test relying party hosted by the emulators (any name of 1-64 [a-z0-9-] exists on first use). */
export interface TestRp {
  /** `${origin}/rp/<name>/backchannel-logout`, to register as a client's backchannel_logout_uri. */
  backchannelLogoutUri: string;
  state(): Promise<TestRpState>;
  /** The next `failTimes` requests answer `status` (default 503); `delayMs` (≤ 30000) delays every answer; 0 clears. */
  arm(options: { failTimes?: number; status?: number; delayMs?: number }): Promise<void>;
  /** Forgets everything it received and any armed failure. */
  forget(): Promise<void>;
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
  /** No scope: reset everything (switches, key rotation, codes, tokens, registered clients, request
   *  logs, test RPs). With clientId (and optionally provider): only that client's switches and request log. */
  reset(scope?: { clientId?: string; provider?: ProviderId }): Promise<void>;
  /** GET /__control/requests: the last 20 authorization requests this client sent this provider, newest last. */
  requests(provider: ProviderId, clientId: string): Promise<RecordedRequest[]>;
  /** A test RP's back-channel logout endpoint (throws on a bad name). */
  rp(name: string): TestRp;
  stop(): Promise<void>;
}

export const ISSUER_PATHS: Record<ProviderId, string>;

/** Starts an emulator instance on 127.0.0.1 at `port` or a random free port. */
export function startEmulators(options?: { port?: number }): Promise<Emulators>;
