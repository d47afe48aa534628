/**
 * Checks a project's DNS proof of a domain: resolves `_fedgate-challenge.<domain>` through the
 * configured DNS-over-HTTPS resolver and, when one of its TXT records carries the project's
 * challenge, verifies the project's claim by `dns` (registry/domains.ts). Nothing changes otherwise.
 */
import { carriesChallenge, challengeRecordName, type DomainChallenge } from "../registry/domain-proofs";
import { verifyDomain, type VerificationMethod } from "../registry/domains";
import type { Store } from "../store/store";
import { lookupTxt } from "./dns-over-https";
import { UpstreamUnavailableError, upstreamFetch, type Fetch } from "./upstream-failure";

export type ProofCheck =
  /** The record is there; `method`: what verifies the claim now (`operator` where the operator's word already did). */
  | { outcome: "verified"; method: VerificationMethod }
  /** No TXT record carries the challenge: the name does not exist, or none of its `records` TXT records matches. */
  | { outcome: "not_found"; nameExists: boolean; records: number }
  /** The resolver gave no usable answer (detail for logs and the caller). */
  | { outcome: "unavailable"; detail: string; timedOut: boolean };

/** Looks for the challenge's record and verifies the claim if it is there. */
export async function checkDomainProof(
  store: Store, resolver: string, challenge: DomainChallenge, now: string, fetch: Fetch = upstreamFetch(),
): Promise<ProofCheck> {
  let answer;
  try {
    answer = await lookupTxt(resolver, challengeRecordName(challenge.domain), fetch);
  } catch (error) {
    // Only an outage is reported as one (AB-8): anything else is a bug, for the 500 handler.
    if (error instanceof UpstreamUnavailableError) return { outcome: "unavailable", detail: error.detail, timedOut: error.timedOut };
    throw error;
  }
  if (!carriesChallenge(answer.texts, challenge.token)) {
    return { outcome: "not_found", nameExists: answer.status === "NOERROR", records: answer.texts.length };
  }
  const method = await verifyDomain(store, challenge.projectId, challenge.domain, { method: "dns", token: challenge.token }, now);
  return { outcome: "verified", method };
}
