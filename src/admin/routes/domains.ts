/**
 * Email-domain mappings (home realm discovery): one provider per domain per project, and the
 * cross-project claim rule of registry/domains.ts. Verification is the platform operator's call.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import {
  claimDomain, forgetDomain, getDomainClaim, normaliseDomain, releaseDomain, setDomainVerified, type DomainMapping,
} from "../../registry/domains";
import { getProvider } from "../../registry/providers";
import { audit } from "../../security/audit";
import * as keys from "../../store/keys";
import { notFound, requireOperator } from "../auth";
import { now, requireIfMatch, scanPage, withEtag } from "../http";
import { jsonBody } from "../json-body";
import type { Operation } from "../openapi";
import { DomainCreate, DomainPatch, DomainView, Page } from "../schemas";
import { changedMeanwhile } from "./projects";
import { projectInPath } from "./scope";

function domainInPath(c: Context<AppEnv>): string {
  const raw = c.req.param("domain")!; // hono has decoded it
  const domain = normaliseDomain(raw);
  if (!domain) throw new Problem(400, "Bad Request", { description: `"${raw}" is not a DNS domain name.` });
  return domain;
}

async function requireProvider(c: Context<AppEnv>, projectId: string, providerId: string): Promise<void> {
  if (!(await getProvider(c.var.store, projectId, providerId))) {
    throw new Problem(400, "Bad Request", { description: `"providerId": no identity provider "${providerId}" in this project.` });
  }
}

const view = (mapping: DomainMapping, verified: boolean) => ({ ...mapping, verified });

export const domainOperations: Operation[] = [
  {
    method: "post", path: "/projects/{projectId}/domains", tag: "Domain mappings",
    summary: "Map an email domain to an identity provider",
    description: "The domain is normalised (lower case, IDNA). Refused with 409 if another project maps it and this project's ownership is not verified.",
    body: DomainCreate,
    responses: { 201: { description: "The mapping", schema: DomainView } },
    handler: async (c) => {
      const project = await projectInPath(c);
      const input = await jsonBody(c, DomainCreate);
      const domain = normaliseDomain(input.domain)!;
      await requireProvider(c, project.id, input.providerId);
      const at = now();
      const claim = await claimDomain(c.var.store, project.id, domain, at);
      if (!claim.ok) {
        throw new Problem(409, "Domain claimed by another project", {
          description: `"${domain}" is mapped in another project. The platform operator must verify this project's ownership before it can be mapped here.`,
        });
      }
      const mapping: DomainMapping = { domain, projectId: project.id, providerId: input.providerId, createdAt: at, updatedAt: at };
      const written = await c.var.store.set(keys.domainMapping(project.id, domain), mapping, { ifAbsent: true });
      if (!written.ok) throw new Problem(409, "Conflict", { description: `"${domain}" is already mapped in this project; change its provider instead.` });
      forgetDomain(project.id, domain);
      await audit(c, { projectId: project.id, action: "domain.create", target: { type: "domain", id: domain }, after: mapping });
      c.header("Location", `/admin/v1/projects/${project.id}/domains/${domain}`);
      return withEtag(c, view(mapping, claim.verified), written.version, 201);
    },
  },
  {
    method: "get", path: "/projects/{projectId}/domains", tag: "Domain mappings",
    summary: "List domain mappings",
    responses: { 200: { description: "A page of mappings (without verification state)", schema: Page(DomainView) } },
    handler: async (c) => {
      const project = await projectInPath(c);
      return scanPage<DomainMapping>(c, keys.domainMappingsPrefix(project.id));
    },
  },
  {
    method: "get", path: "/projects/{projectId}/domains/{domain}", tag: "Domain mappings",
    summary: "Read a domain mapping, with whether the project's ownership is verified",
    responses: { 200: { description: "The mapping, with its ETag", schema: DomainView } },
    handler: async (c) => {
      const project = await projectInPath(c);
      const domain = domainInPath(c);
      const [stored, claim] = await Promise.all([
        c.var.store.getVersioned<DomainMapping>(keys.domainMapping(project.id, domain)),
        getDomainClaim(c.var.store, domain),
      ]);
      if (!stored) throw notFound("domain mapping", domain);
      return withEtag(c, view(stored.value, claim?.projects[project.id]?.verified ?? false), stored.version);
    },
  },
  {
    method: "patch", path: "/projects/{projectId}/domains/{domain}", tag: "Domain mappings", ifMatch: true,
    summary: "Send a domain to another identity provider",
    body: DomainPatch,
    responses: { 200: { description: "The changed mapping", schema: DomainView } },
    handler: async (c) => {
      const project = await projectInPath(c);
      const domain = domainInPath(c);
      const stored = await c.var.store.getVersioned<DomainMapping>(keys.domainMapping(project.id, domain));
      if (!stored) throw notFound("domain mapping", domain);
      await requireIfMatch(c, stored.version);
      const { providerId } = await jsonBody(c, DomainPatch);
      await requireProvider(c, project.id, providerId);
      const next: DomainMapping = { ...stored.value, providerId, updatedAt: now() };
      const written = await c.var.store.compareAndSet(keys.domainMapping(project.id, domain), stored.version, next);
      if (!written.ok) throw changedMeanwhile();
      forgetDomain(project.id, domain);
      await audit(c, { projectId: project.id, action: "domain.update", target: { type: "domain", id: domain }, before: stored.value, after: next });
      const claim = await getDomainClaim(c.var.store, domain);
      return withEtag(c, view(next, claim?.projects[project.id]?.verified ?? false), written.version);
    },
  },
  {
    method: "delete", path: "/projects/{projectId}/domains/{domain}", tag: "Domain mappings",
    summary: "Remove a domain mapping (a verified claim stays)",
    responses: { 204: { description: "Removed" } },
    handler: async (c) => {
      const project = await projectInPath(c);
      const domain = domainInPath(c);
      const mapping = await c.var.store.take<DomainMapping>(keys.domainMapping(project.id, domain));
      if (!mapping) throw notFound("domain mapping", domain);
      forgetDomain(project.id, domain);
      await releaseDomain(c.var.store, project.id, domain);
      await audit(c, { projectId: project.id, action: "domain.delete", target: { type: "domain", id: domain }, before: mapping });
      return c.body(null, 204);
    },
  },
  {
    method: "put", path: "/projects/{projectId}/domain-verifications/{domain}", tag: "Domain mappings", operatorOnly: true,
    summary: "Record that the project owns a domain (after an out-of-band proof)",
    description: "Lets the project map the domain even where another project maps it too.",
    responses: { 204: { description: "Verified" } },
    handler: async (c) => {
      requireOperator(c);
      const project = await projectInPath(c);
      const domain = domainInPath(c);
      await setDomainVerified(c.var.store, project.id, domain, true, now());
      await audit(c, { projectId: project.id, action: "domain.verify", target: { type: "domain", id: domain } });
      return c.body(null, 204);
    },
  },
  {
    method: "delete", path: "/projects/{projectId}/domain-verifications/{domain}", tag: "Domain mappings", operatorOnly: true,
    summary: "Withdraw a project's verified ownership of a domain",
    responses: { 204: { description: "Withdrawn" } },
    handler: async (c) => {
      requireOperator(c);
      const project = await projectInPath(c);
      const domain = domainInPath(c);
      await setDomainVerified(c.var.store, project.id, domain, false, now());
      if (!(await c.var.store.get(keys.domainMapping(project.id, domain)))) await releaseDomain(c.var.store, project.id, domain);
      await audit(c, { projectId: project.id, action: "domain.unverify", target: { type: "domain", id: domain } });
      return c.body(null, 204);
    },
  },
];
