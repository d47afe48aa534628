/**
 * Platform users: pre-provisioning, reading, disabling (which ends their broker sessions), and attaching or
 * detaching external identities. Sign-in creates users too (issue 5); the same uniqueness rules hold for both.
 */
import type { Context } from "hono";
import * as z from "zod/mini"; // a namespace import: `import { z }` bundles all of zod, every locale included
import type { AppEnv } from "../../env";
import { Problem } from "../../errors";
import { newUserId } from "../../ids";
import { listUsers } from "../../identity/user-pages";
import { findUserByEmail, getVersionedUser, normaliseEmail, saveUser, type ExternalId, type SaveResult, type User } from "../../identity/users";
import type { Project } from "../../registry/projects";
import * as keys from "../../store/keys";
import type { Store, Versioned } from "../../store/store";
import { notFound, requireOperator } from "../auth";
import { auditChange, changedMeanwhile, listResponse, now, pageOf, patched, withEtag } from "../http";
import { operation } from "../openapi";
import { ExternalIdInput, Page, UserCreate, UserPatch, UserView } from "../schemas";
import { createOperation, readOperation, type Made } from "./record-operations";
import { endUserSessions } from "./sessions";
import { projectInPath, recordInPath, requireProvider } from "./scope";

async function requireProviders(c: Context<AppEnv>, projectId: string, ids: ExternalId[]): Promise<void> {
  for (const { providerId } of ids) await requireProvider(c, projectId, providerId);
}

/** 409 naming what another user already holds, or 412 if this user changed meanwhile. */
function refusal(result: Extract<SaveResult, { ok: false }>, user: User): Problem {
  if (result.conflict === keys.user(user.projectId, user.id)) return changedMeanwhile();
  const what = result.conflict.includes("}user-email:") ? `the verified email ${user.email}` : "that external identity";
  const description = result.pending
    ? `Another user of this project is being given ${what} at this moment; try again in a few seconds.`
    : `Another user of this project already has ${what}.`;
  return new Problem(409, "Conflict", { description });
}

const readUser = (store: Store, projectId: string, userId: string) => getVersionedUser(store, projectId, userId);
const storedUser = (c: Context<AppEnv>): Promise<Versioned<User>> => recordInPath(c, "userId", "user", readUser);

/** Writes a changed user over the version read, audits it, answers it. */
async function update(c: Context<AppEnv>, stored: Versioned<User>, next: User, action: string): Promise<Response> {
  const written = await saveUser(c.get("store"), next, stored);
  if (!written.ok) throw refusal(written, next);
  await auditChange(c, next.projectId, action, next.id, { before: stored.value, after: next });
  return withEtag(c, next, written.version);
}

/** Stores a pre-provisioned user (409 if another user holds its verified email or an external identity). */
async function provisionUser(c: Context<AppEnv>, project: Project, input: z.output<typeof UserCreate>): Promise<Made> {
  if (input.roles !== undefined) requireOperator(c); // a project admin cannot hand out admin roles
  await requireProviders(c, project.id, input.externalIds);
  const at = now();
  const { roles, ...fields } = input;
  const user: User = {
    id: newUserId(), projectId: project.id, ...fields, ...(roles && roles.length > 0 ? { roles: [...new Set(roles)] } : {}),
    email: input.email === null ? null : normaliseEmail(input.email),
    disabled: false, createdAt: at, updatedAt: at,
  };
  const written = await saveUser(c.get("store"), user, null);
  if (!written.ok) throw refusal(written, user);
  return { id: user.id, version: written.version, body: user, after: user };
}

const UsersQuery = z.object({
  limit: z.optional(z.string()),
  cursor: z.optional(z.string()),
  email: z.optional(z.string().check(z.maxLength(320))),
});

export const userOperations = [
  createOperation({
    path: "/projects/{projectId}/users", tag: "Users", summary: "Pre-provision a user", type: "user",
    description: "For providers that do not create users on first sign-in. A verified email and each external identity are unique in the project.",
    body: UserCreate, created: "The user", schema: UserView, make: provisionUser,
  }),
  operation({
    method: "get", path: "/projects/{projectId}/users", tag: "Users", summary: "List users, or find one by verified email",
    description: "Users are spread over many partitions; the cursor walks them all. With `email`, the page holds the user whose verified email it is, if any.",
    load: projectInPath, query: UsersQuery, responses: { 200: { description: "A page of users", schema: Page(UserView) } },
    handler: async (c, { target: project, query }) => {
      if (query.email !== undefined) {
        const user = await findUserByEmail(c.get("store"), project.id, query.email);
        return c.json(listResponse(user ? [user] : [], undefined));
      }
      const page = await listUsers(c.get("store"), project.id, pageOf(c));
      return c.json(listResponse(page.items.map((item) => item.value), page.cursor));
    },
  }),
  readOperation<User>({ path: "/projects/{projectId}/users/{userId}", tag: "Users", summary: "Read a user", found: "The user, with its ETag", schema: UserView, load: storedUser }),
  operation({
    method: "patch", path: "/projects/{projectId}/users/{userId}", tag: "Users", summary: "Change a user: disable or enable, name, email, admin roles (operator only)",
    load: storedUser, ifMatch: true, body: UserPatch, responses: { 200: { description: "The changed user", schema: UserView } },
    handler: async (c, { target: stored, body: patch }) => {
      if (patch.roles !== undefined) requireOperator(c); // a project admin cannot hand out admin roles
      const { roles, ...fields } = patch;
      const next: User = { ...patched(stored.value, fields), ...(patch.email ? { email: normaliseEmail(patch.email) } : {}), updatedAt: now() };
      if (roles !== undefined) {
        if (roles.length > 0) next.roles = [...new Set(roles)];
        else delete next.roles;
      }
      const action = patch.disabled === true ? "user.disable" : patch.disabled === false ? "user.enable" : "user.update";
      const response = await update(c, stored, next, action);
      // After the write, so a sign-in racing it cannot start a session this misses that still works: sso.ts reads the user at each use.
      if (patch.disabled === true) await endUserSessions(c, next.projectId, next.id, "user_disabled");
      return response;
    },
  }),
  operation({
    method: "post", path: "/projects/{projectId}/users/{userId}/identities", tag: "Users", summary: "Attach an external identity (provider + subject) to a user",
    load: storedUser, body: ExternalIdInput, responses: { 200: { description: "The user", schema: UserView } },
    handler: async (c, { target: stored, body: identity }) => {
      await requireProviders(c, stored.value.projectId, [identity]);
      const has = stored.value.externalIds.some((id) => id.providerId === identity.providerId && id.subject === identity.subject);
      if (has) return withEtag(c, stored.value, stored.version);
      const next: User = { ...stored.value, externalIds: [...stored.value.externalIds, identity], updatedAt: now() };
      return update(c, stored, next, "user.identity.attach");
    },
  }),
  operation({
    method: "delete", path: "/projects/{projectId}/users/{userId}/identities/{providerId}/{subject}", tag: "Users", summary: "Detach an external identity from a user",
    load: storedUser, responses: { 200: { description: "The user", schema: UserView } },
    handler: async (c, { target: stored }) => {
      const providerId = c.req.param("providerId")!;
      const subject = c.req.param("subject")!; // hono has decoded it
      const remaining = stored.value.externalIds.filter((id) => !(id.providerId === providerId && id.subject === subject));
      if (remaining.length === stored.value.externalIds.length) throw notFound("external identity", `${providerId}/${subject}`);
      return update(c, stored, { ...stored.value, externalIds: remaining, updatedAt: now() }, "user.identity.detach");
    },
  }),
];
