/**
 * Request and response schemas of the admin API (zod/mini). Request bodies are strict objects, so a
 * misspelt field is an error, not a silent no-op. Create schemas carry defaults; patch schemas do
 * not, so a patch never resets what it does not name.
 */
import * as z from "zod/mini";
import { GRANT_TYPES } from "../registry/clients";
import { normaliseDomain } from "../registry/domains";
import { canonicalOrigin } from "../registry/origins";
import { normaliseCidr } from "../security/ip-rules";
import { JWS_ALGORITHMS } from "../security/jws-algorithms";
import { isLoopback, isSecureOrLoopback } from "../urls";
import { ScopeToken, Seconds, text, Timestamps } from "./schema-parts";

export { ProviderCreate, ProviderPatch, ProviderView } from "./provider-schemas";



const Cidr = z.string().check(
  z.refine((value) => normaliseCidr(value) !== undefined, "must be a CIDR such as 203.0.113.0/24 or 2001:db8::/48, with host bits zero"),
);
const IpRules = z.object({
  allow: z._default(z.array(Cidr).check(z.maxLength(100)), []),
  deny: z._default(z.array(Cidr).check(z.maxLength(100)), []),
});

/** Why a redirect URI is unacceptable, or undefined (RFC 6749 §3.1.2, RFC 8252, RFC 9700 §2.1). */
function redirectUriProblem(uri: string): string | undefined {
  if (!URL.canParse(uri)) return "must be an absolute URI";
  const url = new URL(uri);
  if (uri.includes("#")) return "must not contain a fragment";
  if (url.username || url.password) return "must not contain credentials";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:") return isLoopback(url) ? undefined : "may use http only on a loopback host (127.0.0.1, [::1], localhost)";
  // Native apps' private-use schemes are reverse domain names (RFC 8252 §7.1).
  return /^[a-z][a-z0-9+-]*\.[a-z0-9.+-]+:$/.test(url.protocol) ? undefined : "must use https, loopback http, or a reverse-domain private-use scheme";
}

const RedirectUri = z.string().check(
  z.maxLength(2000),
  z.check((ctx) => {
    const problem = redirectUriProblem(ctx.value);
    if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
  }),
);
const RedirectUris = z.array(RedirectUri).check(z.maxLength(20));

/** A web origin for credentialed CORS: https, or http on a loopback host, exactly as browsers send it. */
const AllowedOrigin = z.string().check(
  z.refine((value) => {
    const origin = canonicalOrigin(value);
    return origin !== undefined && isSecureOrLoopback(new URL(origin));
  }, "must be an origin such as https://app.example.com (scheme://host[:port], no path, no trailing slash; http only on a loopback host)"),
);
const AllowedOrigins = z.array(AllowedOrigin).check(
  z.maxLength(20),
  z.describe(
    "Origins whose browser code may call the token, userinfo, revoke, introspect and logout endpoints with credentials " +
      "(CORS; SECURITY.md AS-14). Absent (or null in a patch): the origins of the client's http(s) redirect URIs.",
  ),
);


const TokenLifetimes = z.object({
  accessTokenSeconds: z._default(Seconds(60, 86_400), 3600),
  idTokenSeconds: z._default(Seconds(60, 86_400), 3600),
  refreshTokenSeconds: z._default(Seconds(300, 31_536_000), 2_592_000),
});

/** Per-client token rate (SECURITY.md AB-1): token requests per minute per client. */
const RateLimits = z.strictObject({ tokenPerMinute: z.optional(z.int().check(z.gte(1), z.lte(100_000))) });

/** The refresh-token reuse grace (SECURITY.md AS-4), like Okta's grace period and Auth0's reuse interval. */
const ReuseGrace = z.int().check(
  z.gte(0), z.lte(60),
  z.describe(
    "Seconds (0-60) after a refresh token's rotation during which reusing the rotated-away token is refused (invalid_grant) " +
      "without revoking its family, for clients that race themselves. 0 (default): any reuse revokes the whole family. " +
      "A deliberate trade: within the grace, a thief who rotated first keeps the family.",
  ),
);

