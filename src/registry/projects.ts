/** Projects: the tenants. Records live in the platform partition; everything else in the project's. */
import * as keys from "../store/keys";
import type { IpRules } from "../security/ip-rules";
import type { Store } from "../store/store";

export interface Project {
  id: string;
  name: string;
  ipRules: IpRules;
  createdAt: string;
  updatedAt: string;
}

export function getProject(store: Store, projectId: string): Promise<Project | null> {
  return store.get<Project>(keys.project(projectId));
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
