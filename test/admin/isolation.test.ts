/**
 * AD-1: a credential for project A can neither read nor change project B — walked over every admin
 * operation the API declares, so a new route is covered the day it is added.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/admin";
import { decodeJwt } from "jose";
import { api, newProject, newProvider, operator } from "../helpers/admin";
import { CookieJar, redeemFlow, setupFederation, signInFlow } from "../helpers/signin";

let victim: { id: string; token: string };
/** A browser signed in to the victim project (its broker session). */
const jar = new CookieJar();
let intruder: { id: string; token: string };
const ids: Record<string, string> = {};

beforeAll(async () => {
  // The victim's users sign in for real at the Okta emulator, so the session routes have a live session to refuse.
  const federation = await setupFederation("okta", { domains: ["okta.example"] });
  victim = federation.project;
  intruder = await newProject("intruder");
  const provider = await newProvider(victim, "okta");
  const client = await api(victim.token, "POST", `/projects/${victim.id}/clients`, { name: "c", kind: "confidential", grantTypes: ["client_credentials"] });
  const domain = `victim-${Date.now()}.example`;
  await api(victim.token, "POST", `/projects/${victim.id}/domains`, { domain, providerId: provider.id });
  const user = await api(victim.token, "POST", `/projects/${victim.id}/users`, {
    email: "v@victim.example", externalIds: [{ providerId: provider.id, subject: "00uV" }, { providerId: federation.providerId, subject: "00u1fedgate0olivia01" }],
  });
  const tokens = await redeemFlow(federation, await signInFlow(federation, { email: "olivia@okta.example", password: "olivia-password" }, { jar }));
  if (decodeJwt(tokens.body.id_token).sub !== user.body.id) throw new Error(`the sign-in did not reach the victim's user: ${JSON.stringify(tokens.body)}`);
  const keys = await api(victim.token, "GET", `/projects/${victim.id}/api-keys`);
  Object.assign(ids, {
    projectId: victim.id, providerId: provider.id, clientId: client.body.client.id, domain, userId: user.body.id,
    keyId: keys.body.items[0].id, subject: "00uV", sessionId: decodeJwt(tokens.body.id_token).sid as string,
  });
});

const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(ids[name] ?? `unknown-${name}`));

describe("AD-1: tenancy", () => {
  it("refuses another project's API key on every project route, as if the project did not exist", async () => {
    const scoped = operations.filter((op) => op.path.includes("{projectId}"));
    expect(scoped.length).toBeGreaterThan(25);
    // Read-only reports over the project's data are in the walk too.
    expect(scoped.map((op) => `${op.method} ${op.path}`)).toContain("get /projects/{projectId}/migration-report");
    for (const op of scoped) {
      const path = concrete(op.path);
      const response = await api(intruder.token, op.method.toUpperCase(), path, op.body ? {} : undefined, { "If-Match": "*" });
      const expected = op.operatorOnly ? [403, 404] : [404];
      expect(expected, `${op.method.toUpperCase()} ${path} answered ${response.status}`).toContain(response.status);
      expect(JSON.stringify(response.body ?? {})).not.toContain(ids.clientId);
    }
  });

  it("refuses API keys on operator-only routes", async () => {
    for (const op of operations.filter((op) => op.operatorOnly)) {
      const response = await api(victim.token, op.method.toUpperCase(), concrete(op.path), op.body ? { name: "x" } : undefined);
      expect([403, 404], `${op.method} ${op.path}`).toContain(response.status);
    }
    expect((await api(intruder.token, "GET", "/signing-keys")).status).toBe(403);
    expect((await api(intruder.token, "POST", "/signing-keys/rotate", { force: true })).status).toBe(403);
    expect((await api(intruder.token, "GET", `/audit?project=${victim.id}`)).status).toBe(404);
  });

  it("left the victim's resources as they were", async () => {
    expect((await api(victim.token, "GET", `/projects/${victim.id}/clients/${ids.clientId}`)).status).toBe(200);
    expect((await api(victim.token, "GET", `/projects/${victim.id}/providers/${ids.providerId}`)).status).toBe(200);
    expect((await api(victim.token, "GET", `/projects/${victim.id}/domains/${ids.domain}`)).status).toBe(200);
    const user = await api(victim.token, "GET", `/projects/${victim.id}/users/${ids.userId}`);
    expect(user.body).toMatchObject({ disabled: false, externalIds: [{ subject: "00uV" }, { subject: "00u1fedgate0olivia01" }] });
    const sessions = await api(victim.token, "GET", `/projects/${victim.id}/users/${ids.userId}/sessions`);
    expect(sessions.body.items.map((session: { id: string }) => session.id)).toEqual([ids.sessionId]);
    expect((await api(victim.token, "GET", `/projects/${victim.id}/api-keys`)).body.items).toHaveLength(1);
    // Nothing the intruder tried changed anything, so the victim's log has no event of theirs.
    const intruderKeyId = intruder.token.split(".")[2];
    const log = await api(victim.token, "GET", `/projects/${victim.id}/audit?limit=200`);
    expect(log.body.items.length).toBeGreaterThan(3);
    expect(log.body.items.filter((event: { actor: { keyId?: string } }) => event.actor.keyId === intruderKeyId)).toEqual([]);
  });

  it("answers every admin route without a credential with 401", async () => {
    for (const op of operations) {
      const response = await api("", op.method.toUpperCase(), concrete(op.path));
      expect(response.status, `${op.method} ${op.path}`).toBe(401);
    }
    expect((await operator("GET", `/projects/${victim.id}`)).status).toBe(200);
  });
});
