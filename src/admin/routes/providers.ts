/**
 * Upstream identity providers. Creating one (or changing its issuer-facing settings) first checks
 * the issuer's discovery document; the client secret is sealed at rest and never returned (AD-2).
 */
import type { Context } from "hono";
import type { z } from "zod/mini";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { callbackUrl, checkIssuer } from "../../federation";
import { newProviderId } from "../../ids";
import type { Client } from "../../registry/clients";
import type { DomainMapping } from "../../registry/domains";
import { forgetProjectProviders, sealContext, type Provider } from "../../registry/providers";
import { audit } from "../../security/audit";
import { Sealer } from "../../security/encryption";
import * as keys from "../../store/keys";
import { notFound } from "../auth";
import { now, requireIfMatch, scanPage, withEtag } from "../http";
import { jsonBody } from "../json-body";
import type { Operation } from "../openapi";
import { Page, ProviderCreate, ProviderPatch, ProviderView } from "../schemas";
import { changedMeanwhile } from "./projects";
import { projectInPath } from "./scope";


/** What the API shows of a provider: never the secret; the callback URL to register upstream. */
function providerView(c: Context<AppEnv>, { clientSecretSealed, authorizationOrigin: _origin, ...provider }: Provider): z.output<typeof ProviderView> {
  return { ...provider, hasClientSecret: clientSecretSealed !== null, callbackUrl: callbackUrl(c.var.config.issuer, provider) };
}

/** The issuer's discovery document, checked; what the provider record keeps of it (its authorization endpoint's origin). */
async function requireReachableIssuer(issuer: string): Promise<{ authorizationOrigin: string }> {
  const check = await checkIssuer(issuer);
  if (check.ok) return { authorizationOrigin: new URL(check.metadata.authorization_endpoint!).origin };
  throw check.kind === "unreachable"
    ? new Problem(502, "Issuer unreachable", { description: `Could not check "${issuer}": ${check.reason}. Nothing was saved; try again.` })
    : new Problem(422, "Issuer not usable", { description: `"${issuer}" is not a usable OpenID provider: ${check.reason}.` });
}

const seal = (c: Context<AppEnv>, providerId: string, secret: string) =>
  new Sealer(c.var.config.encryptionKey).seal(secret, sealContext(providerId));

async function storedProvider(c: Context<AppEnv>) {
  const project = await projectInPath(c);
  const providerId = c.req.param("providerId")!;
  const stored = await c.var.store.getVersioned<Provider>(keys.provider(project.id, providerId));
  if (!stored) throw notFound("identity provider", providerId);
  return stored;
}

/** What still points at a provider: clients using it, domains mapped to it. */
async function referencesTo(c: Context<AppEnv>, provider: Provider): Promise<string[]> {
  const [clients, domains] = await Promise.all([
    c.var.store.scan<Client>(keys.clientsPrefix(provider.projectId), { limit: 200 }),
    c.var.store.scan<DomainMapping>(keys.domainMappingsPrefix(provider.projectId), { limit: 200 }),
  ]);
  return [
    ...clients.items.filter((i) => i.value.providerId === provider.id).map((i) => `client ${i.value.id}`),
    ...domains.items.filter((i) => i.value.providerId === provider.id).map((i) => `domain ${i.value.domain}`),
  ];
}

export const providerOperations: Operation[] = [
  {
    method: "post", path: "/projects/{projectId}/providers", tag: "Identity providers",
    summary: "Add an upstream identity provider",
    description: "Checks the issuer's discovery document first (5 s timeout): 502 if it cannot be fetched, 422 if it is not usable.",
    body: ProviderCreate,
    responses: { 201: { description: "The provider (its secret is never returned)", schema: ProviderView } },
    handler: async (c) => {
      const project = await projectInPath(c);
      const input = await jsonBody(c, ProviderCreate);
      const { authorizationOrigin } = await requireReachableIssuer(input.issuer);
      const at = now();
      const { clientSecret, id: chosenId, ...settings } = input;
      const id = chosenId ?? newProviderId();
      const provider: Provider = {
        id, projectId: project.id, ...settings,
        clientSecretSealed: clientSecret === undefined ? null : await seal(c, id, clientSecret),
        authorizationOrigin, createdAt: at, updatedAt: at,
      };
      const written = await c.var.store.set(keys.provider(project.id, id), provider, { ifAbsent: true });
      if (!written.ok) throw new Problem(409, "Conflict", { description: `The project already has an identity provider "${id}".` });
      forgetProjectProviders(project.id);
      await audit(c, { projectId: project.id, action: "provider.create", target: { type: "provider", id }, after: providerView(c, provider) });
      c.header("Location", `/admin/v1/projects/${project.id}/providers/${id}`);
      return withEtag(c, providerView(c, provider), written.version, 201);
    },
  },
  {
    method: "get", path: "/projects/{projectId}/providers", tag: "Identity providers",
    summary: "List identity providers",
    responses: { 200: { description: "A page of providers", schema: Page(ProviderView) } },
    handler: async (c) => {
      const project = await projectInPath(c);
      return scanPage<Provider>(c, keys.providersPrefix(project.id), (record) => providerView(c, record));
    },
  },
  {
    method: "get", path: "/projects/{projectId}/providers/{providerId}", tag: "Identity providers",
    summary: "Read an identity provider",
    responses: { 200: { description: "The provider, with its ETag", schema: ProviderView } },
    handler: async (c) => {
      const stored = await storedProvider(c);
      return withEtag(c, providerView(c, stored.value), stored.version);
    },
  },
  {
    method: "patch", path: "/projects/{projectId}/providers/{providerId}", tag: "Identity providers", ifMatch: true,
    summary: "Change an identity provider",
    description: "The issuer and kind cannot change: add a new provider instead. `clientSecret: null` removes the secret.",
    body: ProviderPatch,
    responses: { 200: { description: "The changed provider", schema: ProviderView } },
    handler: async (c) => {
      const stored = await storedProvider(c);
      await requireIfMatch(c, stored.version);
      const { clientSecret, ...patch } = await jsonBody(c, ProviderPatch);
      const next: Provider = {
        ...stored.value,
        ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)),
        ...(clientSecret === undefined ? {} : { clientSecretSealed: clientSecret === null ? null : await seal(c, stored.value.id, clientSecret) }),
        updatedAt: now(),
      };
      const written = await c.var.store.compareAndSet(keys.provider(next.projectId, next.id), stored.version, next);
      if (!written.ok) throw changedMeanwhile();
      forgetProjectProviders(next.projectId);
      await audit(c, {
        projectId: next.projectId, action: "provider.update", target: { type: "provider", id: next.id },
        before: providerView(c, stored.value), after: providerView(c, next),
      });
      return withEtag(c, providerView(c, next), written.version);
    },
  },
  {
    method: "delete", path: "/projects/{projectId}/providers/{providerId}", tag: "Identity providers",
    summary: "Delete an identity provider no client or domain uses",
    responses: { 204: { description: "Deleted" } },
    handler: async (c) => {
      const stored = await storedProvider(c);
      const references = await referencesTo(c, stored.value);
      if (references.length > 0) throw new Problem(409, "Conflict", { description: `Still used by ${references.join(", ")}.` });
      await c.var.store.delete(keys.provider(stored.value.projectId, stored.value.id));
      forgetProjectProviders(stored.value.projectId);
      await audit(c, { projectId: stored.value.projectId, action: "provider.delete", target: { type: "provider", id: stored.value.id }, before: providerView(c, stored.value) });
      return c.body(null, 204);
    },
  },
];
