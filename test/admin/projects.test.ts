import { describe, expect, it } from "vitest";
import { api, newProject, operator } from "../helpers/admin";

describe("admin: projects", () => {
  it("creates a project with its first API key, which then works for that project", async () => {
    const created = await operator("POST", "/projects", { name: "  Acme Lab  ", ipRules: { allow: ["203.0.113.7/32", "2001:DB8::/32"] } });
    expect(created.status).toBe(201);
    expect(created.headers.get("Location")).toBe(`/admin/v1/projects/${created.body.project.id}`);
    const { project, apiKey } = created.body;
    expect(project).toMatchObject({ name: "Acme Lab", ipRules: { allow: ["203.0.113.7/32", "2001:db8::/32"], deny: [] } });
    expect(project.id).toMatch(/^prj_[a-z2-7]{16}$/);
    expect(apiKey.token).toMatch(new RegExp(`^fgk\\.${project.id}\\.key_[a-z2-7]{12}\\.[\\w-]{43}$`));

    const read = await api(apiKey.token, "GET", `/projects/${project.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(project);
    expect(read.headers.get("ETag")).toMatch(/^"[\w-]+"$/);
    expect(read.headers.get("Cache-Control")).toBe("no-store");
  });

  it("lists projects for the operator only, a page at a time", async () => {
    await newProject("list-a");
    await newProject("list-b");
    const { token } = await newProject("list-c");
    const first = await operator("GET", "/projects?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    const second = await operator("GET", `/projects?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect((await api(token, "GET", "/projects")).status).toBe(403);
    expect((await operator("GET", "/projects?cursor=not-a-cursor!")).status).toBe(400);
    expect((await operator("GET", "/projects?limit=lots")).status).toBe(400);
  });

  it("updates only with a current If-Match, so two admins cannot overwrite each other", async () => {
    const { id, token } = await newProject("etag");
    const read = await api(token, "GET", `/projects/${id}`);
    const etag = read.headers.get("ETag")!;

    const without = await api(token, "PATCH", `/projects/${id}`, { name: "no precondition" });
    expect(without.status).toBe(428);

    const first = await api(token, "PATCH", `/projects/${id}`, { name: "first admin" }, { "If-Match": etag });
    expect(first.status).toBe(200);
    expect(first.body.name).toBe("first admin");
    expect(first.headers.get("ETag")).not.toBe(etag);

    const second = await api(token, "PATCH", `/projects/${id}`, { name: "second admin" }, { "If-Match": etag });
    expect(second.status).toBe(412);
    expect(second.headers.get("Content-Type")).toBe("application/problem+json");
    expect((await api(token, "GET", `/projects/${id}`)).body.name).toBe("first admin");

    const fresh = await api(token, "PATCH", `/projects/${id}`, { name: "second admin" }, { "If-Match": first.headers.get("ETag")! });
    expect(fresh.status).toBe(200);
  });

  it("AD-3: refuses invalid input with problem details that quote the field", async () => {
    const cases: [unknown, string][] = [
      [{}, "name"],
      [{ name: "" }, "name"],
      [{ name: "x", ipRules: { allow: ["10.0.0.1/8"] } }, "ipRules.allow.0"],
      [{ name: "x", ipRules: { deny: ["not-an-ip"] } }, "ipRules.deny.0"],
      [{ name: "x", colour: "blue" }, "colour"],
    ];
    for (const [body, field] of cases) {
      const response = await operator("POST", "/projects", body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(response.body.errors)).toContain(field.split(".")[0]);
      expect(response.body.detail).toBeTruthy();
    }
  });

  it("creates, lists and revokes API keys, never showing a secret again", async () => {
    const { id, token } = await newProject("keys");
    const created = await api(token, "POST", `/projects/${id}/api-keys`, { name: "ci" });
    expect(created.status).toBe(201);
    const second = created.body.token as string;
    expect((await api(second, "GET", `/projects/${id}`)).status).toBe(200);

    const list = await api(token, "GET", `/projects/${id}/api-keys`);
    expect(list.body.items.map((k: { name: string }) => k.name).sort()).toEqual(["ci", "initial admin key"]);
    expect(JSON.stringify(list.body)).not.toMatch(/token|secret|hmac/i);

    expect((await api(token, "DELETE", `/projects/${id}/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await api(second, "GET", `/projects/${id}`)).status).toBe(401);
    // A forged key for the right project and id but the wrong secret is refused too.
    const forged = `${token.slice(0, token.lastIndexOf("."))}.${"A".repeat(43)}`;
    expect((await api(forged, "GET", `/projects/${id}`)).status).toBe(401);
  });

  it("deletes only an empty project, and its keys with it", async () => {
    const { id, token } = await newProject("doomed");
    const client = await api(token, "POST", `/projects/${id}/clients`, { name: "app", kind: "public", redirectUris: ["https://app.example/cb"] });
    expect((await operator("DELETE", `/projects/${id}`)).status).toBe(409);
    expect((await api(token, "DELETE", `/projects/${id}`)).status).toBe(403);
    await api(token, "DELETE", `/projects/${id}/clients/${client.body.client.id}`);
    expect((await operator("DELETE", `/projects/${id}`)).status).toBe(204);
    expect((await operator("GET", `/projects/${id}`)).status).toBe(404);
    expect((await api(token, "GET", `/projects/${id}`)).status).toBe(401);
  });
});
