/**
 * Email domains mapped to identity providers (home realm discovery), and the platform-wide claims
 * that keep one project from mapping a domain another project uses.
 *
 * The rule: the first project to map a domain claims it, unverified. Another project may map the
 * same domain only once its ownership is verified: by a DNS TXT record it published (domain-proofs.ts,
 * re-checked by the cron trigger) or by the platform operator's word (an override, never re-checked,
 * which a DNS proof does not replace). A verified claim survives unmapping.
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

/** How a project's ownership of a domain was verified: a published DNS TXT record, or the operator's word. */
export type VerificationMethod = "dns" | "operator";

export interface DomainClaim {
  projects: Record<string, ClaimEntry>;
}

/** One project's claim of a domain: since when, and whether (and how) its ownership is verified. */
export interface ClaimEntry {
  verified: boolean;
  since: string;
  /** Absent on claims verified before the method was kept: those were the operator's. */
  method?: VerificationMethod;
  /** For `dns`: the challenge token whose TXT record proved it, the one the re-check looks for. */
  token?: string;
}

/**
 * That a claim is verified by DNS, listed in the platform partition for the cron trigger's re-check
 * (keys.dnsProof). Written before the claim changes and removed after, so a failure in between
 * leaves an entry too many (the re-check drops it), never a DNS-verified claim nobody re-checks.
 */
export interface DnsProofEntry {
  domain: string;
  projectId: string;
  at: string;
}

/** The project's entry in a domain's claim, if it holds one. */
export function entryOf(claim: DomainClaim | null, projectId: string): ClaimEntry | undefined {
  return claim && Object.hasOwn(claim.projects, projectId) ? claim.projects[projectId] : undefined;
}

/** How the project's ownership of the domain is verified, or null if it is not. */
export function verificationOf(claim: DomainClaim | null, projectId: string): VerificationMethod | null {
  const mine = entryOf(claim, projectId);
  return mine?.verified ? (mine.method ?? "operator") : null;
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
  | { ok: true; mapping: DomainMapping; version: string; verifiedBy: VerificationMethod | null }
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
  return { ok: true, mapping, version: written.version, verifiedBy: claim.verifiedBy };
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

type ClaimOutcome = { ok: true; verifiedBy: VerificationMethod | null } | { ok: false; heldBy: string[] };

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
    const mine = entryOf(claim, projectId);
    if (others.length > 0 && !mine?.verified) return { refuse: { ok: false, heldBy: others } };
    claim.projects[projectId] = mine ?? { verified: false, since: now };
    return { claim, result: { ok: true, verifiedBy: verificationOf(claim, projectId) } };
  });
}

/** Gives up a project's unverified claim (after its mapping is deleted); verified claims stay. */
function releaseDomain(store: Store, projectId: string, domain: string): Promise<void> {
  return updateClaim<void>(store, domain, (claim) => {
    const mine = entryOf(claim, projectId);
    if (!mine || mine.verified) return { refuse: undefined };
    delete claim.projects[projectId];
    return { claim, result: undefined };
  });
}

/**
 * Withdraws a project's verified ownership, whatever verified it, or (`onlyIf`) only a DNS proof by
 * that token: the re-check must not undo a newer proof or the operator's word. An unmapped domain's
 * unverified claim goes with it. True if a verification was withdrawn.
 */
export async function withdrawDomainVerification(
  store: Store, projectId: string, domain: string, onlyIf?: { method: "dns"; token: string },
): Promise<boolean> {
  const withdrawn = await updateClaim<boolean>(store, domain, (claim) => {
    const mine = entryOf(claim, projectId);
    if (!mine?.verified) return { refuse: false };
    if (onlyIf && (mine.method !== "dns" || mine.token !== onlyIf.token)) return { refuse: false };
    claim.projects[projectId] = { verified: false, since: mine.since };
    return { claim, result: true };
  });
  if (withdrawn) await store.delete(keys.dnsProof(domain, projectId));
  if (!(await store.get(keys.domainMapping(projectId, domain)))) await releaseDomain(store, projectId, domain);
  return withdrawn;
}

/** What verifies a claim: the operator's word, or a DNS TXT record carrying this challenge token. */
export type OwnershipProof = { method: "operator" } | { method: "dns"; token: string };

/**
 * Records that a project owns a domain; answers the method in force afterwards. A DNS proof does not
 * replace the operator's word (the claim stays `operator`); the operator's word replaces a DNS proof
 * (and so ends its re-checks).
 */
export async function verifyDomain(store: Store, projectId: string, domain: string, proof: OwnershipProof, now: string): Promise<VerificationMethod> {
  const entryKey = keys.dnsProof(domain, projectId);
  if (proof.method === "dns") await store.set(entryKey, { domain, projectId, at: now } satisfies DnsProofEntry);
  const method = await updateClaim<VerificationMethod>(store, domain, (claim) => {
    const mine = entryOf(claim, projectId);
    if (proof.method === "dns" && verificationOf(claim, projectId) === "operator") return { refuse: "operator" };
    claim.projects[projectId] = { verified: true, since: mine?.since ?? now, ...proof };
    return { claim, result: proof.method };
  });
  if (method === "operator") await store.delete(entryKey);
  return method;
}

export function getDomainClaim(store: Store, domain: string): Promise<DomainClaim | null> {
  return store.get<DomainClaim>(keys.domainClaim(domain));
}
