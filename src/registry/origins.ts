/**
 * Browser origins (`scheme://host[:port]`) that clients registered for credentialed CORS
 * (SECURITY.md AS-14). A client's origins are its `allowedOrigins`, or, when it set none, the
 * origins of its web redirect URIs, computed when read: a change of redirect URIs changes them with
 * no second field to keep in step.
 *
 * A CORS preflight names no client, so the question it asks is "did any client register this
 * origin?". The answer comes from an index, one record per (origin, client) pair in the origin's own
 * partition (store/keys.ts), written with the client (registry/clients.ts) and read through an isolate cache:
 * one store read per origin per ORIGIN_CACHE_TTL_MS, none for a request without an `Origin`.
 */
import { IsolateCache } from "../cache";
import * as keys from "../store/keys";
import type { Store } from "../store/store";

/** What the index needs of a client (registry/clients.ts), named here so the two modules do not import each other. */
interface OriginsOwner {
  id: string;
  projectId: string;
  allowedOrigins?: string[];
  redirectUris: string[];
}

const ORIGIN_CACHE_TTL_MS = 30_000;
/** Garbage `Origin` headers are not looked up; neither is anything longer than a sane origin. */
const MAX_ORIGIN_LENGTH = 300;

const cache = new IsolateCache<boolean>(ORIGIN_CACHE_TTL_MS);

/** The value itself if it is a serialised web origin (http or https, no path, default port omitted), else undefined. */
export function canonicalOrigin(value: string): string | undefined {
  if (value.length > MAX_ORIGIN_LENGTH || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  return url.origin === value ? value : undefined;
}

/** The origins a client's browser code may call Fedgate from, with credentials. */
export function originsOf(client: Pick<OriginsOwner, "allowedOrigins" | "redirectUris">): string[] {
  if (client.allowedOrigins) return client.allowedOrigins;
  const origins = new Set<string>();
  for (const uri of client.redirectUris) {
    // Private-use schemes (native apps) have no web origin: `new URL(...).origin` is "null" for them.
    const origin = URL.canParse(uri) ? canonicalOrigin(new URL(uri).origin) : undefined;
    if (origin) origins.add(origin);
  }
  return [...origins];
}

/** Whether some client registered this origin (the preflight's question), from the isolate cache when fresh. */
export function originRegistered(store: Store, origin: string): Promise<boolean> {
  if (!canonicalOrigin(origin)) return Promise.resolve(false);
  return cache.get(origin, async () => (await store.scan(keys.originClientsPrefix(origin), { limit: 1 })).items.length > 0);
}

/**
 * Brings the index in step with a client's change (created: `before` null; deleted: `after` null).
 * Entries for the client's current origins are written (idempotently) and those it dropped removed;
 * this isolate forgets what changed, others follow within the cache period.
 */
export async function indexOrigins(store: Store, before: OriginsOwner | null, after: OriginsOwner | null): Promise<void> {
  const client = (after ?? before)!;
  const kept = new Set(after ? originsOf(after) : []);
  const dropped = (before ? originsOf(before) : []).filter((origin) => !kept.has(origin));
  await Promise.all([
    ...[...kept].map((origin) => store.set(keys.originClient(origin, client.id), { projectId: client.projectId, clientId: client.id })),
    ...dropped.map((origin) => store.delete(keys.originClient(origin, client.id))),
  ]);
  for (const origin of [...kept, ...dropped]) cache.delete(origin);
}