// ---- projects
const SignInOptions = z.object({
  listProviders: z._default(z.boolean().check(z.describe("Offer the project's providers on the sign-in page when an email's domain is unmapped.")), false),
});
const TokenExchangeOptions = z.object({
  allowPublicClients: z._default(
    z.boolean().check(z.describe("Let public clients (no secret, e.g. a browser app) exchange upstream tokens (RFC 8693).")),
    false,
  ),
});
const ForwardAuthOptions = z.object({
  acceptUpstreamTokens: z._default(
    z.boolean().check(
      z.describe(
        "Let /auth/verify?project=<id> also accept the project's providers' JWT access and ID tokens, judged by each provider's exchange " +
          "policy, for users already linked (a migration: an API takes both Fedgate's and the old provider's tokens). Default false.",
      ),
    ),
    false,
  ),
});
/** Broker session lifetimes (README "Broker sessions"): idle within absolute. */
const SessionLifetimes = z.object({
  idleSeconds: Seconds(300, 2_592_000).check(z.describe("A session unused this long (5 minutes to 30 days) ends; every sign-in with it starts the wait again. Default 86400 (1 day).")),
  maxSeconds: Seconds(300, 31_536_000).check(z.describe("A session ends this long after it began (5 minutes to 365 days), however much it is used. Default 604800 (7 days).")),
}).check(
  z.refine((lifetimes) => lifetimes.idleSeconds <= lifetimes.maxSeconds, { message: "must not be longer than maxSeconds (the absolute lifetime)", path: ["idleSeconds"] }),
  z.describe(
    "Broker sessions: how long a browser that signed in to one of the project's apps is signed in to the others without its identity " +
      "provider. Absent: 1 day idle, 7 days absolute. A change applies to sessions begun after it.",
  ),
);
const ProjectRequireMfa = z.boolean().check(
  z.describe("Every sign-in to the project's apps needs multi-factor authentication at a provider whose authentication context is trusted (default false)."),
);
export const ProjectCreate = z.strictObject({
  name: text(200),
  ipRules: z._default(IpRules, { allow: [], deny: [] }),
  signIn: z._default(SignInOptions, { listProviders: false }),
  tokenExchange: z._default(TokenExchangeOptions, { allowPublicClients: false }),
  forwardAuth: z._default(ForwardAuthOptions, { acceptUpstreamTokens: false }),
  rateLimits: z.optional(RateLimits),
  sessions: z.optional(SessionLifetimes),
  requireMfa: z._default(ProjectRequireMfa, false),
});
export const ProjectPatch = z.strictObject({
  name: z.optional(text(200)), ipRules: z.optional(IpRules), signIn: z.optional(SignInOptions),
  tokenExchange: z.optional(TokenExchangeOptions), forwardAuth: z.optional(ForwardAuthOptions), rateLimits: z.optional(RateLimits),
  /** null: back to the defaults. */
  sessions: z.optional(z.nullable(SessionLifetimes)), requireMfa: z.optional(ProjectRequireMfa),
});
export const ProjectView = z.object({
  id: z.string(), name: z.string(), ipRules: IpRules, signIn: z.optional(SignInOptions), tokenExchange: z.optional(TokenExchangeOptions),
  forwardAuth: z.optional(ForwardAuthOptions), rateLimits: z.optional(RateLimits), sessions: z.optional(SessionLifetimes), requireMfa: z.optional(ProjectRequireMfa), ...Timestamps,
});

// ---- admin API keys
export const ApiKeyCreate = z.strictObject({ name: text(200) });
export const ApiKeyView = z.object({ id: z.string(), projectId: z.string(), name: z.string(), createdAt: z.string() });
export const ApiKeyCreated = z.object({
  id: z.string(), projectId: z.string(), name: z.string(), createdAt: z.string(),
  token: z.string().check(z.describe("The API key, shown only now: `fgk.<projectId>.<keyId>.<secret>`.")),
});
export const ProjectCreated = z.object({ project: ProjectView, apiKey: ApiKeyCreated });

