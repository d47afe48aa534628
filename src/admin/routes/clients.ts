/**
 * Client applications. A confidential client's secret is generated here, returned once (at creation
 * and rotation) and stored only as an HMAC (SECURITY.md AS-7).
 */
import type { Context } from "hono";
import type { z } from "zod/mini";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { newClientId } from "../../ids";
import { forgetClient, type Client } from "../../registry/clients";
import { indexOrigins, originsOf } from "../../registry/origins";
import { getProvider } from "../../registry/providers";
import { audit } from "../../security/audit";
import { generateSecret, hashSecret } from "../../security/secrets";
import * as keys from "../../store/keys";
import { ACCESS_TOKEN_ALG } from "../../tokens/signing-keys";
import { notFound } from "../auth";
import { now, requireIfMatch, scanPage, withEtag } from "../http";
import { jsonBody } from "../json-body";
import type { Operation } from "../openapi";
import { ClientCreate, ClientPatch, ClientView, ClientWithSecret, Page, SecretRotation } from "../schemas";
import { canonicalRules, changedMeanwhile } from "./projects";
import { projectInPath } from "./scope";

/** What the API shows of a client: everything but the secrets' hashes. */
export function clientView({ secretHash, previousSecret, ...client }: Client): z.output<typeof ClientView> {
  // The keys were validated by `Jwks` when registered; jose's JWK type is only looser.
  return {
    ...client, refreshTokenReuseGraceSeconds: client.refreshTokenReuseGraceSeconds ?? 0, // clients stored before the setting: 0
    allowedOrigins: originsOf(client), allowedOriginsFromRedirectUris: client.allowedOrigins === undefined,
    hasSecret: secretHash !== undefined, ...(previousSecret ? { previousSecretExpiresAt: previousSecret.expiresAt } : {}),
  } as z.output<typeof ClientView>;
}

const invalid = (description: string) => new Problem(400, "Bad Request", { description });

/** Rules that span fields, and references to other resources. */
async function checkClient(c: Context<AppEnv>, client: Client): Promise<void> {
  const grants = new Set(client.grantTypes);
  if (client.kind === "public" && grants.has("client_credentials")) throw invalid("A public client cannot use client_credentials: it has no secret.");
  if (client.kind === "public" && client.jwks) throw invalid('"jwks": a public client does not authenticate.');
  if (grants.has("authorization_code") && client.redirectUris.length === 0) throw invalid('"redirectUris": the authorization_code grant needs at least one.');
  if (grants.has("refresh_token") && !grants.has("authorization_code") && !grants.has("urn:ietf:params:oauth:grant-type:token-exchange")) {
    throw invalid('"grantTypes": refresh_token needs authorization_code or token exchange to obtain a first token.');
  }
  const max = c.var.config.tokenMaxLifetimeS;
  for (const field of ["accessTokenSeconds", "idTokenSeconds"] as const) {
    if (client.tokenLifetimes[field] > max) throw invalid(`"tokenLifetimes.${field}": at most ${max} seconds on this deployment.`);
  }
  if (client.providerId !== null && !(await getProvider(c.var.store, client.projectId, client.providerId))) {
    throw invalid(`"providerId": no identity provider "${client.providerId}" in this project.`);
  }
}

/**
 * Creates the signing keys of the client's ID token algorithm if it is the first to need them
 * (RS256), so they are in the JWKS before its first sign-in rather than made during it.
 */
async function publishIdTokenKeys(c: Context<AppEnv>, client: Client): Promise<void> {
  const alg = client.idTokenSignedResponseAlg ?? c.var.config.defaultIdTokenAlg;
  if (alg !== ACCESS_TOKEN_ALG) await c.var.signingKeys.ensure(alg);
}

async function storedClient(c: Context<AppEnv>) {
  const project = await projectInPath(c);
  const clientId = c.req.param("clientId")!;
  const stored = await c.var.store.getVersioned<Client>(keys.client(project.id, clientId));
  if (!stored) throw notFound("client", clientId);
  return stored;
}

