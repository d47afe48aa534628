/** Projects and their admin API keys. Creating a project also creates its first API key. */
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { newApiKeyId, newProjectId } from "../../ids";
import { apiKeyToken, type ApiKey } from "../../registry/api-keys";
import { forgetProject, projectInUse, type Project } from "../../registry/projects";
import { audit } from "../../security/audit";
import { normaliseCidr, type IpRules } from "../../security/ip-rules";
import { generateSecret, hashSecret } from "../../security/secrets";
import * as keys from "../../store/keys";
import { notFound, requireOperator } from "../auth";
import { now, requireIfMatch, scanPage, withEtag } from "../http";
import { jsonBody } from "../json-body";
import type { Operation } from "../openapi";
import { ApiKeyCreate, ApiKeyCreated, ApiKeyView, Page, ProjectCreate, ProjectCreated, ProjectPatch, ProjectView } from "../schemas";
import { projectInPath } from "./scope";

/** CIDRs as stored: canonical text. */
export const canonicalRules = (rules: IpRules): IpRules => ({
  allow: rules.allow.map((cidr) => normaliseCidr(cidr)!),
  deny: rules.deny.map((cidr) => normaliseCidr(cidr)!),
});

const keyView = ({ secretHash: _secret, ...view }: ApiKey) => view;

async function createApiKey(c: Context<AppEnv>, projectId: string, name: string) {
  const secret = generateSecret();
  const key: ApiKey = { id: newApiKeyId(), projectId, name, secretHash: await hashSecret(c.var.config.encryptionKey, secret), createdAt: now() };
  await c.var.store.set(keys.apiKey(projectId, key.id), key);
  await audit(c, { projectId, action: "api-key.create", target: { type: "api-key", id: key.id }, after: keyView(key) });
  return { ...keyView(key), token: apiKeyToken(key, secret) };
}

