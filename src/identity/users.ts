/**
 * Platform users of a project. A user is found by a verified email (unique per project) or by an
 * external identity (provider + subject, unique per project); both are store indexes, so each
 * lookup is one round trip. Unverified emails are kept but never indexed: they prove nothing and
 * must not block the real owner (SECURITY.md RP-7).
 */
import * as keys from "../store/keys";
import type { Store, WriteResult } from "../store/store";

export interface ExternalId {
  providerId: string;
  subject: string;
}

export interface User {
  id: string;
  projectId: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  externalIds: ExternalId[];
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Email addresses compare case-insensitively in practice; store and index them lower-cased. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** The index keys a user owns. */
function userIndexes(user: User): string[] {
  const indexes = user.externalIds.map((id) => keys.userByExternalId(user.projectId, id.providerId, id.subject));
  if (user.email && user.emailVerified) indexes.push(keys.userByEmail(user.projectId, user.email));
  return indexes;
}

/** Writes a user with its indexes; refused if another user holds its verified email or an external id. */
export function saveUser(store: Store, user: User, expectedVersion?: string | null): Promise<WriteResult> {
  const key = keys.user(user.projectId, user.id);
  const options = { indexes: userIndexes(user) };
  return expectedVersion === undefined ? store.set(key, user, options) : store.compareAndSet(key, expectedVersion, user, options);
}

export function findUserByEmail(store: Store, projectId: string, email: string): Promise<User | null> {
  return store.getByIndex<User>(keys.userByEmail(projectId, normaliseEmail(email)));
}

export function findUserByExternalId(store: Store, projectId: string, id: ExternalId): Promise<User | null> {
  return store.getByIndex<User>(keys.userByExternalId(projectId, id.providerId, id.subject));
}

export function getUser(store: Store, projectId: string, userId: string): Promise<User | null> {
  return store.get<User>(keys.user(projectId, userId));
}
