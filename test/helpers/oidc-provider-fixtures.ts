/**
 * What the suite's real generic upstream, node-oidc-provider (test/helpers/node/oidc-provider.ts),
 * is configured with: its accounts, clients and resource servers. Plain data, no imports, so the
 * Node side (which starts it) and the workerd tests (which sign in there) share one copy.
 */

/** Fedgate provider ids the clients' redirect URIs allow: `${ISSUER}/auth/callback/<id>`. */
export const NODE_OIDC_PROVIDER_IDS = ["node-oidc", "node-oidc-rs256", "node-oidc-es256", "node-oidc-eddsa", "node-oidc-ed25519"] as const;

/** One secret for every client: they are test clients on a loopback server that lives for one run. */
export const NODE_OIDC_CLIENT_SECRET = "node-oidc-test-secret-0123456789abcdef";

/**
 * Confidential clients (client_secret_post, PKCE S256 required), one per ID token algorithm.
 * `EdDSA` is the algorithm that broke the generic kind (issue 10); `Ed25519` is its RFC 9864 name.
 */
export const NODE_OIDC_CLIENTS = {
  rs256: { clientId: "fedgate-rs256", alg: "RS256" },
  es256: { clientId: "fedgate-es256", alg: "ES256" },
  eddsa: { clientId: "fedgate-eddsa", alg: "EdDSA" },
  ed25519: { clientId: "fedgate-ed25519", alg: "Ed25519" },
} as const;

export type NodeOidcClient = keyof typeof NODE_OIDC_CLIENTS;

/** The email domain the tests map to node-oidc-provider (home realm discovery). */
export const NODE_OIDC_DOMAIN = "oidc.example";

/** Seeded accounts; the login path signs one in by its id (`?login=<id>`). */
export const NODE_OIDC_ACCOUNTS = {
  nora: { email: "nora@oidc.example", email_verified: true, name: "Nora Node" },
  uma: { email: "uma@oidc.example", email_verified: false, name: "Uma Unverified" },
  otto: { email: "otto@oidc.example", email_verified: true, name: "Otto Opaque" },
} as const;

export type NodeOidcAccount = keyof typeof NODE_OIDC_ACCOUNTS;

/**
 * Resource servers (RFC 8707): an access token requested for one is an RFC 9068 JWT with that `aud`;
 * without a resource the access token is opaque (and good at userinfo).
 */
export const NODE_OIDC_RESOURCES = {
  api: "https://api.oidc.example",
  other: "https://other.oidc.example",
} as const;

/** The scope each resource server grants. */
export const NODE_OIDC_RESOURCE_SCOPE = "api:read";

/**
 * The authentication context classes node-oidc-provider is configured with. Its login asks for a
 * second factor when the request's `acr_values` name `mfa`: then the login's `acr` is `mfa` and its
 * `amr` ["pwd", "otp"]; otherwise `pwd` and ["pwd"]. The ID token carries `acr` when `acr_values`
 * asked for one, and `amr` only to a `claims` request.
 */
export const NODE_OIDC_ACR = { pwd: "urn:fedgate:test:acr:pwd", mfa: "urn:fedgate:test:acr:mfa" } as const;
