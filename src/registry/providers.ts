/** Upstream identity providers a project trusts. Their client secrets are sealed at rest (AD-2). */
import { IsolateCache } from "../cache";
import * as keys from "../store/keys";
import type { Store, Versioned, WriteResult } from "../store/store";
import type { Client } from "./clients";
import type { DomainMapping } from "./domains";

export const PROVIDER_KINDS = ["auth0", "okta", "google", "cognito", "oidc"] as const;
type ProviderKind = (typeof PROVIDER_KINDS)[number];

export interface Provider {
  id: string;
  projectId: string;
  name: string;
  kind: ProviderKind;
  issuer: string;
  clientId: string;
  /** JWE sealed with FEDGATE_ENCRYPTION_KEY for `provider-secret:<id>`; never returned by any API. */
  clientSecretSealed: string | null;
  scopes: string[];
  /** `email`: link by verified email where authoritative (RP-7); `subject`: by provider + sub only. */
  linkBy: "email" | "subject";
  /** Create a platform user on first sign-in; otherwise only pre-provisioned users may sign in. */
  createUsers: boolean;
  /** Just-in-time update: refresh the user's name and email from this provider on each sign-in and exchange. Absent: false. */
  updateProfile?: boolean;
  /**
   * The claim that carries the person's groups; absent: the kind's default (Okta `groups`, Cognito
   * `cognito:groups`, generic OIDC `groups`; Auth0 and Google have none); null: no groups.
   */
  groupsClaim?: string | null;
  /** Upstream groups or claim values mapped to project roles (identity/roles.ts). Absent: none. */
  roleMappings?: RoleMapping[];
  /**
   * Whether this provider's `acr` and `amr` are believed: carried into Fedgate's ID tokens and read by
   * the MFA policy (sessions/mfa.ts). Untrusted, Fedgate says only `amr: ["fed"]`. `mfaAcrValues`: the
   * provider's `acr` values that mean multi-factor authentication, and what Fedgate sends upstream as
   * `acr_values` to ask for it (where the kind forwards them).
   */
  authContext?: { trusted: boolean; mfaAcrValues: string[] };
  /** What this provider's tokens may be exchanged for (RFC 8693, issue 6). */
  exchange: {
    /** Access-token audiences (APIs) accepted; Auth0 `aud`, Okta custom-AS `aud`, RFC 9068 `aud`. */
    audiences: string[];
    /** Upstream clients whose tokens are accepted: ID-token `aud`/`azp`, Okta `cid`, Cognito `client_id`, Google `aud`/`azp`. */
    clientIds: string[];
    /** Check tokens Fedgate cannot verify locally at the provider (userinfo, introspection, tokeninfo). */
    acceptOpaqueTokens: boolean;
    /** Refuse subject tokens issued (`iat`) longer ago than this (RP-9); absent: `exp` alone decides. */
    maxTokenAgeSeconds?: number;
    /**
     * `shadow`: tokens are judged and audited exactly as for real, but the answer only says what would
     * have happened; nothing is issued, written or spent (oauth/grants/shadow.ts). Absent: `enforce`.
     */
    mode?: "enforce" | "shadow";
  };
  /**
   * The origin of the provider's authorization endpoint, from its discovery document when the
   * provider was added: the sign-in page's CSP `form-action` lists it, so rendering the page needs
   * no discovery. Absent on records written before it existed.
   */
  authorizationOrigin?: string;
  createdAt: string;
  updatedAt: string;
}

/** One role rule: a group the person is in, or a claim that equals (or, for an array, contains) a value. */
export type RoleMapping = { role: string } & ({ group: string } | { claim: string; value: string });

export const sealContext = (providerId: string): string => `provider-secret:${providerId}`;

export function getProvider(store: Store, projectId: string, providerId: string): Promise<Provider | null> {
  return store.get<Provider>(keys.provider(projectId, providerId));
}

/** The provider with its version, for a change that must not lose a concurrent one. */
export function readProvider(store: Store, projectId: string, providerId: string): Promise<Versioned<Provider> | null> {
  return store.getVersioned<Provider>(keys.provider(projectId, providerId));
}

/** Stores a new provider (refused if the project has one of that id); this isolate forgets the project's list. */
export async function createProvider(store: Store, provider: Provider): Promise<WriteResult> {
  const written = await store.set(keys.provider(provider.projectId, provider.id), provider, { ifAbsent: true });
  if (written.ok) forgetProjectProviders(provider.projectId);
  return written;
}

/** Writes a changed provider over the version read; this isolate forgets the project's list. */
export async function updateProvider(store: Store, version: string, next: Provider): Promise<WriteResult> {
  const written = await store.compareAndSet(keys.provider(next.projectId, next.id), version, next);
  if (written.ok) forgetProjectProviders(next.projectId);
  return written;
}

/** Deletes a provider (see providerReferences); this isolate forgets the project's list. */
export async function deleteProvider(store: Store, provider: Provider): Promise<void> {
  await store.delete(keys.provider(provider.projectId, provider.id));
  forgetProjectProviders(provider.projectId);
}

/** What still points at a provider: clients using it, domains mapped to it (the first 200 of each). */
export async function providerReferences(store: Store, provider: Provider): Promise<string[]> {
  const [clients, domains] = await Promise.all([
    store.scan<Client>(keys.clientsPrefix(provider.projectId), { limit: 200 }),
    store.scan<DomainMapping>(keys.domainMappingsPrefix(provider.projectId), { limit: 200 }),
  ]);
  return [
    ...clients.items.filter((i) => i.value.providerId === provider.id).map((i) => `client ${i.value.id}`),
    ...domains.items.filter((i) => i.value.providerId === provider.id).map((i) => `domain ${i.value.domain}`),
  ];
}

const PROVIDERS_CACHE_TTL_MS = 30_000;
/** Bounds one project's provider list (the admin API does not limit how many a project adds). */
const MAX_PROVIDERS = 500;
const cache = new IsolateCache<Provider[]>(PROVIDERS_CACHE_TTL_MS, 1_000);

/**
 * The project's providers, for token exchange (which provider issued a token): one partition scan,
 * then an isolate-cache hit for PROVIDERS_CACHE_TTL_MS.
 */
export function findProjectProviders(store: Store, projectId: string): Promise<Provider[]> {
  return cache.get(projectId, async () => {
    const providers: Provider[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.scan<Provider>(keys.providersPrefix(projectId), { limit: 100, ...(cursor ? { cursor } : {}) });
      providers.push(...page.items.map((item) => item.value));
      cursor = page.cursor;
    } while (cursor && providers.length < MAX_PROVIDERS);
    return providers;
  });
}

/** Forgets a project's changed providers in this isolate (others follow within the TTL). */
export function forgetProjectProviders(projectId: string): void {
  cache.delete(projectId);
}
