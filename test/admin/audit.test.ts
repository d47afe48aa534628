import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject, newProvider, operator } from "../helpers/admin";

let project: { id: string; token: string };
beforeAll(async () => {
  project = await newProject("audited");
});

describe("AD-4: audit of admin changes", () => {
  it("records who changed what, before and after, from where, newest first", async () => {
    const provider = await newProvider(project, "auth0");
    const created = await api(project.token, "POST", `/projects/${project.id}/clients`, { name: "Audited", kind: "confidential", grantTypes: ["client_credentials"] }, { "CF-Connecting-IP": "198.51.100.7" });
    await api(project.token, "POST", `/projects/${project.id}/clients/${created.body.client.id}/secret`);

    const log = await api(project.token, "GET", `/projects/${project.id}/audit`);
    expect(log.status).toBe(200);
    const actions = log.body.items.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 4)).toEqual(["client.secret.rotate", "client.create", "provider.create", "api-key.create"]);
    expect(actions).toContain("project.create");

    const clientCreate = log.body.items[1];
    expect(clientCreate).toMatchObject({
      projectId: project.id, outcome: "success", ip: "198.51.100.7",
      actor: { kind: "api-key", keyId: expect.stringMatching(/^key_/) },
      target: { type: "client", id: created.body.client.id },
      after: { name: "Audited", hasSecret: true },
    });
    expect(clientCreate.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(clientCreate.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(log.body.items.find((e: { action: string }) => e.action === "project.create").actor).toEqual({ kind: "operator" });

    // Never a secret, a secret's hash or a sealed secret in the log.
    const text = JSON.stringify(log.body);
    expect(text).not.toContain(created.body.clientSecret);
    expect(text).not.toMatch(/secretHash|hmac-sha256|clientSecretSealed|upstream-secret/);
    expect(provider.id).toBeTruthy();
  });

  it("pages through the log and reads it through /audit with either credential", async () => {
    for (let i = 0; i < 3; i++) await api(project.token, "POST", `/projects/${project.id}/users`, { name: `u${i}` });
    const first = await api(project.token, "GET", `/audit?limit=2`);
    expect(first.body.items).toHaveLength(2);
    const second = await api(project.token, "GET", `/audit?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].id).not.toBe(first.body.items[1].id);
    // Event ids sort by time: the next page is older.
    expect(second.body.items[0].id < first.body.items[1].id).toBe(true);
    const byOperator = await operator("GET", `/audit?project=${project.id}&limit=2`);
    expect(byOperator.body.items.map((e: { id: string }) => e.id)).toEqual(first.body.items.map((e: { id: string }) => e.id));
    expect((await operator("GET", "/audit")).status).toBe(400);
  });

  it("records deletions with what was deleted", async () => {
    const user = await api(project.token, "POST", `/projects/${project.id}/users`, { name: "Temp" });
    await api(project.token, "PATCH", `/projects/${project.id}/users/${user.body.id}`, { disabled: true }, { "If-Match": user.headers.get("ETag")! });
    const log = await api(project.token, "GET", `/projects/${project.id}/audit?limit=1`);
    expect(log.body.items[0]).toMatchObject({ action: "user.disable", before: { disabled: false }, after: { disabled: true } });
  });
});
