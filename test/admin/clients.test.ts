import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DurableObjectStore } from "../../src/store/durable-object";
import * as keys from "../../src/store/keys";
import type { Client } from "../../src/registry/clients";
import { findClient } from "../../src/registry/clients";
import { api, newProject, newProvider } from "../helpers/admin";

let project: { id: string; token: string };
beforeAll(async () => {
  project = await newProject("clients");
});

const create = (body: Record<string, unknown>) => api(project.token, "POST", `/projects/${project.id}/clients`, body);
const stored = (clientId: string) => new DurableObjectStore(env.STORE).get<Client>(keys.client(project.id, clientId));

describe("admin: client applications", () => {
  it("AS-7: shows a confidential client's secret once, and stores only its HMAC", async () => {
    const created = await create({ name: "Lab server", kind: "confidential", grantTypes: ["client_credentials"], scopes: ["lab.read"] });
    expect(created.status).toBe(201);
    const { client, clientSecret } = created.body;
    expect(clientSecret).toMatch(/^[\w-]{43}$/);
    expect(client).toMatchObject({ kind: "confidential", hasSecret: true, grantTypes: ["client_credentials"], scopes: ["lab.read"] });
    expect(client.id).toMatch(new RegExp(`^${project.id}\\.[a-z2-7]{20}$`));

    const raw = JSON.stringify(await stored(client.id));
    expect(raw).not.toContain(clientSecret);
    expect(raw).toMatch(/"secretHash":"hmac-sha256:[\w-]{43}"/);

    const read = await api(project.token, "GET", `/projects/${project.id}/clients/${client.id}`);
    const list = await api(project.token, "GET", `/projects/${project.id}/clients`);
    for (const body of [read.body, list.body]) expect(JSON.stringify(body)).not.toMatch(new RegExp(`${clientSecret}|secretHash|hmac`));
  });

  it("AS-7: rotates a secret, returning the new one once; public clients have none", async () => {
    const { body } = await create({ name: "CI", kind: "confidential", grantTypes: ["client_credentials"] });
    const before = (await stored(body.client.id))!.secretHash;
    const rotated = await api(project.token, "POST", `/projects/${project.id}/clients/${body.client.id}/secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.clientSecret).toMatch(/^[\w-]{43}$/);
    expect(rotated.body.clientSecret).not.toBe(body.clientSecret);
    expect((await stored(body.client.id))!.secretHash).not.toBe(before);

    const spa = await create({ name: "SPA", kind: "public", redirectUris: ["https://spa.example/callback"] });
    expect(spa.body.clientSecret).toBeUndefined();
    expect(spa.body.client.hasSecret).toBe(false);
    expect((await api(project.token, "POST", `/projects/${project.id}/clients/${spa.body.client.id}/secret`)).status).toBe(409);
  });

  it("AS-2: accepts only exact, absolute redirect URIs without fragments; http only on loopback", async () => {
    const good = [
      "https://app.example/callback",
      "http://127.0.0.1:8080/cb",
      "http://[::1]/cb",
      "http://localhost:3000/cb",
      "com.example.app:/oauth2redirect",
    ];
    const created = await create({ name: "Redirects", kind: "public", redirectUris: good });
    expect(created.status).toBe(201);
    expect(created.body.client.redirectUris).toEqual(good);

    const bad = [
      "/relative/callback",
      "https://app.example/cb#fragment",
      "http://app.example/cb",
      "javascript:alert(1)",
      "data:text/html,hi",
      "https://user:pass@app.example/cb",
      "myapp:/cb",
    ];
    for (const uri of bad) {
      const response = await create({ name: "Bad", kind: "public", redirectUris: [uri] });
      expect(response.status, uri).toBe(400);
      expect(response.body.errors[0].path).toBe("redirectUris.0");
    }
  });

  it("refuses combinations that cannot work", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ kind: "public", grantTypes: ["client_credentials"] }, /public client cannot use client_credentials/],
      [{ kind: "public", grantTypes: ["authorization_code"] }, /redirectUris/],
      [{ kind: "confidential", grantTypes: ["refresh_token"] }, /refresh_token needs/],
      [{ kind: "confidential", grantTypes: ["password"] }, /grantTypes/],
      [{ kind: "confidential", grantTypes: ["client_credentials"], tokenLifetimes: { accessTokenSeconds: 7200 } }, /at most 3600 seconds/],
      [{ kind: "confidential", grantTypes: ["client_credentials"], providerId: "idp_missing" }, /no identity provider/],
      [{ kind: "confidential", grantTypes: ["client_credentials"], scopes: ["has space"] }, /scope/],
    ];
    for (const [body, message] of cases) {
      const response = await create({ name: "x", ...body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.detail).toMatch(message);
    }
  });

  it("names an application-level provider, changes with If-Match, and deletes", async () => {
    const provider = await newProvider(project, "okta");
    const { body } = await create({ name: "Portal", kind: "confidential", redirectUris: ["https://portal.example/cb"], providerId: provider.id });
    expect(body.client.providerId).toBe(provider.id);
    const path = `/projects/${project.id}/clients/${body.client.id}`;
    const etag = (await api(project.token, "GET", path)).headers.get("ETag")!;
    const patched = await api(project.token, "PATCH", path, { providerId: null, scopes: ["openid"] }, { "If-Match": etag });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ providerId: null, scopes: ["openid"], name: "Portal" });
    expect((await api(project.token, "DELETE", path)).status).toBe(204);
    expect((await api(project.token, "GET", path)).status).toBe(404);
  });

  it("resolves a client by id on the hot path with one store read, then from the isolate cache", async () => {
    const { body } = await create({ name: "Hot", kind: "public", redirectUris: ["https://hot.example/cb"] });
    let reads = 0;
    const backend = new DurableObjectStore(env.STORE);
    const counting = new Proxy(backend, {
      get: (target, name) => (name === "get" ? (...args: [string]) => (reads++, target.get(...args)) : Reflect.get(target, name)),
    });
    expect((await findClient(counting, body.client.id))?.name).toBe("Hot");
    expect((await findClient(counting, body.client.id))?.name).toBe("Hot");
    expect(reads).toBe(1);
    expect(await findClient(counting, "not-a-client-id")).toBeNull();
    expect(reads).toBe(1);
  });
});
