/**
 * Proof of a domain by DNS: the challenge a project publishes as a TXT record, what counts as that
 * record, and the store side of the cron trigger's re-check of DNS-verified claims. Resolving the
 * record is an upstream call (federation/dns-over-https.ts); the claims' rules are domains.ts.
 */
import { randomId } from "../ids";
import * as keys from "../store/keys";
import type { Store, Versioned } from "../store/store";
import type { DnsProofEntry } from "./domains";

/** The label the TXT record is published under, in front of the domain. */
const CHALLENGE_LABEL = "_fedgate-challenge";
const VALUE_PREFIX = "fedgate-verification=";

/** A challenge issued to a project for a domain; reissuing replaces it. */
export interface DomainChallenge {
  domain: string;
  projectId: string;
  /** 32 characters of base32 (160 random bits): not a secret, since it is published, but unguessable. */
  token: string;
  createdAt: string;
}

/** Where the record goes: `_fedgate-challenge.<domain>`. */
export const challengeRecordName = (domain: string): string => `${CHALLENGE_LABEL}.${domain}`;

/** What the record says: `fedgate-verification=<token>`. */
export const challengeRecordValue = (token: string): string => `${VALUE_PREFIX}${token}`;

/** Whether one of a name's TXT strings (each with its chunks joined) is the challenge's value; blanks around it are forgiven. */
export function carriesChallenge(texts: readonly string[], token: string): boolean {
  const expected = challengeRecordValue(token);
  return texts.some((text) => text.trim() === expected);
}

/** Issues a new challenge for a (normalised) domain, replacing the project's earlier one. */
export async function issueChallenge(store: Store, projectId: string, domain: string, now: string): Promise<Versioned<DomainChallenge>> {
  const challenge: DomainChallenge = { domain, projectId, token: randomId(32), createdAt: now };
  const written = await store.set(keys.domainChallenge(projectId, domain), challenge);
  if (!written.ok) throw new Error(`unconditional write of ${domain}'s challenge refused: ${written.conflict}`);
  return { value: challenge, version: written.version };
}

/** The project's challenge for a domain, with its version. */
export function readChallenge(store: Store, projectId: string, domain: string): Promise<Versioned<DomainChallenge> | null> {
  return store.getVersioned<DomainChallenge>(keys.domainChallenge(projectId, domain));
}

/** Removes the project's challenge for a domain (a verification it gave stays); the challenge it was, or null. */
export function deleteChallenge(store: Store, projectId: string, domain: string): Promise<DomainChallenge | null> {
  return store.take<DomainChallenge>(keys.domainChallenge(projectId, domain));
}

/** Where the re-check stopped: the key of the last entry it visited (null: start over). */
interface RecheckCursor {
  after: string | null;
  at: string;
}

/**
 * The next `limit` DNS-verified claims to re-check, after those the previous run visited (from the
 * first once it reached the end), and where the next run resumes. One or two scans of the platform partition.
 */
export async function nextDnsProofs(store: Store, limit: number): Promise<{ entries: DnsProofEntry[]; resumeAfter: string | null }> {
  const cursor = await store.get<RecheckCursor>(keys.dnsRecheckCursor());
  const scan = (after: string | null) => store.scan<DnsProofEntry>(keys.dnsProofsPrefix(), { limit, ...(after ? { cursor: after } : {}) });
  let page = await scan(cursor?.after ?? null);
  if (page.items.length === 0 && cursor?.after) page = await scan(null);
  return { entries: page.items.map((item) => item.value), resumeAfter: page.cursor ?? null };
}

/** Notes where the next run resumes (null: from the first entry). */
export async function saveRecheckCursor(store: Store, resumeAfter: string | null, now: string): Promise<void> {
  await store.set(keys.dnsRecheckCursor(), { after: resumeAfter, at: now } satisfies RecheckCursor);
}

/** Removes a DNS proof entry whose claim is no longer DNS-verified (domains.ts DnsProofEntry). */
export async function dropDnsProofEntry(store: Store, entry: DnsProofEntry): Promise<void> {
  await store.delete(keys.dnsProof(entry.domain, entry.projectId));
}
