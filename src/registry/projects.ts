/** Projects: the tenants. Records live in the platform partition; everything else in the project's. */
import { IsolateCache } from "../cache";
import * as keys from "../store/keys";
import type { IpRules } from "../security/ip-rules";
import type { Store } from "../store/store";

export interface Project {
  id: string;
  name: string;
  ipRules: IpRules;
  /** Sign-in page options; `listProviders`: offer the project's providers when the email's domain is unmapped. */
  signIn?: { listProviders: boolean };
  /** RFC 8693 token exchange; `allowPublicClients`: public clients may exchange (default: confidential only). */
  tokenExchange?: { allowPublicClients: boolean };
  /** Per-client token rate for the project's clients (a client's own setting wins). */
  rateLimits?: { tokenPerMinute?: number };
  createdAt: string;
  updatedAt: string;
}

export function getProject(store: Store, projectId: string): Promise<Project | null> {
  return store.get<Project>(keys.project(projectId));
}

const PROJECT_CACHE_TTL_MS = 30_000;
const cache = new IsolateCache<Project | null>(PROJECT_CACHE_TTL_MS);

/** The hot-path read (IP rules at the token endpoint): from the isolate cache when fresh. */
export function findProject(store: Store, projectId: string): Promise<Project | null> {
  return cache.get(projectId, () => getProject(store, projectId));
}

/** Forgets a changed project in this isolate (others follow within the TTL). */
export function forgetProject(projectId: string): void {
  cache.delete(projectId);
}

/** Whether anything but API keys and the audit log still lives in the project's partition. */
export async function projectInUse(store: Store, projectId: string): Promise<string | undefined> {
  const prefixes: [string, string][] = [
    ["clients", keys.clientsPrefix(projectId)],
    ["identity providers", keys.providersPrefix(projectId)],
    ["domain mappings", keys.domainMappingsPrefix(projectId)],
    ["users", keys.usersPrefix(projectId)],
  ];
  const pages = await Promise.all(prefixes.map(([, prefix]) => store.scan(prefix, { limit: 1 })));
  return prefixes.find((_, i) => pages[i]!.items.length > 0)?.[0];
}
