/**
 * Client applications. A confidential client's secret is generated here, returned once (at creation
 * and rotation) and stored only as an HMAC (SECURITY.md AS-7).
 */
import type { Context } from "hono";
import type { z } from "zod/mini";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { newClientId } from "../../ids";
import { createClient, deleteClient, readClient, updateClient, type Client } from "../../registry/clients";
import { originsOf } from "../../registry/origins";
import { generateSecret, hashSecret } from "../../security/secrets";
import type { Project } from "../../registry/projects";
import * as keys from "../../store/keys";
import type { Versioned } from "../../store/store";
import { ACCESS_TOKEN_ALG } from "../../tokens/signing-keys";
import { auditChange, committed, now, patched, withEtag } from "../http";
import { operation } from "../openapi";
import { ClientCreate, ClientPatch, ClientView, ClientWithSecret, SecretRotation } from "../schemas";
import { canonicalRules } from "./projects";
import { createOperation, listOperation, readOperation, type Made } from "./record-operations";
import { recordInPath, requireProvider } from "./scope";

/** What the API shows of a client: everything but the secrets' hashes. */
function clientView({ secretHash, previousSecret, ...client }: Client): z.output<typeof ClientView> {
  // The keys were validated by `Jwks` when registered; jose's JWK type is only looser.
  return {
    ...client, refreshTokenReuseGraceSeconds: client.refreshTokenReuseGraceSeconds ?? 0, // clients stored before the setting: 0
    requireMfa: client.requireMfa ?? false,
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
  const firstTokens = ["authorization_code", "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:jwt-bearer"] as const;
  if (grants.has("refresh_token") && !firstTokens.some((grant) => grants.has(grant))) {
    throw invalid('"grantTypes": refresh_token needs authorization_code, token exchange or the JWT bearer grant to obtain a first token.');
  }
  const max = c.get("config").tokenMaxLifetimeS;
  for (const field of ["accessTokenSeconds", "idTokenSeconds"] as const) {
    if (client.tokenLifetimes[field] > max) throw invalid(`"tokenLifetimes.${field}": at most ${max} seconds on this deployment.`);
  }
  if (client.providerId !== null) await requireProvider(c, client.projectId, client.providerId);
}

/**
 * Creates the signing keys of the client's ID token algorithm if it is the first to need them
 * (RS256), so they are in the JWKS before its first sign-in rather than made during it.
 */
async function publishIdTokenKeys(c: Context<AppEnv>, client: Client): Promise<void> {
  const alg = client.idTokenSignedResponseAlg ?? c.get("config").defaultIdTokenAlg;
  if (alg !== ACCESS_TOKEN_ALG) await c.get("signingKeys").ensure(alg);
}

const storedClient = (c: Context<AppEnv>) => recordInPath(c, "clientId", "client", readClient);

/** A confidential client, for rotating its secret: 409 for a public one. */
async function confidentialClient(c: Context<AppEnv>) {
  const stored = await storedClient(c);
  if (stored.value.kind !== "confidential") throw new Problem(409, "Conflict", { description: "A public client has no secret." });
  return stored;
}

/** Writes a changed client over the version read and audits it under `action`. */
async function update(c: Context<AppEnv>, stored: Versioned<Client>, next: Client, action: string, audited: { before?: unknown; after: unknown }) {
  const version = committed(await updateClient(c.get("store"), stored, next));
  await auditChange(c, next.projectId, action, next.id, audited);
  return version;
}

const view = (_c: Context<AppEnv>, client: Client) => clientView(client);

/** Checks, builds and stores a new client; a confidential one gets its secret, answered only now. */
async function registerClient(c: Context<AppEnv>, project: Project, input: z.output<typeof ClientCreate>): Promise<Made> {
  const at = now();
  const secret = input.kind === "confidential" ? generateSecret() : undefined;
  const client: Client = {
    id: newClientId(project.id),
    projectId: project.id,
    ...input,
    ipRules: canonicalRules(input.ipRules),
    ...(secret ? { secretHash: await hashSecret(c.get("config").encryptionKey, secret), secretRotatedAt: at } : {}),
    createdAt: at,
    updatedAt: at,
  };
  await checkClient(c, client);
  await publishIdTokenKeys(c, client);
  const written = await createClient(c.get("store"), client);
  if (!written.ok) throw new Problem(409, "Conflict", { description: "Client id collision; try again." });
  const body = { client: clientView(client), ...(secret ? { clientSecret: secret } : {}) };
  return { id: client.id, version: written.version, body, after: body.client };
}

export const clientOperations = [
  createOperation({
    path: "/projects/{projectId}/clients", tag: "Clients", summary: "Register a client application", type: "client",
    description: "A confidential client gets a generated secret, returned only in this response.",
    body: ClientCreate, created: "The client, and its secret if confidential", schema: ClientWithSecret, make: registerClient,
  }),
  listOperation<Client>({ path: "/projects/{projectId}/clients", tag: "Clients", summary: "List client applications", page: "A page of clients", schema: ClientView, prefix: keys.clientsPrefix, view }),
  readOperation<Client>({ path: "/projects/{projectId}/clients/{clientId}", tag: "Clients", summary: "Read a client application", found: "The client, with its ETag", schema: ClientView, load: storedClient, view }),
  operation({
    method: "patch", path: "/projects/{projectId}/clients/{clientId}", tag: "Clients", summary: "Change a client application",
    load: storedClient, ifMatch: true, body: ClientPatch, responses: { 200: { description: "The changed client", schema: ClientView } },
    handler: async (c, { target: stored, body: patch }) => {
      const next: Client = { ...patched(stored.value, patch), ...(patch.ipRules ? { ipRules: canonicalRules(patch.ipRules) } : {}), updatedAt: now() };
      if (patch.jwks === null) delete next.jwks; // null removes the keys: back to the secret
      if (patch.idTokenSignedResponseAlg === null) delete next.idTokenSignedResponseAlg; // back to the default
      if (patch.allowedOrigins === null) delete next.allowedOrigins; // back to the redirect URIs' origins
      if (patch.backchannelLogoutUri === null) delete next.backchannelLogoutUri; // not told any more
      await checkClient(c, next);
      await publishIdTokenKeys(c, next);
      const version = await update(c, stored, next, "client.update", { before: clientView(stored.value), after: clientView(next) });
      return withEtag(c, clientView(next), version);
    },
  }),
  operation({
    method: "post", path: "/projects/{projectId}/clients/{clientId}/secret", tag: "Clients", summary: "Rotate a confidential client's secret",
    description: "Returns the new secret, once. The old secret stops working at once, or after `overlapSeconds`.",
    load: confidentialClient, body: SecretRotation, bodyOptional: true, responses: { 200: { description: "The client and its new secret", schema: ClientWithSecret } },
    handler: async (c, { target: stored, body: { overlapSeconds } }) => {
      const secret = generateSecret();
      const at = now();
      const { previousSecret: _, ...current } = stored.value;
      const next: Client = {
        ...current, secretHash: await hashSecret(c.get("config").encryptionKey, secret), secretRotatedAt: at, updatedAt: at,
        ...(overlapSeconds > 0 && current.secretHash ? { previousSecret: { hash: current.secretHash, expiresAt: new Date(Date.parse(at) + overlapSeconds * 1000).toISOString() } } : {}),
      };
      const version = await update(c, stored, next, "client.secret.rotate", { after: { overlapSeconds } });
      return withEtag(c, { client: clientView(next), clientSecret: secret }, version);
    },
  }),
  operation({
    method: "delete", path: "/projects/{projectId}/clients/{clientId}", tag: "Clients", summary: "Delete a client application",
    load: storedClient, responses: { 204: { description: "Deleted" } },
    handler: async (c, { target: { value: client } }) => {
      await deleteClient(c.get("store"), client);
      await auditChange(c, client.projectId, "client.delete", client.id, { before: clientView(client) });
      return c.body(null, 204);
    },
  }),
];
