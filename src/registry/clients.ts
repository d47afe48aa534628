/**
 * Client applications. `findClient` is the hot-path lookup: the project is read off the client id,
 * so it is one store read, then an isolate-cache hit for CLIENT_CACHE_TTL_MS.
 */
import type { JWK } from "jose";
import { IsolateCache } from "../cache";
import type { SigningAlg } from "../config";
import { projectOfClient } from "../ids";
import type { IpRules } from "../security/ip-rules";
import * as keys from "../store/keys";
import type { Store, Versioned, WriteResult } from "../store/store";
import { indexOrigins } from "./origins";

export const GRANT_TYPES = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
  "urn:ietf:params:oauth:grant-type:token-exchange",
  "urn:ietf:params:oauth:grant-type:jwt-bearer",
] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

interface TokenLifetimes {
  accessTokenSeconds: number;
  idTokenSeconds: number;
  refreshTokenSeconds: number;
}

export interface Client {
  id: string;
  projectId: string;
  name: string;
  kind: "public" | "confidential";
  /** HMAC of the current secret (security/secrets.ts); confidential clients only. */
  secretHash?: string;
  secretRotatedAt?: string;
  /** The secret before the last rotation, still accepted until `expiresAt` (ISO time). */
  previousSecret?: { hash: string; expiresAt: string };
  /**
   * Public keys for `private_key_jwt` (RFC 7523 §2.2). A client with keys authenticates only with
   * an assertion signed by one of them: its secret, if any, is not accepted.
   */
  jwks?: { keys: JWK[] };
  /** What `resource`/`audience` may name in a client_credentials request (the token's `aud`). */
  audiences?: string[];
  /** Overrides the project's (and the deployment's) per-client token rate. */
  rateLimits?: { tokenPerMinute?: number };
  redirectUris: string[];
  /**
   * Web origins whose browser code may call the token, userinfo, revoke, introspect and logout
   * endpoints with credentials (SECURITY.md AS-14). Absent: its redirect URIs' origins (registry/origins.ts).
   */
  allowedOrigins?: string[];
  postLogoutRedirectUris: string[];
  grantTypes: GrantType[];
  scopes: string[];
  tokenLifetimes: TokenLifetimes;
  /**
   * RFC 7591 `id_token_signed_response_alg`: how this client's ID tokens are signed. Absent: the
   * deployment's default (SIGNING_ALG, ES256 unless set). Access tokens are ES256 regardless.
   */
  idTokenSignedResponseAlg?: SigningAlg;
  /**
   * Seconds after a rotation during which the rotated-away refresh token is refused without revoking
   * its family (SECURITY.md AS-4); absent or 0: any reuse revokes the family.
   */
  refreshTokenReuseGraceSeconds?: number;
  /**
   * OpenID Connect Back-Channel Logout 1.0 `backchannel_logout_uri`: where a signed `logout_token` is
   * posted when a broker session this client signed in with ends (sessions/backchannel-logout.ts).
   */
  backchannelLogoutUri?: string;
  /** Sign-ins to this client need multi-factor authentication upstream, whatever the project says (sessions/mfa.ts). */
  requireMfa?: boolean;
  /** Set: the application-level identity provider, used without home realm discovery. */
  providerId: string | null;
  ipRules: IpRules;
  createdAt: string;
  updatedAt: string;
}

const CLIENT_CACHE_TTL_MS = 30_000;
const cache = new IsolateCache<Client | null>(CLIENT_CACHE_TTL_MS);

/** The client with this id, from the isolate cache when fresh; null for unknown or malformed ids. */
export function findClient(store: Store, clientId: string): Promise<Client | null> {
  const projectId = projectOfClient(clientId);
  if (!projectId) return Promise.resolve(null);
  return cache.get(clientId, () => store.get<Client>(keys.client(projectId, clientId)));
}

/** Forgets a changed client in this isolate (others follow within the TTL). */
function forgetClient(clientId: string): void {
  cache.delete(clientId);
}

/** The client with its version, for a change that must not lose a concurrent one. */
export function readClient(store: Store, projectId: string, clientId: string): Promise<Versioned<Client> | null> {
  return store.getVersioned<Client>(keys.client(projectId, clientId));
}

/** Stores a new client (refused if its id is taken) and indexes its origins. */
export async function createClient(store: Store, client: Client): Promise<WriteResult> {
  const written = await store.set(keys.client(client.projectId, client.id), client, { ifAbsent: true });
  if (written.ok) await indexOrigins(store, null, client);
  return written;
}

/**
 * Writes a changed client over the version read; this isolate forgets the old one. Every update
 * rewrites the client's origin entries, so one after a failed index write puts it right.
 */
export async function updateClient(store: Store, stored: Versioned<Client>, next: Client): Promise<WriteResult> {
  const written = await store.compareAndSet(keys.client(next.projectId, next.id), stored.version, next);
  if (!written.ok) return written;
  forgetClient(next.id);
  await indexOrigins(store, stored.value, next);
  return written;
}

/** Deletes a client and its origin entries. */
export async function deleteClient(store: Store, client: Client): Promise<void> {
  await store.delete(keys.client(client.projectId, client.id));
  forgetClient(client.id);
  await indexOrigins(store, client, null);
}
