/** Projects: the tenants. Records live in the platform partition; everything else in the project's. */
import { IsolateCache } from "../cache";
import { hasUsers } from "../identity/user-pages";
import * as keys from "../store/keys";
import type { IpRules } from "../security/ip-rules";
import type { Store, Versioned, WriteResult } from "../store/store";

export interface Project {
  id: string;
  name: string;
  ipRules: IpRules;
  /** Sign-in page options; `listProviders`: offer the project's providers when the email's domain is unmapped. */
  signIn?: { listProviders: boolean };
  /** RFC 8693 token exchange; `allowPublicClients`: public clients may exchange (default: confidential only). */
  tokenExchange?: { allowPublicClients: boolean };
  /**
   * Forward auth (oauth/forward-auth-upstream.ts); `acceptUpstreamTokens`: `/auth/verify?project=` also accepts
   * the project's providers' JWTs under their exchange policy, for the linked user (default false).
   */
  forwardAuth?: { acceptUpstreamTokens: boolean };
  /** Broker sessions (sessions/records.ts): idle and absolute lifetimes in seconds. Absent: 1 day idle, 7 days at most. */
  sessions?: { idleSeconds: number; maxSeconds: number };
  /** Every sign-in to the project's clients needs multi-factor authentication upstream (sessions/mfa.ts). */
  requireMfa?: boolean;
  /** Per-client token rate for the project's clients (a client's own setting wins). */
  rateLimits?: { tokenPerMinute?: number };
  createdAt: string;
  updatedAt: string;
}

export function getProject(store: Store, projectId: string): Promise<Project | null> {
  return store.get<Project>(keys.project(projectId));
}

/** The project with its version, for a change that must not lose a concurrent one. */
export function readProject(store: Store, projectId: string): Promise<Versioned<Project> | null> {
  return store.getVersioned<Project>(keys.project(projectId));
}

/** Stores a new project (its id is fresh: never over another). */
export function createProject(store: Store, project: Project): Promise<WriteResult> {
  return store.set(keys.project(project.id), project, { ifAbsent: true });
}

/** Writes a changed project over the version read; this isolate forgets the old one. */
export async function updateProject(store: Store, version: string, next: Project): Promise<WriteResult> {
  const written = await store.compareAndSet(keys.project(next.id), version, next);
  if (written.ok) forgetProject(next.id);
  return written;
}

/** Deletes a project (see projectInUse) and its admin API keys; its audit log stays. */
export async function deleteProject(store: Store, projectId: string): Promise<void> {
  for (const key of (await store.scan(keys.apiKeysPrefix(projectId), { limit: 200 })).items) await store.delete(key.id);
  await store.delete(keys.project(projectId));
  forgetProject(projectId);
}

const PROJECT_CACHE_TTL_MS = 30_000;
const cache = new IsolateCache<Project | null>(PROJECT_CACHE_TTL_MS);

/** The hot-path read (IP rules at the token endpoint): from the isolate cache when fresh. */
export function findProject(store: Store, projectId: string): Promise<Project | null> {
  return cache.get(projectId, () => getProject(store, projectId));
}

/** Forgets a changed project in this isolate (others follow within the TTL). */
function forgetProject(projectId: string): void {
  cache.delete(projectId);
}

/** Whether the project still has anything but API keys and the audit log (its users live in their own partitions). */
export async function projectInUse(store: Store, projectId: string): Promise<string | undefined> {
  const prefixes: [string, string][] = [
    ["clients", keys.clientsPrefix(projectId)],
    ["identity providers", keys.providersPrefix(projectId)],
    ["domain mappings", keys.domainMappingsPrefix(projectId)],
  ];
  const [pages, users] = await Promise.all([Promise.all(prefixes.map(([, prefix]) => store.scan(prefix, { limit: 1 }))), hasUsers(store, projectId)]);
  return prefixes.find((_, i) => pages[i]!.items.length > 0)?.[0] ?? (users ? "users" : undefined);
}
