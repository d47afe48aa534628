/**
 * Email-domain mappings (home realm discovery): one provider per domain per project, and the
 * cross-project claim rule of registry/domains.ts. Ownership is verified by a DNS proof
 * (domain-proofs.ts) or by the platform operator's word, an override declared here.
 */
import type { Context } from "hono";
import type { z } from "zod/mini";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import {
  getDomainClaim, mapDomain, normaliseDomain, readVersionedDomainMapping, unmapDomain, updateDomainMapping, verificationOf, verifyDomain,
  withdrawDomainVerification, type DomainMapping, type VerificationMethod,
} from "../../registry/domains";
import type { Project } from "../../registry/projects";
import * as keys from "../../store/keys";
import { found } from "../auth";
import { auditChange, committed, now, withEtag } from "../http";
import { operation } from "../openapi";
import { DomainCreate, DomainPatch, DomainView } from "../schemas";
import { createOperation, listOperation, readOperation, type Made } from "./record-operations";
import { projectInPath, requireProvider } from "./scope";
import { mapsOwnDomain, ownDomainInPath } from "./setup-link-checks";

function domainInPath(c: Context<AppEnv>): string {
  const raw = c.req.param("domain")!; // hono has decoded it
  const domain = normaliseDomain(raw);
  if (!domain) throw new Problem(400, "Bad Request", { description: `"${raw}" is not a DNS domain name.` });
  return domain;
}

/** What the API says of a project's ownership of a domain: verified or not, and by what. */
export const verificationView = (method: VerificationMethod | null) => ({ verified: method !== null, ...(method ? { verifiedBy: method } : {}) });

const view = (mapping: DomainMapping, method: VerificationMethod | null) => ({ ...mapping, ...verificationView(method) });

/** The mapping as the API shows it: with whether (and how) the project's ownership of the domain is verified. */
async function verifiedView(c: Context<AppEnv>, mapping: DomainMapping): Promise<ReturnType<typeof view>> {
  const claim = await getDomainClaim(c.get("store"), mapping.domain);
  return view(mapping, verificationOf(claim, mapping.projectId));
}

/** The project and the (normalised) domain named in the path. */
export async function domainOfProject(c: Context<AppEnv>): Promise<{ projectId: string; domain: string }> {
  const project = await projectInPath(c);
  return { projectId: project.id, domain: domainInPath(c) };
}

/** The project's mapping of the domain in the path, with its version. */
async function storedMapping(c: Context<AppEnv>) {
  const { projectId, domain } = await domainOfProject(c);
  return found(await readVersionedDomainMapping(c.get("store"), projectId, domain), "domain mapping", domain);
}

/** Claims and maps a domain for the project (409 if another project holds it, or this one maps it). */
async function mapDomainInProject(c: Context<AppEnv>, project: Project, input: z.output<typeof DomainCreate>): Promise<Made> {
  const domain = normaliseDomain(input.domain)!;
  await requireProvider(c, project.id, input.providerId);
  const mapped = await mapDomain(c.get("store"), project.id, domain, input.providerId, now());
  if (!mapped.ok) {
    throw mapped.refused === "claimed"
      ? new Problem(409, "Domain claimed by another project", {
        description: `"${domain}" is mapped in another project. Prove this project's ownership first (a DNS TXT record: POST …/domain-challenges/${domain}), or ask the platform operator to verify it.`,
      })
      : new Problem(409, "Conflict", { description: `"${domain}" is already mapped in this project; change its provider instead.` });
  }
  return { id: domain, version: mapped.version, body: view(mapped.mapping, mapped.verifiedBy), after: mapped.mapping };
}

export const domainOperations = [
  createOperation({
    path: "/projects/{projectId}/domains", tag: "Domain mappings", summary: "Map an email domain to an identity provider", type: "domain",
    description: "The domain is normalised (lower case, IDNA). Refused with 409 if another project maps it and this project's ownership is not verified (by DNS or by the operator).",
    body: DomainCreate, created: "The mapping", schema: DomainView, make: mapDomainInProject, acceptsSetupLink: mapsOwnDomain,
  }),
  listOperation<DomainMapping>({
    path: "/projects/{projectId}/domains", tag: "Domain mappings", summary: "List domain mappings",
    page: "A page of mappings (without verification state)", schema: DomainView, prefix: keys.domainMappingsPrefix,
  }),
  readOperation<DomainMapping>({
    path: "/projects/{projectId}/domains/{domain}", tag: "Domain mappings", summary: "Read a domain mapping, with whether the project's ownership is verified",
    found: "The mapping, with its ETag", schema: DomainView, load: storedMapping, view: verifiedView, acceptsSetupLink: ownDomainInPath,
  }),
  operation({
    method: "patch", path: "/projects/{projectId}/domains/{domain}", tag: "Domain mappings", summary: "Send a domain to another identity provider",
    load: storedMapping, ifMatch: true, body: DomainPatch, responses: { 200: { description: "The changed mapping", schema: DomainView } },
    handler: async (c, { target: stored, body: { providerId } }) => {
      await requireProvider(c, stored.value.projectId, providerId);
      const next: DomainMapping = { ...stored.value, providerId, updatedAt: now() };
      const version = committed(await updateDomainMapping(c.get("store"), stored.version, next));
      await auditChange(c, next.projectId, "domain.update", next.domain, { before: stored.value, after: next });
      return withEtag(c, await verifiedView(c, next), version);
    },
  }),
  operation({
    method: "delete", path: "/projects/{projectId}/domains/{domain}", tag: "Domain mappings", summary: "Remove a domain mapping (a verified claim stays)",
    load: domainOfProject, responses: { 204: { description: "Removed" } },
    handler: async (c, { target: { projectId, domain } }) => {
      const mapping = found(await unmapDomain(c.get("store"), projectId, domain), "domain mapping", domain);
      await auditChange(c, projectId, "domain.delete", domain, { before: mapping });
      return c.body(null, 204);
    },
  }),
  operation({
    method: "put", path: "/projects/{projectId}/domain-verifications/{domain}", tag: "Domain mappings", operatorOnly: true,
    summary: "Record that the project owns a domain (the operator's override)",
    description:
      "Lets the project map the domain even where another project maps it too. The operator's word replaces a DNS proof and is never re-checked; " +
      "a later DNS proof does not replace it. Audited as `domain.verify` with method `operator`.",
    load: domainOfProject, responses: { 204: { description: "Verified" } },
    handler: async (c, { target: { projectId, domain } }) => {
      await verifyDomain(c.get("store"), projectId, domain, { method: "operator" }, now());
      await auditChange(c, projectId, "domain.verify", domain, { after: { verified: true, method: "operator" } });
      return c.body(null, 204);
    },
  }),
  operation({
    method: "delete", path: "/projects/{projectId}/domain-verifications/{domain}", tag: "Domain mappings", operatorOnly: true,
    summary: "Withdraw a project's verified ownership of a domain, however it was verified",
    load: domainOfProject, responses: { 204: { description: "Withdrawn" } },
    handler: async (c, { target: { projectId, domain } }) => {
      await withdrawDomainVerification(c.get("store"), projectId, domain);
      await auditChange(c, projectId, "domain.unverify", domain, { after: { verified: false }, reason: "withdrawn by the operator" });
      return c.body(null, 204);
    },
  }),
];
