/**
 * Identifiers. A client's id embeds its project's, so the token endpoint finds a client (and its
 * project partition) from `client_id` alone, in one store read.
 */
import { base32 } from "./encoding";

/** `length` characters of lower-case base32 from the CSPRNG (5 bits each). */
export function randomId(length: number): string {
  return base32(crypto.getRandomValues(new Uint8Array(length)));
}

const PROJECT = /^prj_[a-z2-7]{16}$/;
const CLIENT = /^(prj_[a-z2-7]{16})\.[a-z2-7]{20}$/;

export const newProjectId = (): string => `prj_${randomId(16)}`;
export const newClientId = (projectId: string): string => `${projectId}.${randomId(20)}`;
export const newProviderId = (): string => `idp_${randomId(16)}`;
export const newUserId = (): string => `usr_${randomId(20)}`;
export const newApiKeyId = (): string => `key_${randomId(12)}`;

export const isProjectId = (id: string): boolean => PROJECT.test(id);

/** The project a client id belongs to, or undefined for anything that is not a client id. */
export function projectOfClient(clientId: string): string | undefined {
  return CLIENT.exec(clientId)?.[1];
}
