/**
 * What a self-service setup link may touch (README "Self-service SSO setup"), as the checks the
 * operations that accept links declare (openapi.ts `acceptsSetupLink`): its one provider (created
 * once, under the id reserved on the link), test sign-ins of it, the domains it took on (at most
 * MAX_LINK_DOMAINS, none the project already maps or challenges) and their DNS proofs, and mapping
 * those domains to its provider once the project's ownership is verified. Everything else: 403.
 */
import type { Context } from "hono";
import type { z } from "zod/mini";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { readChallenge } from "../../registry/domain-proofs";
import { getDomainClaim, normaliseDomain, readDomainMapping, verificationOf } from "../../registry/domains";
import { MAX_LINK_DOMAINS, updateSetupLink, type SetupLink } from "../../registry/setup-links";
import { outsideSetupLink, type SetupLinkCheck } from "../openapi";
import type { DomainCreate, ProviderCreate, ProviderPatch } from "../schemas";

type Exchange = z.output<typeof ProviderCreate>["exchange"] | undefined;

/** Token exchange trusts the provider's tokens for the project's apps: the project admin's decision, not the customer's. */
function requireNoExchange(exchange: Exchange): void {
  if (exchange && (exchange.audiences.length > 0 || exchange.clientIds.length > 0 || exchange.acceptOpaqueTokens)) {
    throw outsideSetupLink("token exchange settings are the project admin's");
  }
}

const ownProviderInPath = (c: Context<AppEnv>, link: SetupLink) => {
  if (c.req.param("providerId") !== link.providerId) throw outsideSetupLink("only the identity provider it sets up");
};

/** Create the link's one provider: its reserved id, no token exchange. A second create is the API's 409. */
export const createsOwnProvider: SetupLinkCheck<z.output<typeof ProviderCreate>> = {
  check: () => undefined,
  body: (_c, link, body) => {
    if (body.id !== link.providerId) throw outsideSetupLink(`it creates one provider, with "id": "${link.providerId}"`);
    requireNoExchange(body.exchange);
  },
};

/** Read its provider, or start and read its test sign-ins. */
export const readsOwnProvider: SetupLinkCheck = { check: ownProviderInPath };

/** Change its provider, but not the token exchange settings. */
export const changesOwnProvider: SetupLinkCheck<z.output<typeof ProviderPatch>> = {
  check: ownProviderInPath,
  body: (_c, _link, body) => requireNoExchange(body.exchange),
};

const domainOfPath = (c: Context<AppEnv>): string | undefined => normaliseDomain(c.req.param("domain") ?? "");

/** Read the mapping or challenge of one of its domains. */
export const ownDomainInPath: SetupLinkCheck = {
  check: (c, link) => {
    const domain = domainOfPath(c);
    if (!domain || !link.domains.includes(domain)) throw outsideSetupLink("only the domains it took on");
  },
};

/**
 * Issue a challenge for one of its domains, or take on a new one: not mapped in the project, with no
 * challenge of the project's own pending, and no more than MAX_LINK_DOMAINS. The domain is recorded
 * on the link (compare-and-set) before the challenge is issued.
 */
export const challengesOwnDomain: SetupLinkCheck = {
  check: async (c, link) => {
    const domain = domainOfPath(c);
    if (!domain || link.domains.includes(domain)) return; // a bad name is the route's 400
    const store = c.get("store");
    if (link.domains.length >= MAX_LINK_DOMAINS) throw outsideSetupLink(`at most ${MAX_LINK_DOMAINS} domains`);
    const [mapping, challenge] = await Promise.all([readDomainMapping(store, link.projectId, domain), readChallenge(store, link.projectId, domain)]);
    if (mapping || challenge) {
      throw new Problem(409, "Conflict", { description: `"domain": "${domain}" is already set up in this project; ask its administrators.` });
    }
    const current = c.get("setupLink")!;
    const next = { ...current.value, domains: [...current.value.domains, domain] };
    if (!(await updateSetupLink(store, current.version, next))) {
      throw new Problem(409, "Conflict", { description: "The setup link changed meanwhile; try again." });
    }
  },
};

/** Map one of its domains to its provider, once the project's ownership of it is verified. */
export const mapsOwnDomain: SetupLinkCheck<z.output<typeof DomainCreate>> = {
  check: () => undefined,
  body: async (c, link, body) => {
    const domain = normaliseDomain(body.domain);
    if (body.providerId !== link.providerId) throw outsideSetupLink("domains go to its own provider only");
    if (!domain || !link.domains.includes(domain)) throw outsideSetupLink("only the domains it took on");
    if (!verificationOf(await getDomainClaim(c.get("store"), domain), link.projectId)) {
      throw new Problem(409, "Domain not verified", { description: `"domain": prove "${domain}" by its DNS TXT record first.` });
    }
  },
};
