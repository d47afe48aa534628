/**
 * Email domains mapped to identity providers (home realm discovery), and the platform-wide claims
 * that keep one project from mapping a domain another project uses.
 *
 * The rule: the first project to map a domain claims it, unverified. Another project may map the
 * same domain only once the platform operator has verified that project's ownership of it
 * (after an out-of-band proof such as a DNS TXT record). A verified claim survives unmapping.
 */
import { IsolateCache } from "../cache";
import * as keys from "../store/keys";
import type { Store, Versioned, WriteResult } from "../store/store";

export interface DomainMapping {
  domain: string;
  projectId: string;
  providerId: string;
  createdAt: string;
  updatedAt: string;
}

export interface DomainClaim {
  projects: Record<string, { verified: boolean; since: string }>;
}

/**
 * The domain in canonical form: lower case, IDNA (punycode) ASCII, no trailing dot; undefined if it
 * is not a plausible DNS name (an IP address, a single label, a port, a path).
 */
export function normaliseDomain(input: string): string | undefined {
  const text = input.trim().replace(/\.$/, "");
  if (!text || /[\s/:@?#[\]\\]/.test(text)) return undefined;
  let host: string;
  try {
    host = new URL(`http://${text}`).hostname;
  } catch {
    return undefined;
  }
  const labels = host.split(".");
  const valid =
    host.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => /^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(label)) &&
    !/^\d+$/.test(labels.at(-1)!);
  return valid ? host : undefined;
}

const DOMAIN_CACHE_TTL_MS = 30_000;
const cache = new IsolateCache<DomainMapping | null>(DOMAIN_CACHE_TTL_MS, 50_000);

/** The mapping of a (normalised) domain in a project, read from the store: one round trip. */
export function readDomainMapping(store: Store, projectId: string, domain: string): Promise<DomainMapping | null> {
  return store.get<DomainMapping>(keys.domainMapping(projectId, domain));
}

/** The mapping of a (normalised) domain in a project: one store read, then isolate-cache hits. */
export function resolveDomain(store: Store, projectId: string, domain: string): Promise<DomainMapping | null> {
  return cache.get(`${projectId} ${domain}`, () => readDomainMapping(store, projectId, domain));
}

/** Forgets a changed mapping in this isolate (others follow within the TTL). */
function forgetDomain(projectId: string, domain: string): void {
  cache.delete(`${projectId} ${domain}`);
}

/** The mapping with its version, for a change that must not lose a concurrent one. */
export function readVersionedDomainMapping(store: Store, projectId: string, domain: string): Promise<Versioned<DomainMapping> | null> {
  return store.getVersioned<DomainMapping>(keys.domainMapping(projectId, domain));
}

export type MapOutcome =
  | { ok: true; mapping: DomainMapping; version: string; verified: boolean }
  /** `claimed`: another project holds the domain (claimDomain); `mapped`: this project maps it already. */
  | { ok: false; refused: "claimed" | "mapped" };

/** Claims a (normalised) domain for a project and maps it to one of its providers. */
export async function mapDomain(store: Store, projectId: string, domain: string, providerId: string, now: string): Promise<MapOutcome> {
  const claim = await claimDomain(store, projectId, domain, now);
  if (!claim.ok) return { ok: false, refused: "claimed" };
  const mapping: DomainMapping = { domain, projectId, providerId, createdAt: now, updatedAt: now };
  const written = await store.set(keys.domainMapping(projectId, domain), mapping, { ifAbsent: true });
  if (!written.ok) return { ok: false, refused: "mapped" };
  forgetDomain(projectId, domain);
  return { ok: true, mapping, version: written.version, verified: claim.verified };
}

/** Writes a changed mapping over the version read; this isolate forgets the old one. */
export async function updateDomainMapping(store: Store, version: string, next: DomainMapping): Promise<WriteResult> {
  const written = await store.compareAndSet(keys.domainMapping(next.projectId, next.domain), version, next);
  if (written.ok) forgetDomain(next.projectId, next.domain);
  return written;
}

/** Removes a project's mapping of a domain and gives up its unverified claim; the mapping it was, or null. */
export async function unmapDomain(store: Store, projectId: string, domain: string): Promise<DomainMapping | null> {
  const mapping = await store.take<DomainMapping>(keys.domainMapping(projectId, domain));
  if (!mapping) return null;
  forgetDomain(projectId, domain);
  await releaseDomain(store, projectId, domain);
  return mapping;
}

type ClaimOutcome = { ok: true; verified: boolean } | { ok: false; heldBy: string[] };

/** Updates a domain's claim with compare-and-set; `change` returns the new claim or a refusal. */
async function updateClaim<R>(
  store: Store,
  domain: string,
  change: (claim: DomainClaim) => { claim: DomainClaim; result: R } | { refuse: R },
): Promise<R> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await store.getVersioned<DomainClaim>(keys.domainClaim(domain));
    const outcome = change(structuredClone(current?.value ?? { projects: {} }));
    if ("refuse" in outcome) return outcome.refuse;
    // An emptied claim stays as `{projects: {}}`: harmless, and simpler than a racing delete.
    const written = await store.compareAndSet(keys.domainClaim(domain), current?.version ?? null, outcome.claim);
    if (written.ok) return outcome.result;
  }
  throw new Error(`domain claim for ${domain} kept changing under us`);
}

/** Claims a domain for a project before it maps it; refused while other projects hold it unverified here. */
function claimDomain(store: Store, projectId: string, domain: string, now: string): Promise<ClaimOutcome> {
  return updateClaim<ClaimOutcome>(store, domain, (claim) => {
    const others = Object.keys(claim.projects).filter((id) => id !== projectId);
    const mine = claim.projects[projectId];
    if (others.length > 0 && !mine?.verified) return { refuse: { ok: false, heldBy: others } };
    claim.projects[projectId] = mine ?? { verified: false, since: now };
    return { claim, result: { ok: true, verified: claim.projects[projectId].verified } };
  });
}

/** Gives up a project's unverified claim (after its mapping is deleted); verified claims stay. */
function releaseDomain(store: Store, projectId: string, domain: string): Promise<void> {
  return updateClaim<void>(store, domain, (claim) => {
    if (!claim.projects[projectId] || claim.projects[projectId].verified) return { refuse: undefined };
    delete claim.projects[projectId];
    return { claim, result: undefined };
  });
}

/** Withdraws a project's verified ownership; an unmapped domain's claim goes with it. */
export async function withdrawDomainVerification(store: Store, projectId: string, domain: string, now: string): Promise<void> {
  await setDomainVerified(store, projectId, domain, false, now);
  if (!(await store.get(keys.domainMapping(projectId, domain)))) await releaseDomain(store, projectId, domain);
}

/** The operator's word that a project owns a domain (or withdrawal of it). */
export function setDomainVerified(store: Store, projectId: string, domain: string, verified: boolean, now: string): Promise<void> {
  return updateClaim<void>(store, domain, (claim) => {
    if (verified) claim.projects[projectId] = { verified: true, since: claim.projects[projectId]?.since ?? now };
    else if (claim.projects[projectId]) claim.projects[projectId] = { ...claim.projects[projectId], verified: false };
    else return { refuse: undefined };
    return { claim, result: undefined };
  });
}

export function getDomainClaim(store: Store, domain: string): Promise<DomainClaim | null> {
  return store.get<DomainClaim>(keys.domainClaim(domain));
}
