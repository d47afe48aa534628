/**
 * Self-service SSO setup links (registry/setup-links.ts; README "Self-service SSO setup"). A project
 * admin creates one for a customer organisation (the link is answered once), lists them with their
 * state, and revokes one (what it already created stays, and is named). The link's holder reads its
 * own setup (`GET /setup-link`) and completes it (`POST /setup-link/complete`); after that, or once
 * expired or revoked, the link is no credential at all (admin/auth.ts).
 */
import type { Context } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { callbackUrl } from "../../federation";
import { getDomainClaim, readDomainMapping, verificationOf } from "../../registry/domains";
import { getProject } from "../../registry/projects";
import { getProvider } from "../../registry/providers";
import {
  createSetupLink, listSetupLinks, readSetupLink, stateOf, updateSetupLink, type SetupLink,
} from "../../registry/setup-links";
import * as keys from "../../store/keys";
import { found } from "../auth";
import { auditChange, created, listResponse, now, pageOf } from "../http";
import { operation } from "../openapi";
import { Page } from "../schemas";
import { projectInPath } from "./scope";

const TAG = "Setup links";
const PATH = "/projects/{projectId}/setup-links";

const SetupLinkCreate = z.strictObject({
  organization: z.string().check(z.trim(), z.minLength(1, "must name the customer organisation"), z.maxLength(200)),
  expiresInHours: z._default(z.int().check(z.gte(1), z.lte(168, "must be at most 168 (7 days)")), 72),
});

const LinkView = z.object({
  id: z.string(), projectId: z.string(), organization: z.string(),
  state: z.enum(["pending", "in_progress", "completed", "expired", "revoked"]),
  providerId: z.nullable(z.string().check(z.describe("The provider the link created, once it did."))),
  domains: z.array(z.string()), createdAt: z.string(), expiresAt: z.string(), revokedAt: z.optional(z.string()), completedAt: z.optional(z.string()),
});
const CreatedLink = z.object({ ...LinkView.shape, url: z.string().check(z.describe("The link to hand to the customer; shown only now.")) });
const RevokedLink = z.object({ ...LinkView.shape, kept: z.object({ providerId: z.nullable(z.string()), domains: z.array(z.string()) }) });
const OwnSetup = z.object({
  linkId: z.string(), projectId: z.string(), organization: z.string(), projectName: z.string(), expiresAt: z.string(),
  providerId: z.string(), providerCreated: z.boolean(), callbackUrl: z.string(),
  domains: z.array(z.object({ domain: z.string(), verified: z.boolean(), mapped: z.boolean() })),
});

/** Whether each link's reserved provider exists (one read of the project's partition). */
async function providersMade(c: Context<AppEnv>, links: SetupLink[]): Promise<boolean[]> {
  const records = await c.get("store").getManyVersioned(links.map((link) => keys.provider(link.projectId, link.providerId)));
  return records.map((record) => record !== null);
}

const view = (link: SetupLink, made: boolean): z.output<typeof LinkView> => ({
  id: link.id, projectId: link.projectId, organization: link.organization, state: stateOf(link, made),
  providerId: made ? link.providerId : null, domains: link.domains, createdAt: link.createdAt, expiresAt: link.expiresAt,
  ...(link.revokedAt ? { revokedAt: link.revokedAt } : {}), ...(link.completedAt ? { completedAt: link.completedAt } : {}),
});

const storedLink = async (c: Context<AppEnv>) => {
  const project = await projectInPath(c);
  const linkId = c.req.param("linkId")!;
  return found(await readSetupLink(c.get("store"), project.id, linkId), "setup link", linkId);
};

/** The link's domains: whether the project's ownership is verified, and whether each is mapped to the link's provider. */
async function domainsOf(c: Context<AppEnv>, link: SetupLink) {
  const store = c.get("store");
  return Promise.all(link.domains.map(async (domain) => {
    const [claim, mapping] = await Promise.all([getDomainClaim(store, domain), readDomainMapping(store, link.projectId, domain)]);
    return { domain, verified: verificationOf(claim, link.projectId) !== null, mapped: mapping?.providerId === link.providerId };
  }));
}

/** Only the link itself reads or completes its setup. */
const ownLink = (c: Context<AppEnv>): SetupLink => {
  const link = c.get("setupLink")?.value;
  if (!link) throw new Problem(403, "Forbidden", { description: "Only a setup link's own credential reads or completes its setup." });
  return link;
};
const anyLink = { check: () => undefined };