export const projectOperations: Operation[] = [
  {
    method: "post", path: "/projects", tag: "Projects", operatorOnly: true,
    summary: "Create a project and its first admin API key",
    body: ProjectCreate,
    responses: { 201: { description: "The project, and its first API key (shown only now)", schema: ProjectCreated } },
    handler: async (c) => {
      requireOperator(c);
      const input = await jsonBody(c, ProjectCreate);
      const at = now();
      const project: Project = { id: newProjectId(), name: input.name, ipRules: canonicalRules(input.ipRules), signIn: input.signIn, tokenExchange: input.tokenExchange, ...(input.rateLimits ? { rateLimits: input.rateLimits } : {}), createdAt: at, updatedAt: at };
      await c.var.store.set(keys.project(project.id), project, { ifAbsent: true });
      await audit(c, { projectId: project.id, action: "project.create", target: { type: "project", id: project.id }, after: project });
      const apiKey = await createApiKey(c, project.id, "initial admin key");
      c.header("Location", `/admin/v1/projects/${project.id}`);
      return c.json({ project, apiKey }, 201);
    },
  },
  {
    method: "get", path: "/projects", tag: "Projects", operatorOnly: true,
    summary: "List projects",
    responses: { 200: { description: "A page of projects", schema: Page(ProjectView) } },
    handler: async (c) => {
      requireOperator(c);
      return scanPage<Project>(c, keys.projectsPrefix());
    },
  },
  {
    method: "get", path: "/projects/{projectId}", tag: "Projects",
    summary: "Read a project",
    responses: { 200: { description: "The project, with its ETag", schema: ProjectView } },
    handler: async (c) => {
      const project = await projectInPath(c);
      const stored = await c.var.store.getVersioned<Project>(keys.project(project.id));
      if (!stored) throw notFound("project", project.id);
      return withEtag(c, stored.value, stored.version);
    },
  },
  {
    method: "patch", path: "/projects/{projectId}", tag: "Projects", ifMatch: true,
    summary: "Change a project's name or IP rules",
    body: ProjectPatch,
    responses: { 200: { description: "The changed project", schema: ProjectView } },
    handler: async (c) => {
      const { id } = await projectInPath(c);
      const stored = await c.var.store.getVersioned<Project>(keys.project(id));
      if (!stored) throw notFound("project", id);
      await requireIfMatch(c, stored.version);
      const patch = await jsonBody(c, ProjectPatch);
      const next: Project = {
        ...stored.value,
        ...(patch.name === undefined ? {} : { name: patch.name }),
        ...(patch.ipRules === undefined ? {} : { ipRules: canonicalRules(patch.ipRules) }),
        ...(patch.signIn === undefined ? {} : { signIn: patch.signIn }),
        ...(patch.tokenExchange === undefined ? {} : { tokenExchange: patch.tokenExchange }),
        ...(patch.rateLimits === undefined ? {} : { rateLimits: patch.rateLimits }),
        updatedAt: now(),
      };
      const written = await c.var.store.compareAndSet(keys.project(id), stored.version, next);
      if (!written.ok) throw changedMeanwhile();
      forgetProject(id);
      await audit(c, { projectId: id, action: "project.update", target: { type: "project", id }, before: stored.value, after: next });
      return withEtag(c, next, written.version);
    },
  },
  {
    method: "delete", path: "/projects/{projectId}", tag: "Projects", operatorOnly: true,
    summary: "Delete an empty project (its API keys go with it; its audit log stays)",
    responses: { 204: { description: "Deleted" } },
    handler: async (c) => {
      requireOperator(c);
      const project = await projectInPath(c);
      const inUse = await projectInUse(c.var.store, project.id);
      if (inUse) throw new Problem(409, "Conflict", { description: `The project still has ${inUse}; delete them first.` });
      for (const key of (await c.var.store.scan(keys.apiKeysPrefix(project.id), { limit: 200 })).items) await c.var.store.delete(key.id);
      await c.var.store.delete(keys.project(project.id));
      forgetProject(project.id);
      await audit(c, { projectId: project.id, action: "project.delete", target: { type: "project", id: project.id }, before: project });
      return c.body(null, 204);
    },
  },
  {
    method: "post", path: "/projects/{projectId}/api-keys", tag: "Projects",
    summary: "Create an admin API key for the project",
    body: ApiKeyCreate,
    responses: { 201: { description: "The key, with its token shown only now", schema: ApiKeyCreated } },
    handler: async (c) => {
      const project = await projectInPath(c);
      const { name } = await jsonBody(c, ApiKeyCreate);
      return c.json(await createApiKey(c, project.id, name), 201);
    },
  },
  {
    method: "get", path: "/projects/{projectId}/api-keys", tag: "Projects",
    summary: "List the project's admin API keys (never their secrets)",
    responses: { 200: { description: "A page of keys", schema: Page(ApiKeyView) } },
    handler: async (c) => {
      const project = await projectInPath(c);
      return scanPage<ApiKey>(c, keys.apiKeysPrefix(project.id), keyView);
    },
  },
  {
    method: "delete", path: "/projects/{projectId}/api-keys/{keyId}", tag: "Projects",
    summary: "Revoke an admin API key",
    responses: { 204: { description: "Revoked" } },
    handler: async (c) => {
      const project = await projectInPath(c);
      const keyId = c.req.param("keyId")!;
      const key = await c.var.store.take<ApiKey>(keys.apiKey(project.id, keyId));
      if (!key) throw notFound("API key", keyId);
      await audit(c, { projectId: project.id, action: "api-key.delete", target: { type: "api-key", id: keyId }, before: keyView(key) });
      return c.body(null, 204);
    },
  },
];

/** A compare-and-set lost to a concurrent change after If-Match passed. */
export function changedMeanwhile(): Problem {
  return new Problem(412, "Precondition Failed", { description: "The resource changed while your update was applied. Read it again." });
}