// ---- clients
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;
/** The curve each ECDSA algorithm signs with (RFC 7518 §3.4). */
const EC_CURVES: ReadonlyMap<string, string> = new Map([["ES256", "P-256"], ["ES384", "P-384"], ["ES512", "P-521"]]);
/** A public key for private_key_jwt: RSA, EC (P-256, P-384, P-521) or Ed25519, never a private or symmetric key. */
const PublicJwk = z.looseObject({
  kty: z.enum(["RSA", "EC", "OKP"]),
  kid: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  alg: z.optional(z.enum(JWS_ALGORITHMS)),
  use: z.optional(z.literal("sig")),
}).check(
  z.refine((jwk) => PRIVATE_MEMBERS.every((member) => !(member in jwk)), "must be a public key: no private members (d, p, q, dp, dq, qi, oth, k)"),
  z.refine((jwk) => jwk.kty !== "RSA" || (typeof jwk["n"] === "string" && typeof jwk["e"] === "string" && (jwk["n"] as string).length >= 342), "an RSA key needs n (2048 bits or more) and e"),
  z.refine((jwk) => jwk.kty !== "EC" || ([...EC_CURVES.values()].includes(jwk["crv"] as string) && typeof jwk["x"] === "string" && typeof jwk["y"] === "string"), "an EC key must be P-256, P-384 or P-521 with x and y"),
  z.refine((jwk) => {
    if (jwk.alg === undefined) return true;
    if (jwk.kty === "EC") return EC_CURVES.get(jwk.alg) === jwk["crv"];
    return jwk.kty === "OKP" ? jwk.alg === "EdDSA" || jwk.alg === "Ed25519" : /^(RS|PS)/.test(jwk.alg);
  }, "alg must match the key type (and an EC key's curve)"),
  z.refine((jwk) => jwk.kty !== "OKP" || (jwk["crv"] === "Ed25519" && typeof jwk["x"] === "string"), "an OKP key must be Ed25519 with x"),
);
const Jwks = z.strictObject({ keys: z.array(PublicJwk).check(z.minLength(1), z.maxLength(10)) });
const Audience = z.string().check(z.minLength(1), z.maxLength(500), z.regex(/^\S+$/, "must not contain spaces"));
const IdTokenAlg = z.enum(["ES256", "RS256"]).check(
  z.describe(
    "RFC 7591 `id_token_signed_response_alg`: the algorithm of this client's ID tokens, ES256 or RS256 (for relying parties " +
      "that only verify RS256, OpenID Connect's default). Absent: the deployment's SIGNING_ALG (ES256 unless set). " +
      "Access tokens are ES256 regardless.",
  ),
);

const ClientRequireMfa = z.boolean().check(
  z.describe(
    "Sign-ins to this client need multi-factor authentication at a provider whose authentication context is trusted, whatever the " +
      "project's requireMfa says (default false). A broker session whose sign-in was not multi-factor does not serve it.",
  ),
);

const BackchannelLogoutUri = z.string().check(
  z.maxLength(2000),
  z.refine((value) => {
    if (!URL.canParse(value) || value.includes("#")) return false;
    const url = new URL(value);
    return !url.username && !url.password && isSecureOrLoopback(url);
  }, "must be an absolute https URL (http only on a loopback host), without a fragment or credentials"),
  z.describe(
    "OpenID Connect Back-Channel Logout 1.0 `backchannel_logout_uri`: when a broker session this client signed in with ends " +
      "(logout, API sign-out, an admin revoking it, its user disabled), Fedgate posts a signed `logout_token` here " +
      "(form-encoded), off the request path, retrying for ~20 minutes until it answers 2xx. Absent (or null in a patch): not told.",
  ),
);

