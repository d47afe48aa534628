/**
 * Self-service SSO setup links (README "Self-service SSO setup"): a project admin hands one to a
 * customer organisation, whose IT admin sets up its identity provider and proves its domains through
 * the setup pages, acting on the admin API with the link as its credential (admin/auth.ts). The
 * token is 256 random bits shown once; only its SHA-256 names the record, so the store holds no
 * usable credential. The record is spread by that hash (one lookup per request); the project keeps a
 * small index entry per link for listing and revoking by id.
 */
import { base64url } from "jose";
import { sha256 } from "../encoding";
import { randomId } from "../ids";
import * as keys from "../store/keys";
import type { Store, Versioned } from "../store/store";

/** How long a link's record (and its index entry) is kept after it expires, so the admin still sees it listed. */
const RETENTION_MS = 30 * 24 * 3600_000;
/** The most domains one link may take on. */
export const MAX_LINK_DOMAINS = 10;
/** The prefix of the credential the setup pages send: `Bearer fgs.<token>`. */
const CREDENTIAL_PREFIX = "fgs.";

export interface SetupLink {
  id: string;
  projectId: string;
  organization: string;
  tokenHash: string;
  /** The id the link's one provider gets (reserved at creation, so it can be created once only). */
  providerId: string;
  /** The domains the link asked challenges for, in order (at most MAX_LINK_DOMAINS). */
  domains: string[];
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  completedAt?: string;
}

/** The project's index entry: where the link's record is. */
interface SetupLinkEntry {
  tokenHash: string;
}

export type SetupLinkState = "pending" | "in_progress" | "completed" | "expired" | "revoked";

/** Where a link stands at `now`; `providerExists` says whether its provider was created (in progress). */
export function stateOf(link: SetupLink, providerExists: boolean, now = Date.now()): SetupLinkState {
  if (link.revokedAt) return "revoked";
  if (link.completedAt) return "completed";
  if (Date.parse(link.expiresAt) <= now) return "expired";
  return providerExists ? "in_progress" : "pending";
}

/** Whether a bearer token is a setup link's credential (`fgs.` and 43 base64url characters). */
export const looksLikeSetupCredential = (token: string): boolean => /^fgs\.[A-Za-z0-9_-]{43}$/.test(token);

/** The credential of a link's token. */
export const setupCredential = (token: string): string => `${CREDENTIAL_PREFIX}${token}`;

/** Whether a path segment could be a link's token (the pages check it before any lookup). */
export const looksLikeSetupToken = (token: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(token);

const ttlOf = (link: SetupLink) => Math.max(Date.parse(link.expiresAt) + RETENTION_MS - Date.now(), 60_000);

/** Creates a link for `organization`, valid for `hours`; the token is returned once and stored only as its hash. */
export async function createSetupLink(
  store: Store, projectId: string, organization: string, hours: number, now: Date,
): Promise<{ link: SetupLink; token: string; version: string }> {
  const token = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const link: SetupLink = {
    id: `sul_${randomId(16)}`, projectId, organization, tokenHash: await sha256(token), providerId: `setup-${randomId(12)}`, domains: [],
    createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + hours * 3600_000).toISOString(),
  };
  const written = await store.set(keys.setupLink(link.tokenHash), link, { ttlMs: ttlOf(link), ifAbsent: true });
  if (!written.ok) throw new Error(`a new setup link's token collided: ${written.conflict}`);
  await store.set(keys.setupLinkEntry(projectId, link.id), { tokenHash: link.tokenHash } satisfies SetupLinkEntry, { ttlMs: ttlOf(link) });
  return { link, token, version: written.version };
}

/** The link a credential (`fgs.<token>`) names, with its version; null when there is none. */
export async function linkOfCredential(store: Store, credential: string): Promise<Versioned<SetupLink> | null> {
  if (!looksLikeSetupCredential(credential)) return null;
  return store.getVersioned<SetupLink>(keys.setupLink(await sha256(credential.slice(CREDENTIAL_PREFIX.length))));
}

/** A project's link by id, with its version. */
export async function readSetupLink(store: Store, projectId: string, linkId: string): Promise<Versioned<SetupLink> | null> {
  if (!/^sul_[a-z2-7]{16}$/.test(linkId)) return null;
  const entry = await store.get<SetupLinkEntry>(keys.setupLinkEntry(projectId, linkId));
  if (!entry) return null;
  const link = await store.getVersioned<SetupLink>(keys.setupLink(entry.tokenHash));
  return link && link.value.projectId === projectId ? link : null;
}

/** A page of the project's links, newest first within the page. */
export async function listSetupLinks(store: Store, projectId: string, page: { limit?: number; cursor?: string }): Promise<{ links: SetupLink[]; cursor?: string }> {
  const entries = await store.scan<SetupLinkEntry>(keys.setupLinkEntriesPrefix(projectId), page);
  const records = await store.getManyVersioned<SetupLink>(entries.items.map((item) => keys.setupLink(item.value.tokenHash)));
  const links = records.flatMap((record) => (record && record.value.projectId === projectId ? [record.value] : []));
  links.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return { links, ...(entries.cursor === undefined ? {} : { cursor: entries.cursor }) };
}

/** Writes `next` over the version read; false when a concurrent change won. */
export async function updateSetupLink(store: Store, version: string, next: SetupLink): Promise<boolean> {
  return (await store.compareAndSet(keys.setupLink(next.tokenHash), version, next, { ttlMs: ttlOf(next) })).ok;
}
