/**
 * Upstream identity providers. Creating one first checks the issuer's discovery document (the
 * issuer cannot change later); the client secret is sealed at rest and never returned (AD-2).
 */
import type { Context } from "hono";
import type { z } from "zod/mini";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { callbackUrl, checkIssuer } from "../../federation";
import { newProviderId } from "../../ids";
import {
  createProvider, deleteProvider, providerReferences, readProvider, sealContext, updateProvider, type Provider,
} from "../../registry/providers";
import { Sealer } from "../../security/encryption";
import type { Project } from "../../registry/projects";
import * as keys from "../../store/keys";
import { auditChange, committed, now, patched, withEtag } from "../http";
import { operation } from "../openapi";
import { ProviderCreate, ProviderPatch, ProviderView } from "../schemas";
import { createOperation, listOperation, readOperation, type Made } from "./record-operations";
import { recordInPath } from "./scope";
import { changesOwnProvider, createsOwnProvider, readsOwnProvider } from "./setup-link-checks";

/** What the API shows of a provider: never the secret; the callback URL to register upstream; the defaults of settings it predates. */
function providerView(c: Context<AppEnv>, { clientSecretSealed, authorizationOrigin: _origin, ...provider }: Provider): z.output<typeof ProviderView> {
  return {
    ...provider, exchange: { ...provider.exchange, mode: provider.exchange.mode ?? "enforce" },
    roleMappings: provider.roleMappings ?? [], updateProfile: provider.updateProfile ?? false,
    authContext: provider.authContext ?? { trusted: false, mfaAcrValues: [] },
    hasClientSecret: clientSecretSealed !== null, callbackUrl: callbackUrl(c.get("config").issuer, provider),
  };
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
  new Sealer(c.get("config").encryptionKey).seal(secret, sealContext(providerId));

const storedProvider = (c: Context<AppEnv>) => recordInPath(c, "providerId", "identity provider", readProvider);

/** Checks the issuer, then stores the new provider with its secret sealed. */
async function addProvider(c: Context<AppEnv>, project: Project, { clientSecret, id: chosenId, ...settings }: z.output<typeof ProviderCreate>): Promise<Made> {
  const { authorizationOrigin } = await requireReachableIssuer(settings.issuer);
  const at = now();
  const id = chosenId ?? newProviderId();
  const provider: Provider = {
    id, projectId: project.id, ...settings,
    clientSecretSealed: clientSecret === undefined ? null : await seal(c, id, clientSecret),
    authorizationOrigin, createdAt: at, updatedAt: at,
  };
  const written = await createProvider(c.get("store"), provider);
  if (!written.ok) throw new Problem(409, "Conflict", { description: `The project already has an identity provider "${id}".` });
  return { id, version: written.version, body: providerView(c, provider), after: providerView(c, provider) };
}

export const providerOperations = [
  createOperation({
    path: "/projects/{projectId}/providers", tag: "Identity providers", summary: "Add an upstream identity provider", type: "provider",
    description: "Checks the issuer's discovery document first (5 s timeout): 502 if it cannot be fetched, 422 if it is not usable.",
    body: ProviderCreate, created: "The provider (its secret is never returned)", schema: ProviderView, make: addProvider, acceptsSetupLink: createsOwnProvider,
  }),
  listOperation<Provider>({ path: "/projects/{projectId}/providers", tag: "Identity providers", summary: "List identity providers", page: "A page of providers", schema: ProviderView, prefix: keys.providersPrefix, view: providerView }),
  readOperation<Provider>({
    path: "/projects/{projectId}/providers/{providerId}", tag: "Identity providers", summary: "Read an identity provider",
    found: "The provider, with its ETag", schema: ProviderView, load: storedProvider, view: providerView, acceptsSetupLink: readsOwnProvider,
  }),
  operation({
    method: "patch", path: "/projects/{projectId}/providers/{providerId}", tag: "Identity providers", summary: "Change an identity provider",
    description: "The issuer and kind cannot change: add a new provider instead. `clientSecret: null` removes the secret.",
    load: storedProvider, ifMatch: true, body: ProviderPatch, acceptsSetupLink: changesOwnProvider, responses: { 200: { description: "The changed provider", schema: ProviderView } },
    handler: async (c, { target: stored, body: { clientSecret, ...patch } }) => {
      const next: Provider = {
        ...patched(stored.value, patch),
        ...(clientSecret === undefined ? {} : { clientSecretSealed: clientSecret === null ? null : await seal(c, stored.value.id, clientSecret) }),
        updatedAt: now(),
      };
      const version = committed(await updateProvider(c.get("store"), stored.version, next));
      await auditChange(c, next.projectId, "provider.update", next.id, { before: providerView(c, stored.value), after: providerView(c, next) });
      return withEtag(c, providerView(c, next), version);
    },
  }),
  operation({
    method: "delete", path: "/projects/{projectId}/providers/{providerId}", tag: "Identity providers", summary: "Delete an identity provider no client or domain uses",
    load: storedProvider, responses: { 204: { description: "Deleted" } },
    handler: async (c, { target: { value: provider } }) => {
      const references = await providerReferences(c.get("store"), provider);
      if (references.length > 0) throw new Problem(409, "Conflict", { description: `Still used by ${references.join(", ")}.` });
      await deleteProvider(c.get("store"), provider);
      await auditChange(c, provider.projectId, "provider.delete", provider.id, { before: providerView(c, provider) });
      return c.body(null, 204);
    },
  }),
];
