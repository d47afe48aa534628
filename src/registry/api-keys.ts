/**
 * Project-scoped admin API keys. The token names its project and key, so checking it is one store
 * read and a constant-time HMAC comparison: `fgk.<projectId>.<keyId>.<secret>`.
 */
import { isProjectId } from "../ids";
import * as keys from "../store/keys";
import type { Store, WriteResult } from "../store/store";
import { verifySecret } from "../security/secrets";

export interface ApiKey {
  id: string;
  projectId: string;
  name: string;
  secretHash: string;
  createdAt: string;
}

const TOKEN = /^fgk\.(prj_[a-z2-7]{16})\.(key_[a-z2-7]{12})\.([A-Za-z0-9_-]{43})$/;

export const apiKeyToken = (key: Pick<ApiKey, "projectId" | "id">, secret: string): string => `fgk.${key.projectId}.${key.id}.${secret}`;

/** Whether a bearer token looks like an API key at all (so other tokens can be told apart). */
export const looksLikeApiKey = (token: string): boolean => token.startsWith("fgk.");

/** Stores a new API key (only its secret's hash). */
export function saveApiKey(store: Store, key: ApiKey): Promise<WriteResult> {
  return store.set(keys.apiKey(key.projectId, key.id), key);
}

/** Removes an API key; the key it was, or null if there was none. */
export function takeApiKey(store: Store, projectId: string, keyId: string): Promise<ApiKey | null> {
  return store.take<ApiKey>(keys.apiKey(projectId, keyId));
}

/** The key this token proves, or null. */
export async function verifyApiKey(store: Store, encryptionKey: Uint8Array, token: string): Promise<ApiKey | null> {
  const match = TOKEN.exec(token);
  if (!match || !isProjectId(match[1]!)) return null;
  const key = await store.get<ApiKey>(keys.apiKey(match[1]!, match[2]!));
  if (!key) return null;
  return (await verifySecret(encryptionKey, match[3]!, key.secretHash)) ? key : null;
}