export const setupLinkOperations = [
  operation({
    method: "post", path: PATH, tag: TAG, summary: "Create a self-service SSO setup link for a customer organisation",
    description:
      "Answers the link (`url`, `<ISSUER>/setup/<token>`) once: only its hash is stored. Its holder may create one identity provider, test it, " +
      "and prove and map domains to it, nothing else. Valid `expiresInHours` (default 72, at most 168). Audited as `setup-link.create`.",
    load: projectInPath, body: SetupLinkCreate, responses: { 201: { description: "The link, with its URL (shown only now)", schema: CreatedLink } },
    handler: async (c, { target: project, body }) => {
      const { link, token, version } = await createSetupLink(c.get("store"), project.id, body.organization, body.expiresInHours, new Date());
      const shown = view(link, false);
      await auditChange(c, project.id, "setup-link.create", link.id, { after: shown });
      return created(c, `${PATH.replace("{projectId}", project.id)}/${link.id}`, { ...shown, url: `${c.get("config").issuer}/setup/${token}` }, version);
    },
  }),
  operation({
    method: "get", path: PATH, tag: TAG, summary: "List the project's setup links with their state",
    load: projectInPath, responses: { 200: { description: "A page of links", schema: Page(LinkView) } },
    handler: async (c, { target: project }) => {
      const page = await listSetupLinks(c.get("store"), project.id, pageOf(c));
      const made = await providersMade(c, page.links);
      return c.json(listResponse(page.links.map((link, i) => view(link, made[i]!)), page.cursor));
    },
  }),
  operation({
    method: "get", path: `${PATH}/{linkId}`, tag: TAG, summary: "Read a setup link",
    load: storedLink, responses: { 200: { description: "The link", schema: LinkView } },
    handler: async (c, { target: { value: link } }) => c.json(view(link, (await providersMade(c, [link]))[0]!)),
  }),
  operation({
    method: "delete", path: `${PATH}/{linkId}`, tag: TAG, summary: "Revoke a setup link",
    description:
      "The link stops working at once, also in the middle of a setup. What it already created (its provider, domain mappings and proofs) stays " +
      "and is named in `kept`. Revoking a revoked link answers it as it is. Audited as `setup-link.revoke`.",
    load: storedLink, responses: { 200: { description: "The revoked link and what it created", schema: RevokedLink } },
    handler: async (c, { target: stored }) => {
      let link = stored.value;
      if (!link.revokedAt) {
        link = { ...link, revokedAt: now() };
        if (!(await updateSetupLink(c.get("store"), stored.version, link))) throw new Problem(409, "Conflict", { description: "The link changed meanwhile; try again." });
      }
      const [made] = await providersMade(c, [link]);
      const mapped = (await domainsOf(c, link)).filter((domain) => domain.mapped).map((domain) => domain.domain);
      const kept = { providerId: made ? link.providerId : null, domains: mapped };
      if (link !== stored.value) await auditChange(c, link.projectId, "setup-link.revoke", link.id, { before: view(stored.value, made!), after: { ...view(link, made!), kept } });
      return c.json({ ...view(link, made!), kept });
    },
  }),
  operation({
    method: "get", path: "/setup-link", tag: TAG, summary: "A setup link's own setup (the setup link's credential only)",
    description: "The organisation, the project's name, the provider id reserved for it and its callback URL, and the domains it took on.",
    acceptsSetupLink: anyLink, responses: { 200: { description: "The setup so far", schema: OwnSetup } },
    handler: async (c) => {
      const link = ownLink(c);
      const [project, provider, domains] = await Promise.all([
        getProject(c.get("store"), link.projectId), getProvider(c.get("store"), link.projectId, link.providerId), domainsOf(c, link),
      ]);
      return c.json({
        linkId: link.id, projectId: link.projectId, organization: link.organization, projectName: project?.name ?? link.projectId, expiresAt: link.expiresAt,
        providerId: link.providerId, providerCreated: provider !== null, callbackUrl: callbackUrl(c.get("config").issuer, { id: link.providerId }), domains,
      } satisfies z.output<typeof OwnSetup>);
    },
  }),
  operation({
    method: "post", path: "/setup-link/complete", tag: TAG, summary: "Complete a setup (the setup link's credential only); the link then stops working",
    description: "Needs the provider created. Audited as `setup-link.complete` with the provider and the verified, mapped domains.",
    acceptsSetupLink: anyLink, responses: { 200: { description: "What the setup made", schema: OwnSetup } },
    handler: async (c) => {
      const link = ownLink(c);
      const store = c.get("store");
      const provider = await getProvider(store, link.projectId, link.providerId);
      if (!provider) throw new Problem(409, "Conflict", { description: "Add the identity provider before completing the setup." });
      const current = c.get("setupLink")!;
      const next = { ...current.value, completedAt: now() };
      if (!(await updateSetupLink(store, current.version, next))) throw new Problem(409, "Conflict", { description: "The setup link changed meanwhile; try again." });
      const [project, domains] = await Promise.all([getProject(store, link.projectId), domainsOf(c, link)]);
      const summary = {
        linkId: link.id, projectId: link.projectId, organization: link.organization, projectName: project?.name ?? link.projectId, expiresAt: link.expiresAt,
        providerId: link.providerId, providerCreated: true, callbackUrl: callbackUrl(c.get("config").issuer, provider), domains,
      };
      await auditChange(c, link.projectId, "setup-link.complete", link.id, { after: { providerId: provider.id, domains } });
      return c.json(summary);
    },
  }),
];
