/**
 * Proving a domain by DNS (registry/domain-proofs.ts): a project asks for a challenge, publishes it as
 * a TXT record at `_fedgate-challenge.<domain>`, and asks Fedgate to check it. A check that finds the
 * record verifies the project's claim by `dns` (audited `domain.verify`); one that does not answers 422
 * and changes nothing; a resolver without a usable answer is a 502. The cron trigger re-checks
 * (federation/domain-recheck.ts).
 */
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { checkDomainProof } from "../../federation";
import {
  challengeRecordName, challengeRecordValue, deleteChallenge, issueChallenge, readChallenge, type DomainChallenge,
} from "../../registry/domain-proofs";
import { getDomainClaim, verificationOf } from "../../registry/domains";
import { found } from "../auth";
import { auditChange, created, now, withEtag } from "../http";
import { operation } from "../openapi";
import { DomainChallengeView, DomainProofView } from "../schemas";
import { domainOfProject, verificationView } from "./domains";
import { challengesOwnDomain, ownDomainInPath } from "./setup-link-checks";

const PATH = "/projects/{projectId}/domain-challenges/{domain}";
const TAG = "Domain mappings";

/** The challenge as the API shows it: the record to publish, and where the project's ownership stands. */
async function challengeView(c: Context<AppEnv>, challenge: DomainChallenge) {
  const claim = await getDomainClaim(c.get("store"), challenge.domain);
  return {
    domain: challenge.domain, projectId: challenge.projectId,
    recordName: challengeRecordName(challenge.domain), recordType: "TXT" as const, recordValue: challengeRecordValue(challenge.token),
    createdAt: challenge.createdAt, ...verificationView(verificationOf(claim, challenge.projectId)),
  };
}

/** The project's challenge for the domain in the path; 404 if it has none. */
async function storedChallenge(c: Context<AppEnv>) {
  const { projectId, domain } = await domainOfProject(c);
  return found(await readChallenge(c.get("store"), projectId, domain), "domain challenge", domain);
}

export const domainProofOperations = [
  operation({
    method: "post", path: PATH, tag: TAG, summary: "Issue a DNS challenge for a domain (reissuing replaces the last one)",
    description:
      "Answers the TXT record to publish: `recordName` (`_fedgate-challenge.<domain>`) and `recordValue` (`fedgate-verification=<token>`). " +
      "Any domain name the project could map may be challenged. A verification already given stays until the cron trigger's re-check no longer finds its record. " +
      "Audited as `domain.challenge.issue`.",
    load: domainOfProject, acceptsSetupLink: challengesOwnDomain, responses: { 201: { description: "The challenge, with its ETag", schema: DomainChallengeView } },
    handler: async (c, { target: { projectId, domain } }) => {
      const issued = await issueChallenge(c.get("store"), projectId, domain, now());
      const body = await challengeView(c, issued.value);
      await auditChange(c, projectId, "domain.challenge.issue", domain, { after: { recordName: body.recordName, recordValue: body.recordValue } });
      return created(c, `/projects/${projectId}/domain-challenges/${domain}`, body, issued.version);
    },
  }),
  operation({
    method: "get", path: PATH, tag: TAG, summary: "Read a domain's DNS challenge, with whether the project's ownership is verified",
    load: storedChallenge, acceptsSetupLink: ownDomainInPath, responses: { 200: { description: "The challenge, with its ETag", schema: DomainChallengeView } },
    handler: async (c, { target }) => withEtag(c, await challengeView(c, target.value), target.version),
  }),
  operation({
    method: "delete", path: PATH, tag: TAG, summary: "Remove a domain's DNS challenge (a verification it gave stays)",
    load: domainOfProject, responses: { 204: { description: "Removed" } },
    handler: async (c, { target: { projectId, domain } }) => {
      found(await deleteChallenge(c.get("store"), projectId, domain), "domain challenge", domain);
      await auditChange(c, projectId, "domain.challenge.delete", domain);
      return c.body(null, 204);
    },
  }),
  operation({
    method: "post", path: `${PATH}/check`, tag: TAG, summary: "Check the challenge's TXT record and, if it is published, verify the project's ownership",
    description:
      "Resolves `_fedgate-challenge.<domain>` TXT through the deployment's DNS-over-HTTPS resolver (DOH_RESOLVER_URL, 5 s timeout). " +
      "Found: the claim is verified with method `dns` (audited `domain.verify`) and re-checked by the cron trigger; where the operator already verified it, " +
      "it stays the operator's (`verifiedBy: operator`). Not found: 422, nothing changes. The resolver unreachable, slow or unusable: 502, nothing changes.",
    load: storedChallenge, acceptsSetupLink: ownDomainInPath,
    responses: {
      200: { description: "Verified", schema: DomainProofView },
      422: { description: "No TXT record carries the challenge yet (an RFC 9457 problem with recordName, recordValue, nameExists, recordsFound)" },
      502: { description: "The DNS resolver gave no usable answer (an RFC 9457 problem); nothing was changed" },
    },
    handler: async (c, { target: { value: challenge } }) => {
      const { projectId, domain } = challenge;
      const recordName = challengeRecordName(domain);
      const check = await checkDomainProof(c.get("store"), c.get("config").dohResolverUrl, challenge, now());
      if (check.outcome === "unavailable") {
        throw new Problem(502, "DNS resolver unavailable", {
          description: `The DNS resolver ${check.timedOut ? "did not answer in time" : "gave no usable answer"}. Nothing was changed; try again.`,
          detail: check.detail, headers: { "Retry-After": "30" },
        });
      }
      if (check.outcome === "not_found") {
        throw new Problem(422, "DNS record not found", {
          description:
            `No TXT record of ${recordName} carries the challenge (${check.nameExists ? `${check.records} TXT record(s) found` : "the name does not exist"}). ` +
            "Publish it and check again; new records can take a while to be visible.",
          extensions: { recordName, recordValue: challengeRecordValue(challenge.token), nameExists: check.nameExists, recordsFound: check.records },
        });
      }
      // The operator's override already stood: nothing changed, so nothing to audit.
      if (check.method === "dns") await auditChange(c, projectId, "domain.verify", domain, { after: { verified: true, method: "dns", recordName } });
      return c.json({ domain, projectId, recordName, verified: true, verifiedBy: check.method });
    },
  }),
];
