/**
 * Platform users: pre-provisioning, reading, disabling, and attaching or detaching external
 * identities. Sign-in creates users too (issue 5); the same uniqueness rules hold for both.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { newUserId } from "../../ids";
import { normaliseEmail, saveUser, type ExternalId, type User } from "../../identity/users";
import { getProvider } from "../../registry/providers";
import { audit } from "../../security/audit";
import * as keys from "../../store/keys";
import type { Versioned, WriteResult } from "../../store/store";
import { notFound } from "../auth";
import { now, requireIfMatch, scanPage, withEtag } from "../http";
import { jsonBody } from "../json-body";
import type { Operation } from "../openapi";
import { ExternalIdInput, Page, UserCreate, UserPatch, UserView } from "../schemas";
import { changedMeanwhile } from "./projects";
import { projectInPath } from "./scope";

async function requireProviders(c: Context<AppEnv>, projectId: string, ids: ExternalId[]): Promise<void> {
  for (const { providerId } of ids) {
    if (!(await getProvider(c.var.store, projectId, providerId))) {
      throw new Problem(400, "Bad Request", { description: `"providerId": no identity provider "${providerId}" in this project.` });
    }
  }
}

/** 409 naming what another user already holds, or 412 if this user changed meanwhile. */
function refusal(result: Extract<WriteResult, { ok: false }>, user: User): Problem {
  if (result.conflict === keys.user(user.projectId, user.id)) return changedMeanwhile();
  const what = result.conflict.includes("}user-email:") ? `the verified email ${user.email}` : "that external identity";
  return new Problem(409, "Conflict", { description: `Another user of this project already has ${what}.` });
}

async function storedUser(c: Context<AppEnv>): Promise<Versioned<User>> {
  const project = await projectInPath(c);
  const userId = c.req.param("userId")!;
  const stored = await c.var.store.getVersioned<User>(keys.user(project.id, userId));
  if (!stored) throw notFound("user", userId);
  return stored;
}

/** Writes a changed user over the version read, audits it, answers it. */
async function update(c: Context<AppEnv>, stored: Versioned<User>, next: User, action: string): Promise<Response> {
  const written = await saveUser(c.var.store, next, stored.version);
  if (!written.ok) throw refusal(written, next);
  await audit(c, { projectId: next.projectId, action, target: { type: "user", id: next.id }, before: stored.value, after: next });
  return withEtag(c, next, written.version);
}

export const userOperations: Operation[] = [
  {
    method: "post", path: "/projects/{projectId}/users", tag: "Users",
    summary: "Pre-provision a user",
    description: "For providers that do not create users on first sign-in. A verified email and each external identity are unique in the project.",
    body: UserCreate,
    responses: { 201: { description: "The user", schema: UserView } },
    handler: async (c) => {
      const project = await projectInPath(c);
      const input = await jsonBody(c, UserCreate);
      await requireProviders(c, project.id, input.externalIds);
      const at = now();
      const user: User = {
        id: newUserId(), projectId: project.id, ...input,
        email: input.email === null ? null : normaliseEmail(input.email),
        disabled: false, createdAt: at, updatedAt: at,
      };
      const written = await saveUser(c.var.store, user, null);
      if (!written.ok) throw refusal(written, user);
      await audit(c, { projectId: project.id, action: "user.create", target: { type: "user", id: user.id }, after: user });
      c.header("Location", `/admin/v1/projects/${project.id}/users/${user.id}`);
      return withEtag(c, user, written.version, 201);
    },
  },
  {
    method: "get", path: "/projects/{projectId}/users", tag: "Users",
    summary: "List users",
    responses: { 200: { description: "A page of users", schema: Page(UserView) } },
    handler: async (c) => {
      const project = await projectInPath(c);
      return scanPage<User>(c, keys.usersPrefix(project.id));
    },
  },
  {
    method: "get", path: "/projects/{projectId}/users/{userId}", tag: "Users",
    summary: "Read a user",
    responses: { 200: { description: "The user, with its ETag", schema: UserView } },
    handler: async (c) => {
      const stored = await storedUser(c);
      return withEtag(c, stored.value, stored.version);
    },
  },
  {
    method: "patch", path: "/projects/{projectId}/users/{userId}", tag: "Users", ifMatch: true,
    summary: "Change a user: disable or enable, name, email",
    body: UserPatch,
    responses: { 200: { description: "The changed user", schema: UserView } },
    handler: async (c) => {
      const stored = await storedUser(c);
      await requireIfMatch(c, stored.version);
      const patch = await jsonBody(c, UserPatch);
      const next: User = {
        ...stored.value,
        ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)),
        ...(patch.email ? { email: normaliseEmail(patch.email) } : {}),
        updatedAt: now(),
      };
      const action = patch.disabled === true ? "user.disable" : patch.disabled === false ? "user.enable" : "user.update";
      return update(c, stored, next, action);
    },
  },
  {
    method: "post", path: "/projects/{projectId}/users/{userId}/identities", tag: "Users",
    summary: "Attach an external identity (provider + subject) to a user",
    body: ExternalIdInput,
    responses: { 200: { description: "The user", schema: UserView } },
    handler: async (c) => {
      const stored = await storedUser(c);
      const identity = await jsonBody(c, ExternalIdInput);
      await requireProviders(c, stored.value.projectId, [identity]);
      const has = stored.value.externalIds.some((id) => id.providerId === identity.providerId && id.subject === identity.subject);
      if (has) return withEtag(c, stored.value, stored.version);
      const next: User = { ...stored.value, externalIds: [...stored.value.externalIds, identity], updatedAt: now() };
      return update(c, stored, next, "user.identity.attach");
    },
  },
  {
    method: "delete", path: "/projects/{projectId}/users/{userId}/identities/{providerId}/{subject}", tag: "Users",
    summary: "Detach an external identity from a user",
    responses: { 200: { description: "The user", schema: UserView } },
    handler: async (c) => {
      const stored = await storedUser(c);
      const providerId = c.req.param("providerId")!;
      const subject = c.req.param("subject")!; // hono has decoded it
      const remaining = stored.value.externalIds.filter((id) => !(id.providerId === providerId && id.subject === subject));
      if (remaining.length === stored.value.externalIds.length) throw notFound("external identity", `${providerId}/${subject}`);
      return update(c, stored, { ...stored.value, externalIds: remaining, updatedAt: now() }, "user.identity.detach");
    },
  },
];
