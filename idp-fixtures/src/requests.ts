/**
 * What each provider was asked: the last authorization requests' parameters per provider and
 * client_id, so a relying party's tests can check what it forwarded (prompt, max_age, acr_values…).
 * In the isolate's memory like the rest of the state; a reset clears it.
 */
import type { ProviderId } from "./types";

export interface RecordedRequest {
  params: Record<string, string>;
  /** ISO 8601 time the emulator received it. */
  at: string;
}

/** Per provider and client: enough history for a test, bounded so a loop cannot grow it forever. */
const KEEP = 20;
/** Parameters never kept: the non-interactive path's password. */
const SECRET_PARAMS = new Set(["test_password"]);

const log = new Map<string, RecordedRequest[]>();

const keyOf = (provider: ProviderId, clientId: string) => `${provider} ${clientId}`;

/** Records an authorization request (not the sign-in form coming back). */
export function recordAuthorizationRequest(provider: ProviderId, clientId: string, params: Record<string, string>): void {
  // Null prototype, as readParams builds them: a `__proto__` parameter stays a parameter.
  const kept = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(params)) if (!SECRET_PARAMS.has(k)) kept[k] = v;
  const key = keyOf(provider, clientId);
  const list = log.get(key) ?? [];
  list.push({ params: kept, at: new Date().toISOString() });
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
  log.set(key, list);
}

/** Oldest first, newest last. */
export function requestsFor(provider: ProviderId, clientId: string): RecordedRequest[] {
  return log.get(keyOf(provider, clientId)) ?? [];
}

/** Everything, or one client's requests (optionally on one provider only). */
export function resetRequests(clientId?: string, provider?: ProviderId): void {
  if (clientId === undefined && provider === undefined) return log.clear();
  for (const key of [...log.keys()]) {
    const [p, ...rest] = key.split(" ");
    if ((provider === undefined || p === provider) && (clientId === undefined || rest.join(" ") === clientId)) log.delete(key);
  }
}
