import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject, newProvider } from "../helpers/admin";

let project: { id: string; token: string };
let okta: string;
let google: string;
beforeAll(async () => {
  project = await newProject("users");
  okta = (await newProvider(project, "okta")).id;
  google = (await newProvider(project, "google")).id;
});

const users = () => `/projects/${project.id}/users`;
const create = (body: Record<string, unknown>) => api(project.token, "POST", users(), body);

describe("admin: users", () => {
  it("pre-provisions a user, lower-casing the email, and reads it back", async () => {
    const created = await create({ email: "Ada@Example.COM", emailVerified: true, name: "Ada", externalIds: [{ providerId: okta, subject: "00u1ada" }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: "ada@example.com", emailVerified: true, disabled: false, externalIds: [{ providerId: okta, subject: "00u1ada" }] });
    const read = await api(project.token, "GET", `${users()}/${created.body.id}`);
    expect(read.body).toEqual(created.body);
  });

  it("RP-7: keeps verified emails unique, but lets unverified ones coexist without claiming them", async () => {
    const email = `grace-${Date.now()}@example.com`;
    expect((await create({ email, emailVerified: false })).status).toBe(201);
    expect((await create({ email, emailVerified: false })).status).toBe(201);
    expect((await create({ email, emailVerified: true })).status).toBe(201);
    const clash = await create({ email: email.toUpperCase(), emailVerified: true });
    expect(clash.status).toBe(409);
    expect(clash.body.detail).toContain("verified email");
  });

  it("attaches and detaches external identities, each held by one user at most", async () => {
    const first = (await create({ name: "First" })).body;
    const second = (await create({ name: "Second" })).body;
    const attach = (userId: string, body: unknown) => api(project.token, "POST", `${users()}/${userId}/identities`, body);

    const attached = await attach(first.id, { providerId: google, subject: "1234567890" });
    expect(attached.status).toBe(200);
    expect(attached.body.externalIds).toEqual([{ providerId: google, subject: "1234567890" }]);
    expect((await attach(first.id, { providerId: google, subject: "1234567890" })).status).toBe(200);

    const taken = await attach(second.id, { providerId: google, subject: "1234567890" });
    expect(taken.status).toBe(409);
    expect(taken.body.detail).toContain("external identity");
    expect((await attach(second.id, { providerId: "idp_nope", subject: "x" })).status).toBe(400);

    const detached = await api(project.token, "DELETE", `${users()}/${first.id}/identities/${google}/1234567890`);
    expect(detached.status).toBe(200);
    expect(detached.body.externalIds).toEqual([]);
    expect((await attach(second.id, { providerId: google, subject: "1234567890" })).status).toBe(200);
    expect((await api(project.token, "DELETE", `${users()}/${first.id}/identities/${google}/1234567890`)).status).toBe(404);
  });

  it("detaches a subject with reserved characters, decoding its path segment once (regression)", async () => {
    const user = (await create({ name: "Odd subject" })).body;
    const subject = "auth0|a/b%2Fc";
    await api(project.token, "POST", `${users()}/${user.id}/identities`, { providerId: okta, subject });
    const detached = await api(project.token, "DELETE", `${users()}/${user.id}/identities/${okta}/${encodeURIComponent(subject)}`);
    expect(detached.status).toBe(200);
    expect(detached.body.externalIds).toEqual([]);
  });

  it("disables and re-enables a user with If-Match", async () => {
    const user = (await create({ email: "off@example.com" })).body;
    const path = `${users()}/${user.id}`;
    const etag = (await api(project.token, "GET", path)).headers.get("ETag")!;
    const disabled = await api(project.token, "PATCH", path, { disabled: true }, { "If-Match": etag });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expect((await api(project.token, "PATCH", path, { disabled: false }, { "If-Match": etag })).status).toBe(412);
    const enabled = await api(project.token, "PATCH", path, { disabled: false }, { "If-Match": disabled.headers.get("ETag")! });
    expect(enabled.body.disabled).toBe(false);
  });

  it("pages through users spread over partitions, each once, and refuses a forged cursor", async () => {
    const own = await newProject("users-paging");
    const path = `/projects/${own.id}/users`;
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) => api(own.token, "POST", path, { name: `User ${i}` })));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api(own.token, "GET", `${path}?limit=5${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.body.items.map((user: { id: string }) => user.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(made.map((r) => r.body.id).sort());
    const forged = btoa(`{u:0}user:${project.id}:`).replace(/=+$/, "");
    expect((await api(own.token, "GET", `${path}?cursor=${forged}`)).status).toBe(400);
  });

  it("finds a user by verified email, and not by an unverified one", async () => {
    const email = `search-${Date.now()}@example.com`;
    const verified = (await create({ email, emailVerified: true })).body;
    await create({ email: `un-${email}`, emailVerified: false });
    const found = await api(project.token, "GET", `${users()}?email=${encodeURIComponent(email.toUpperCase())}`);
    expect(found.status).toBe(200);
    expect(found.body.items.map((user: { id: string }) => user.id)).toEqual([verified.id]);
    expect((await api(project.token, "GET", `${users()}?email=${encodeURIComponent(`un-${email}`)}`)).body).toEqual({ items: [] });
  });

  it("lists users a page at a time and answers 404 for unknown ones", async () => {
    const page = await api(project.token, "GET", `${users()}?limit=2`);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.nextCursor).toBeTruthy();
    expect((await api(project.token, "GET", `${users()}/usr_unknown`)).status).toBe(404);
    expect((await create({ email: "not-an-email" })).status).toBe(400);
  });
});