export const clientOperations: Operation[] = [
  {
    method: "post", path: "/projects/{projectId}/clients", tag: "Clients",
    summary: "Register a client application",
    description: "A confidential client gets a generated secret, returned only in this response.",
    body: ClientCreate,
    responses: { 201: { description: "The client, and its secret if confidential", schema: ClientWithSecret } },
    handler: async (c) => {
      const project = await projectInPath(c);
      const input = await jsonBody(c, ClientCreate);
      const at = now();
      const secret = input.kind === "confidential" ? generateSecret() : undefined;
      const client: Client = {
        id: newClientId(project.id),
        projectId: project.id,
        ...input,
        ipRules: canonicalRules(input.ipRules),
        ...(secret ? { secretHash: await hashSecret(c.var.config.encryptionKey, secret), secretRotatedAt: at } : {}),
        createdAt: at,
        updatedAt: at,
      };
      await checkClient(c, client);
      await publishIdTokenKeys(c, client);
      const written = await c.var.store.set(keys.client(project.id, client.id), client, { ifAbsent: true });
      if (!written.ok) throw new Problem(409, "Conflict", { description: "Client id collision; try again." });
      await indexOrigins(c.var.store, null, client);
      await audit(c, { projectId: project.id, action: "client.create", target: { type: "client", id: client.id }, after: clientView(client) });
      c.header("Location", `/admin/v1/projects/${project.id}/clients/${client.id}`);
      return withEtag(c, { client: clientView(client), ...(secret ? { clientSecret: secret } : {}) }, written.version, 201);
    },
  },
  {
    method: "get", path: "/projects/{projectId}/clients", tag: "Clients",
    summary: "List client applications",
    responses: { 200: { description: "A page of clients", schema: Page(ClientView) } },
    handler: async (c) => {
      const project = await projectInPath(c);
      return scanPage<Client>(c, keys.clientsPrefix(project.id), clientView);
    },
  },
  {
    method: "get", path: "/projects/{projectId}/clients/{clientId}", tag: "Clients",
    summary: "Read a client application",
    responses: { 200: { description: "The client, with its ETag", schema: ClientView } },
    handler: async (c) => {
      const stored = await storedClient(c);
      return withEtag(c, clientView(stored.value), stored.version);
    },
  },
  {
    method: "patch", path: "/projects/{projectId}/clients/{clientId}", tag: "Clients", ifMatch: true,
    summary: "Change a client application",
    body: ClientPatch,
    responses: { 200: { description: "The changed client", schema: ClientView } },
    handler: async (c) => {
      const stored = await storedClient(c);
      await requireIfMatch(c, stored.version);
      const patch = await jsonBody(c, ClientPatch);
      const next: Client = {
        ...stored.value,
        ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)),
        ...(patch.ipRules ? { ipRules: canonicalRules(patch.ipRules) } : {}),
        updatedAt: now(),
      };
      if (patch.jwks === null) delete next.jwks; // null removes the keys: back to the secret
      if (patch.idTokenSignedResponseAlg === null) delete next.idTokenSignedResponseAlg; // back to the default
      if (patch.allowedOrigins === null) delete next.allowedOrigins; // back to the redirect URIs' origins
      await checkClient(c, next);
      await publishIdTokenKeys(c, next);
      const written = await c.var.store.compareAndSet(keys.client(next.projectId, next.id), stored.version, next);
      if (!written.ok) throw changedMeanwhile();
      forgetClient(next.id);
      // Every patch rewrites the client's entries, so one after a failed index write puts it right.
      await indexOrigins(c.var.store, stored.value, next);
      await audit(c, { projectId: next.projectId, action: "client.update", target: { type: "client", id: next.id }, before: clientView(stored.value), after: clientView(next) });
      return withEtag(c, clientView(next), written.version);
    },
  },
  {
    method: "post", path: "/projects/{projectId}/clients/{clientId}/secret", tag: "Clients",
    summary: "Rotate a confidential client's secret",
    description: "Returns the new secret, once. The old secret stops working at once, or after `overlapSeconds`.",
    body: SecretRotation, bodyOptional: true,
    responses: { 200: { description: "The client and its new secret", schema: ClientWithSecret } },
    handler: async (c) => {
      const stored = await storedClient(c);
      if (stored.value.kind !== "confidential") throw new Problem(409, "Conflict", { description: "A public client has no secret." });
      const { overlapSeconds } = await jsonBody(c, SecretRotation);
      const secret = generateSecret();
      const at = now();
      const { previousSecret: _, ...current } = stored.value;
      const next: Client = {
        ...current, secretHash: await hashSecret(c.var.config.encryptionKey, secret), secretRotatedAt: at, updatedAt: at,
        ...(overlapSeconds > 0 && current.secretHash ? { previousSecret: { hash: current.secretHash, expiresAt: new Date(Date.parse(at) + overlapSeconds * 1000).toISOString() } } : {}),
      };
      const written = await c.var.store.compareAndSet(keys.client(next.projectId, next.id), stored.version, next);
      if (!written.ok) throw changedMeanwhile();
      forgetClient(next.id);
      await audit(c, { projectId: next.projectId, action: "client.secret.rotate", target: { type: "client", id: next.id }, after: { overlapSeconds } });
      return withEtag(c, { client: clientView(next), clientSecret: secret }, written.version);
    },
  },
  {
    method: "delete", path: "/projects/{projectId}/clients/{clientId}", tag: "Clients",
    summary: "Delete a client application",
    responses: { 204: { description: "Deleted" } },
    handler: async (c) => {
      const stored = await storedClient(c);
      await c.var.store.delete(keys.client(stored.value.projectId, stored.value.id));
      forgetClient(stored.value.id);
      await indexOrigins(c.var.store, stored.value, null);
      await audit(c, { projectId: stored.value.projectId, action: "client.delete", target: { type: "client", id: stored.value.id }, before: clientView(stored.value) });
      return c.body(null, 204);
    },
  },
];