const ClientFields = {
  name: text(200),
  redirectUris: RedirectUris,
  postLogoutRedirectUris: RedirectUris,
  grantTypes: z.array(z.enum(GRANT_TYPES)).check(z.minLength(1), z.maxLength(GRANT_TYPES.length)),
  scopes: z.array(ScopeToken).check(z.maxLength(100)),
  tokenLifetimes: TokenLifetimes,
  providerId: z.nullable(z.string()),
  ipRules: IpRules,
};
export const ClientCreate = z.strictObject({
  name: ClientFields.name,
  kind: z.enum(["public", "confidential"]),
  redirectUris: z._default(ClientFields.redirectUris, []),
  allowedOrigins: z.optional(AllowedOrigins),
  postLogoutRedirectUris: z._default(ClientFields.postLogoutRedirectUris, []),
  grantTypes: z._default(ClientFields.grantTypes, ["authorization_code", "refresh_token"]),
  scopes: z._default(ClientFields.scopes, ["openid", "profile", "email", "offline_access"]),
  tokenLifetimes: z._default(TokenLifetimes, { accessTokenSeconds: 3600, idTokenSeconds: 3600, refreshTokenSeconds: 2_592_000 }),
  providerId: z._default(ClientFields.providerId, null),
  ipRules: z._default(IpRules, { allow: [], deny: [] }),
  jwks: z.optional(Jwks),
  audiences: z.optional(z.array(Audience).check(z.maxLength(20))),
  rateLimits: z.optional(RateLimits),
  refreshTokenReuseGraceSeconds: z._default(ReuseGrace, 0),
  idTokenSignedResponseAlg: z.optional(IdTokenAlg),
  requireMfa: z._default(ClientRequireMfa, false),
  backchannelLogoutUri: z.optional(BackchannelLogoutUri),
});
export const ClientPatch = z.strictObject({
  name: z.optional(ClientFields.name),
  redirectUris: z.optional(ClientFields.redirectUris),
  /** null: back to the redirect URIs' origins. */
  allowedOrigins: z.optional(z.nullable(AllowedOrigins)),
  postLogoutRedirectUris: z.optional(ClientFields.postLogoutRedirectUris),
  grantTypes: z.optional(ClientFields.grantTypes),
  scopes: z.optional(ClientFields.scopes),
  tokenLifetimes: z.optional(TokenLifetimes),
  providerId: z.optional(ClientFields.providerId),
  ipRules: z.optional(IpRules),
  jwks: z.optional(z.nullable(Jwks)),
  audiences: z.optional(z.array(Audience).check(z.maxLength(20))),
  rateLimits: z.optional(RateLimits),
  refreshTokenReuseGraceSeconds: z.optional(ReuseGrace),
  /** null: back to the deployment's default. */
  idTokenSignedResponseAlg: z.optional(z.nullable(IdTokenAlg)),
  requireMfa: z.optional(ClientRequireMfa),
  /** null: not told any more. */
  backchannelLogoutUri: z.optional(z.nullable(BackchannelLogoutUri)),
});
/** The optional body of a secret rotation. */
export const SecretRotation = z.strictObject({
  overlapSeconds: z._default(
    z.int().check(z.gte(0), z.lte(604_800), z.describe("How long the previous secret keeps working (0 to 7 days); 0: it stops at once.")),
    0,
  ),
});
export const ClientView = z.object({
  id: z.string(), projectId: z.string(), name: z.string(), kind: z.enum(["public", "confidential"]),
  redirectUris: z.array(z.string()),
  allowedOrigins: z.array(z.string()).check(z.describe("The origins in effect: the registered ones, or the redirect URIs' origins.")),
  allowedOriginsFromRedirectUris: z.boolean().check(z.describe("True when no origins were registered and the redirect URIs' origins apply.")),
  postLogoutRedirectUris: z.array(z.string()), grantTypes: z.array(z.enum(GRANT_TYPES)),
  scopes: z.array(z.string()), tokenLifetimes: TokenLifetimes, providerId: z.nullable(z.string()), ipRules: IpRules,
  hasSecret: z.boolean(), secretRotatedAt: z.optional(z.string()),
  previousSecretExpiresAt: z.optional(z.string().check(z.describe("Until when the secret before the last rotation is still accepted."))),
  jwks: z.optional(Jwks), audiences: z.optional(z.array(z.string())), rateLimits: z.optional(RateLimits),
  refreshTokenReuseGraceSeconds: ReuseGrace, idTokenSignedResponseAlg: z.optional(IdTokenAlg), requireMfa: ClientRequireMfa,
  backchannelLogoutUri: z.optional(BackchannelLogoutUri), ...Timestamps,
});
export const ClientWithSecret = z.object({
  client: ClientView,
  clientSecret: z.optional(z.string().check(z.describe("The client secret, shown only now."))),
});

// ---- domain mappings
const Domain = z.string().check(
  z.maxLength(253),
  z.refine((value) => normaliseDomain(value) !== undefined, "must be a DNS domain name such as example.com"),
);
export const DomainCreate = z.strictObject({ domain: Domain, providerId: text(100) });
export const DomainPatch = z.strictObject({ providerId: text(100) });
const VerifiedBy = z.optional(z.enum(["dns", "operator"]));
export const DomainView = z.object({ domain: z.string(), projectId: z.string(), providerId: z.string(), verified: z.boolean(), verifiedBy: VerifiedBy, ...Timestamps });
/** A DNS challenge: the TXT record to publish, and where the project's ownership stands. */
export const DomainChallengeView = z.object({
  domain: z.string(), projectId: z.string(), recordName: z.string(), recordType: z.literal("TXT"), recordValue: z.string(), createdAt: z.string(),
  verified: z.boolean(), verifiedBy: VerifiedBy,
});
/** A check that found the record. */
export const DomainProofView = z.object({ domain: z.string(), projectId: z.string(), recordName: z.string(), verified: z.literal(true), verifiedBy: z.enum(["dns", "operator"]) });

