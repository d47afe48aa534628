/** Projects and their admin API keys. Creating a project also creates its first API key. */
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { newApiKeyId, newProjectId } from "../../ids";
import { apiKeyToken, saveApiKey, takeApiKey, type ApiKey } from "../../registry/api-keys";
import { createProject, deleteProject, projectInUse, readProject, updateProject, type Project } from "../../registry/projects";
import { normaliseCidr, type IpRules } from "../../security/ip-rules";
import { generateSecret, hashSecret } from "../../security/secrets";
import * as keys from "../../store/keys";
import { found } from "../auth";
import { API_BASE, auditChange, committed, now, patched, scanPage, withEtag } from "../http";
import { operation } from "../openapi";
import { ApiKeyCreate, ApiKeyCreated, ApiKeyView, Page, ProjectCreate, ProjectCreated, ProjectPatch, ProjectView } from "../schemas";
import { listOperation, readOperation } from "./record-operations";
import { projectInPath } from "./scope";

/** CIDRs as stored: canonical text. */
export const canonicalRules = (rules: IpRules): IpRules => ({
  allow: rules.allow.map((cidr) => normaliseCidr(cidr)!),
  deny: rules.deny.map((cidr) => normaliseCidr(cidr)!),
});

const keyView = ({ secretHash: _secret, ...view }: ApiKey) => view;

async function createApiKey(c: Context<AppEnv>, projectId: string, name: string) {
  const secret = generateSecret();
  const key: ApiKey = { id: newApiKeyId(), projectId, name, secretHash: await hashSecret(c.get("config").encryptionKey, secret), createdAt: now() };
  await saveApiKey(c.get("store"), key);
  await auditChange(c, projectId, "api-key.create", key.id, { after: keyView(key) });
  return { ...keyView(key), token: apiKeyToken(key, secret) };
}

/** The project named in the path, with its version. */
async function storedProject(c: Context<AppEnv>) {
  const { id } = await projectInPath(c);
  return found(await readProject(c.get("store"), id), "project", id);
}

export const projectOperations = [
  operation({
    method: "post", path: "/projects", tag: "Projects", summary: "Create a project and its first admin API key",
    operatorOnly: true, body: ProjectCreate, responses: { 201: { description: "The project, and its first API key (shown only now)", schema: ProjectCreated } },
    handler: async (c, { body: input }) => {
      const at = now();
      const project: Project = { id: newProjectId(), name: input.name, ipRules: canonicalRules(input.ipRules), signIn: input.signIn, tokenExchange: input.tokenExchange, forwardAuth: input.forwardAuth, ...(input.rateLimits ? { rateLimits: input.rateLimits } : {}), ...(input.sessions ? { sessions: input.sessions } : {}), requireMfa: input.requireMfa, createdAt: at, updatedAt: at };
      await createProject(c.get("store"), project);
      await auditChange(c, project.id, "project.create", project.id, { after: project });
      const apiKey = await createApiKey(c, project.id, "initial admin key");
      c.header("Location", `${API_BASE}/projects/${project.id}`);
      return c.json({ project, apiKey }, 201);
    },
  }),
  operation({
    method: "get", path: "/projects", tag: "Projects", summary: "List projects",
    operatorOnly: true, responses: { 200: { description: "A page of projects", schema: Page(ProjectView) } },
    handler: async (c) => scanPage<Project>(c, keys.projectsPrefix()),
  }),
  readOperation<Project>({ path: "/projects/{projectId}", tag: "Projects", summary: "Read a project", found: "The project, with its ETag", schema: ProjectView, load: storedProject }),
  operation({
    method: "patch", path: "/projects/{projectId}", tag: "Projects", summary: "Change a project's name, IP rules, session lifetimes, MFA policy or other settings",
    load: storedProject, ifMatch: true, body: ProjectPatch, responses: { 200: { description: "The changed project", schema: ProjectView } },
    handler: async (c, { target: stored, body: patch }) => {
      const next: Project = { ...patched(stored.value, patch), ...(patch.ipRules === undefined ? {} : { ipRules: canonicalRules(patch.ipRules) }), updatedAt: now() };
      if (patch.sessions === null) delete next.sessions; // back to the default lifetimes
      const version = committed(await updateProject(c.get("store"), stored.version, next));
      await auditChange(c, next.id, "project.update", next.id, { before: stored.value, after: next });
      return withEtag(c, next, version);
    },
  }),
  operation({
    method: "delete", path: "/projects/{projectId}", tag: "Projects", summary: "Delete an empty project (its API keys go with it; its audit log stays)",
    operatorOnly: true, load: projectInPath, responses: { 204: { description: "Deleted" } },
    handler: async (c, { target: project }) => {
      const inUse = await projectInUse(c.get("store"), project.id);
      if (inUse) throw new Problem(409, "Conflict", { description: `The project still has ${inUse}; delete them first.` });
      await deleteProject(c.get("store"), project.id);
      await auditChange(c, project.id, "project.delete", project.id, { before: project });
      return c.body(null, 204);
    },
  }),
  operation({
    method: "post", path: "/projects/{projectId}/api-keys", tag: "Projects", summary: "Create an admin API key for the project",
    load: projectInPath, body: ApiKeyCreate, responses: { 201: { description: "The key, with its token shown only now", schema: ApiKeyCreated } },
    handler: async (c, { target: project, body: { name } }) => c.json(await createApiKey(c, project.id, name), 201),
  }),
  listOperation<ApiKey>({
    path: "/projects/{projectId}/api-keys", tag: "Projects", summary: "List the project's admin API keys (never their secrets)",
    page: "A page of keys", schema: ApiKeyView, prefix: keys.apiKeysPrefix, view: (_c, key) => keyView(key),
  }),
  operation({
    method: "delete", path: "/projects/{projectId}/api-keys/{keyId}", tag: "Projects", summary: "Revoke an admin API key",
    load: projectInPath, responses: { 204: { description: "Revoked" } },
    handler: async (c, { target: project }) => {
      const keyId = c.req.param("keyId")!;
      const key = found(await takeApiKey(c.get("store"), project.id, keyId), "API key", keyId);
      await auditChange(c, project.id, "api-key.delete", keyId, { before: keyView(key) });
      return c.body(null, 204);
    },
  }),
];
