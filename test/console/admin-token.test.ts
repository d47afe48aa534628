/**
 * AD-1 for the third admin credential: a Fedgate access token issued to the console's client. The
 * person's roles, read from their user record on each request, decide what it may do; a removed role
 * or a disabled user takes effect at once; a token of any other client is refused; changes are
 * audited as the person. Only the operator may give roles.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, newProject, operator } from "../helpers/admin";
import { consoleAccessToken, PEOPLE, setUpConsole, type ConsoleSetup } from "../helpers/console";
import { call } from "../helpers/worker";

let setup: ConsoleSetup;
let mine: { id: string; token: string };
let theirs: { id: string; token: string };

beforeAll(async () => {
  [mine, theirs] = await Promise.all([newProject("Mine"), newProject("Theirs")]);
  setup = await setUpConsole({ alice: ["operator"], ulrich: [`admin:${mine.id}`] });
});

/** An admin API call with `token`, under the console's settings. */
async function asConsole(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await call(`/admin/v1${path}`, {
    method, env: setup.env,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe("AD-1: console access tokens at the admin API", () => {
  it("gives the operator role every project", async () => {
    const token = await consoleAccessToken(setup, PEOPLE.alice);
    const me = await asConsole(token, "GET", "/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ operator: true, projects: null, actor: { kind: "user", userId: setup.users.alice } });
    expect((await asConsole(token, "GET", `/projects/${theirs.id}`)).status).toBe(200);
    expect((await asConsole(token, "GET", "/signing-keys")).status).toBe(200);
  });

  it("scopes a project admin to their projects exactly like a project API key", async () => {
    const token = await consoleAccessToken(setup, PEOPLE.ulrich);
    expect((await asConsole(token, "GET", "/me")).body).toMatchObject({ operator: false, projects: [{ id: mine.id, name: "Mine" }] });
    expect((await asConsole(token, "GET", `/projects/${mine.id}/clients`)).status).toBe(200);
    expect((await asConsole(token, "GET", `/projects/${theirs.id}`)).status).toBe(404);
    expect((await asConsole(token, "GET", `/projects/${theirs.id}/clients`)).status).toBe(404);
    expect((await asConsole(token, "GET", "/projects")).status).toBe(403);
    expect((await asConsole(token, "POST", "/projects", { name: "x" })).status).toBe(403);
    expect((await asConsole(token, "GET", "/signing-keys")).status).toBe(403);
  });

  it("refuses a user without an admin role, and a disabled or role-less user at once", async () => {
    const walt = await consoleAccessToken(setup, PEOPLE.walt);
    expect((await asConsole(walt, "GET", "/me")).status).toBe(403);
    expect((await asConsole(walt, "GET", `/projects/${mine.id}`)).status).toBe(403);

    const token = await consoleAccessToken(setup, PEOPLE.ulrich);
    const userPath = `/projects/${setup.project.id}/users/${setup.users.ulrich}`;
    const read = await operator("GET", userPath);
    const disabled = await operator("PATCH", userPath, { disabled: true }, { "If-Match": read.headers.get("ETag")! });
    // Disabling ends the user's broker sessions, and with them this token (revoked: 401, not merely refused).
    expect((await asConsole(token, "GET", `/projects/${mine.id}`)).status).toBe(401);
    const enabled = await operator("PATCH", userPath, { disabled: false, roles: [] }, { "If-Match": disabled.headers.get("ETag")! });
    expect(enabled.body.roles).toBeUndefined();
    const again = await consoleAccessToken(setup, PEOPLE.ulrich);
    expect((await asConsole(again, "GET", `/projects/${mine.id}`)).status).toBe(403);
    await operator("PATCH", userPath, { roles: [`admin:${mine.id}`] }, { "If-Match": enabled.headers.get("ETag")! });
    expect((await asConsole(again, "GET", `/projects/${mine.id}`)).status).toBe(200);
  });

  it("refuses an access token of any other client, and any console token where no console is configured", async () => {
    const other = await api(setup.project.token, "POST", `/projects/${setup.project.id}/clients`, { name: "not the console", kind: "confidential", grantTypes: ["client_credentials"], scopes: ["openid"] });
    const minted = await call("/oauth2/token", {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: other.body.client.id, client_secret: other.body.clientSecret }).toString(),
    });
    const clientToken = ((await minted.json()) as { access_token: string }).access_token;
    expect((await asConsole(clientToken, "GET", "/me")).status).toBe(401);
    const token = await consoleAccessToken(setup, PEOPLE.alice);
    expect((await api(token, "GET", "/me")).status).toBe(401); // no CONSOLE_* settings on this call
  });

  it("lets only the operator give roles, and names a malformed one", async () => {
    const admin = await consoleAccessToken(setup, PEOPLE.ulrich);
    const refused = await asConsole(admin, "POST", `/projects/${mine.id}/users`, { email: "x@mine.example", roles: [`admin:${theirs.id}`] });
    expect(refused.status).toBe(403);
    const malformed = await operator("POST", `/projects/${mine.id}/users`, { roles: ["root"] });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].path).toBe("roles.0");
  });

  it("audits changes as the person: actor kind user, with their user id, project and email", async () => {
    const token = await consoleAccessToken(setup, PEOPLE.ulrich);
    const made = await asConsole(token, "POST", `/projects/${mine.id}/clients`, { name: "From the console token", kind: "public", redirectUris: ["https://x.example/cb"] });
    expect(made.status).toBe(201);
    const log = await api(mine.token, "GET", `/projects/${mine.id}/audit?limit=50`);
    const event = log.body.items.find((item: { action: string; target: { id: string } }) => item.action === "client.create" && item.target.id === made.body.client.id);
    expect(event.actor).toEqual({ kind: "user", userId: setup.users.ulrich, projectId: setup.project.id, email: PEOPLE.ulrich.email });
  });
});