// ---- users
const Email = z.string().check(z.maxLength(320), z.email());
const ExternalIdSchema = z.strictObject({ providerId: text(100), subject: text(500) });
const Roles = z.array(
  z.string().check(z.regex(/^(operator|admin:prj_[a-z2-7]{16})$/, 'must be "operator" or "admin:<projectId>"')),
).check(
  z.maxLength(50),
  z.describe(
    "Admin roles, effective on users of the operator project (CONSOLE_PROJECT_ID) who sign in to the admin console: " +
      '"operator" administers every project, "admin:<projectId>" that project. Only the operator may set them.',
  ),
);
export const UserCreate = z.strictObject({
  email: z._default(z.nullable(Email), null),
  emailVerified: z._default(z.boolean(), false),
  name: z._default(z.nullable(text(200)), null),
  externalIds: z._default(z.array(ExternalIdSchema).check(z.maxLength(20)), []),
  roles: z.optional(Roles),
});
export const UserPatch = z.strictObject({
  email: z.optional(z.nullable(Email)),
  emailVerified: z.optional(z.boolean()),
  name: z.optional(z.nullable(text(200))),
  disabled: z.optional(z.boolean()),
  roles: z.optional(Roles),
});
export const ExternalIdInput = ExternalIdSchema;
export const UserView = z.object({
  id: z.string(), projectId: z.string(), email: z.nullable(z.string()), emailVerified: z.boolean(), name: z.nullable(z.string()),
  externalIds: z.array(z.object({ providerId: z.string(), subject: z.string() })), disabled: z.boolean(), roles: z.optional(z.array(z.string())),
  mappedRoles: z.optional(
    z.array(z.string()).check(
      z.describe("Roles the signing-in provider's role mappings granted at the user's last sign-in or token exchange; replaced each time, never set by hand, never admin roles."),
    ),
  ),
  ...Timestamps,
});

// ---- broker sessions
export const SessionView = z.object({
  id: z.string().check(z.describe("The session id (`ses_…`): the `sid` of the tokens issued within it.")),
  providerId: z.string().check(z.describe("The identity provider the person authenticated with.")),
  authTime: z.string().check(z.describe("When the person last authenticated upstream.")),
  amr: z.array(z.string()).check(z.describe('How (RFC 8176 methods) as a trusted provider said; ["fed"] when the provider is not trusted.')),
  acr: z.optional(z.string()),
  mfa: z.boolean().check(z.describe("Whether that authentication was multi-factor (judged when it happened).")),
  clients: z.array(z.object({ clientId: z.string(), lastSignInAt: z.string() })).check(z.describe("The apps signed in with the session.")),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string().check(z.describe("The absolute end (the project's maxSeconds after it began).")),
  idleExpiresAt: z.string().check(z.describe("When it ends unless used again (lastSeenAt plus the project's idleSeconds).")),
  userAgent: z.optional(z.string()),
});
export const SessionList = z.object({ items: z.array(SessionView) });
export const SessionsEnded = z.object({ ended: z.int().check(z.describe("How many sessions this ended.")) });

// ---- audit
export const AuditEventView = z.object({
  id: z.string(), at: z.string(), projectId: z.string(),
  actor: z.object({
    kind: z.enum(["operator", "api-key", "client", "user", "anonymous", "system", "setup-link"]),
    linkId: z.optional(z.string()), organization: z.optional(z.string()),
    keyId: z.optional(z.string()), clientId: z.optional(z.string()), userId: z.optional(z.string()), job: z.optional(z.string()),
    projectId: z.optional(z.string().check(z.describe("A console user's own project (the operator project), when not the event's."))),
    email: z.optional(z.string()),
  }),
  action: z.string(), target: z.object({ type: z.string(), id: z.string() }), outcome: z.enum(["success", "failure"]),
  before: z.optional(z.unknown()), after: z.optional(z.unknown()), reason: z.optional(z.string()),
  ip: z.nullable(z.string()), requestId: z.string(),
});

/** A page of `item`. */
export const Page = <T extends z.ZodMiniType>(item: T) => z.object({ items: z.array(item), nextCursor: z.optional(z.string()) });
